"""Pushing the outbox (the push half of :class:`wbtui.sync.client.SyncClient`): pending changes in order,
a local transaction never split between pushes, large pushes gzip-compressed, the answers taken into the
outbox (a refused change becomes a conflict record holding the local value, F6).

Pipelined (issue 16, the first upload): while the server works on one push, the next is read from the
outbox and encoded on the device, and sent at once when the server keeps a device's pushes in order
(hello's ``push_after``, :mod:`wbtui.server.pipeline`): it names the last change of the push before, and the
server applies it only after that one. The answers are taken in order, as without the pipeline.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from wbtui.sync.merge import meta, meta_set
from wbtui.sync.transport import Summary, SyncError, Transport

GZIP_FROM = 32_768  # bytes of JSON from which a push travels gzip-compressed, if the server takes it


@dataclass
class Prepared:
    """One push read from the outbox and encoded, ready to send."""

    changes: list[dict]
    body: dict
    data: bytes
    headers: dict
    last_seq: int  # local_seq of its last change: the next push starts after it
    last_id: str  # its last change: the one the next push names as its predecessor (server.pipeline)
    after: str | None  # the change it names as its predecessor (encoded in ``data``), if any


class OutboxPush(Transport):
    """The push half of the sync client (``batch``, ``limit``, ``max_bytes``, ``gzip`` and ``ordered`` are
    set from the server's hello by :class:`wbtui.sync.client.SyncClient`)."""

    batch: int
    limit: int
    max_bytes: int
    gzip: bool
    ordered: bool

    def _outbox_batch(self, after: int = 0) -> list[tuple]:
        """Up to ``self.batch`` pending changes past ``local_seq`` ``after`` (the push in flight), never splitting
        a local transaction between pushes: one that does not fit under the server's limit is left whole for
        the next push (one larger goes alone, extended)."""
        con = self.store.raw()
        try:
            # a store not yet migrated to sync schema 3 has no transaction column (every change its own)
            has_tx = any(row[1] == "tx" for row in con.execute("PRAGMA table_info(outbox)"))
            cols = "tx, origin" if has_tx else "NULL, NULL"
            rows = con.execute(
                f"SELECT change_id, entity, row_id, case_id, op, payload, hlc, {cols}, local_seq FROM outbox"
                " WHERE state = 'pending' AND local_seq > ? ORDER BY local_seq LIMIT ?",
                (after, self.batch),
            ).fetchall()
            if len(rows) == self.batch and rows[-1][7] is not None:
                rest = con.execute(
                    f"SELECT change_id, entity, row_id, case_id, op, payload, hlc, {cols}, local_seq FROM outbox"
                    " WHERE state = 'pending' AND tx = ? AND local_seq > ? ORDER BY local_seq",
                    (rows[-1][7], rows[-1][9]),
                ).fetchall()
                whole = [r for r in rows if r[7] != rows[-1][7]]
                # the last transaction goes whole into this push, or (past the server's limit) into the next
                rows = whole if rest and len(rows) + len(rest) > self.limit and whole else rows + rest
            return rows
        finally:
            con.close()

    def _device_id(self) -> str:
        con = self.store.raw()
        try:
            return meta(con, "device_id") or "unknown"
        finally:
            con.close()

    def _push(self, summary: Summary, progress) -> list[dict]:
        """Push the outbox; returns the refused changes (each with the server's reason)."""
        from concurrent.futures import ThreadPoolExecutor

        refused: list[dict] = []
        device = self._device_id()
        pool = ThreadPoolExecutor(2, thread_name_prefix="wbtui-push")
        try:
            current = self._prepared(device, 0, None)
            sent = pool.submit(self._send, current, False) if current else None
            while current is not None and sent is not None:
                # the server is at work on ``current``: read and encode the next push meanwhile
                following = self._prepared(device, current.last_seq, current.last_id if self.ordered else None)
                early = pool.submit(self._send, following, True) if following and self.ordered else None
                complete = self._answered(current, self._answer(sent, current), summary, refused, progress)
                if not complete:  # changes the server left unanswered stay pending: from the start again
                    if early is not None and following is not None:
                        self._answered(following, self._answer(early, following), summary, refused, progress)
                    following, early = self._prepared(device, 0, None), None
                if following is not None and early is None:
                    early = pool.submit(self._send, following, False)
                current, sent = following, early
            return refused
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # after a failure: a push in flight is answered 409

    def _prepared(self, device: str, after_seq: int, after: str | None) -> Prepared | None:
        """The next push past ``local_seq`` ``after_seq``, encoded, naming ``after`` as its predecessor (None:
        nothing pending there). One larger than the server takes on the wire is made again with half as many
        changes (one change goes alone)."""
        while True:
            rows = self._outbox_batch(after_seq)
            if not rows:
                return None
            changes = []
            for change_id, entity, row_id, case_id, op, payload, hlc, tx, origin, _seq in rows:
                body = json.loads(payload)
                change = {
                    "change_id": change_id,
                    "entity": entity,
                    "row_id": row_id,
                    "case_id": case_id,
                    "op": op,
                    "hlc": hlc,
                }
                if tx:
                    change["tx"] = tx
                if origin:
                    change["origin"] = origin
                if op == "set":
                    change["fields"] = body
                elif op == "append":
                    change["data"] = body["data"]
                else:
                    change["name"], change["args"] = body["name"], body["args"]
                changes.append(change)
            body = {"device_id": device, "batch_id": uuid.uuid4().hex, "schema_version": self.schema_version,
                    "changes": changes}  # fmt: skip
            if after is not None:
                body["after"] = after
            data, headers = self._encoded(body)
            if len(data) > self.max_bytes and len(changes) > 1:
                self.batch = max(1, len(changes) // 2)  # larger than the server takes: half as many per push
                continue
            return Prepared(changes, body, data, headers, rows[-1][9], changes[-1]["change_id"], after)

    def _encoded(self, body: dict) -> tuple[bytes, dict]:
        """A push's bytes on the wire: gzip-compressed when large and the server takes that (server.inflate)."""
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if self.gzip and len(data) >= GZIP_FROM:
            import gzip

            data = gzip.compress(data, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        return data, headers

    def _send(self, prepared: Prepared, early: bool) -> dict | None:
        """One push request (on the pipeline's thread). ``early``: sent before its predecessor was answered, it
        names it (``after``); otherwise it goes alone. None: the server did not see the predecessor applied in
        time (409) — the caller sends it again alone."""
        data, headers = prepared.data, prepared.headers
        if prepared.after is not None and not early:  # encoded naming a predecessor, sent alone after all
            data, headers = self._encoded({k: v for k, v in prepared.body.items() if k != "after"})
        response = self._request("POST", "/sync/v1/push", content=data, headers=headers)
        if early and response.status_code == 409:
            return None
        return self._check(response)

    def _answer(self, sent, prepared: Prepared) -> dict:
        """The answer to a push sent: a pipelined one the server did not apply (409) goes again alone."""
        result = sent.result()
        if result is None:
            result = self._send(prepared, False)
        assert result is not None  # sent alone: never None (_send)
        return result

    def _answered(self, prepared: Prepared, result: dict, summary: Summary, refused: list, progress) -> bool:
        """Take one push's answer into the outbox; False when some change was left unanswered."""
        changes = prepared.changes
        by_id = {r.get("change_id"): r for r in result.get("results", [])}
        answered = 0
        sent: list[tuple[str]] = []
        with self.store.transaction() as con:
            for change in changes:
                r = by_id.get(change["change_id"])
                if r is None:
                    continue  # not answered: stays pending, retried with the same id
                answered += 1
                if r.get("status") == "rejected":
                    self._refused(con, change, r, summary)
                    refused.append({**change, "reason": r.get("reason"), "detail": r.get("detail") or {}})
                else:
                    summary.pushed += 1
                    sent.append((change["change_id"],))
            con.executemany("UPDATE outbox SET state = 'sent', attempts = attempts + 1 WHERE change_id = ?", sent)
            meta_set(con, "last_push_at", _now())
        if progress:
            progress("push", summary.pushed)
        if not answered:
            raise SyncError("err.sync_bad_response")
        return answered == len(changes)

    @staticmethod
    def _refused(con, change: dict, r: dict, summary: Summary) -> None:
        reason = str(r.get("reason") or "")
        detail = r.get("detail") or {}
        summary.rejected += 1
        summary.reasons.append(reason + (":" + json.dumps(detail, sort_keys=True) if detail else ""))
        con.execute(
            "UPDATE outbox SET state = 'rejected', last_error = ?, attempts = attempts + 1 WHERE change_id = ?",
            (reason, change["change_id"]),
        )
        con.execute(
            "INSERT OR IGNORE INTO sync_conflict(conflict_id, entity, row_id, field, kind, lost_value, detail, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))",
            (
                change["change_id"], change["entity"], change["row_id"], str(detail.get("field") or "")[:80] or None,
                "access_lost" if reason == "forbidden" else "rejected_write",
                json.dumps(change.get("fields") or change.get("data") or change.get("args"), ensure_ascii=False),
                json.dumps({"reason": reason, **detail}, ensure_ascii=False),
            ),
        )  # fmt: skip


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
