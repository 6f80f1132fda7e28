"""Sync client: hello, push the outbox in order, pull the organisation feed and merge by HLC.

Every pulled page is applied together with the new cursor and clock in one SQLite transaction, so a
sync interrupted at any point resumes without losing or duplicating anything.
Nothing pushed is dropped: a change the server refuses becomes a conflict record holding the local
value (F6, ``wbtui sync conflicts``), and the case is repaired to the server's version so that every
device ends in the same state. Only one sync runs on a store at a time.

Requests, TLS and the sync lock are :mod:`wbtui.sync.transport`; pushing the outbox (pipelined) is
:mod:`wbtui.sync.outbox_push`; repairing after a refusal and ``sync
verify`` are :mod:`wbtui.sync.repair`; loading a snapshot is :mod:`wbtui.sync.bootstrap`.
"""

from __future__ import annotations

import time

from wbtui.sync import protocol
from wbtui.sync.merge import Merger, drop_case, local_digests, meta, meta_set, pending_cases, promote_extras
from wbtui.sync.orphans import commit_page
from wbtui.sync.outbox_push import OutboxPush
from wbtui.sync.repair import Repair, twice_taken
from wbtui.sync.transport import Summary, SyncError, check_url, tls_context
from wbtui.sync.upload import enable

BATCH = 500  # changes per push unless the server's hello names more (a first upload fills large pushes)

MAX_RESETS = 3  # starts from the beginning within one sync (the server compacting meanwhile)
__all__ = ["SyncClient", "SyncError", "Summary", "enable", "local_digests", "status", "tls_context"]


class SyncClient(Repair, OutboxPush):
    def __init__(
        self,
        store,
        url: str,
        token: str,
        *,
        transport=None,
        timeout: float = 30.0,
        verify=True,
        schema_version: int = protocol.SCHEMA_VERSION,
        sleep=time.sleep,
        snapshot: bool = True,
    ) -> None:
        """``verify`` is True (system CAs) or a CA bundle path; there is deliberately no way to switch TLS checks off.
        ``schema_version`` is this client's data schema (an older store speaks an older one). ``snapshot``
        False: a device without a cursor replays the whole feed instead (the reference the tests compare with)."""
        import httpx

        if verify is False:
            raise ValueError("TLS verification cannot be disabled")
        if transport is None:
            check_url(url)
        self.store = store
        self.schema_version = schema_version
        self.sleep = sleep
        self.snapshot = snapshot
        # until the server's hello names its limits: changes per push, and bytes on the wire
        self.batch, self.limit, self.max_bytes, self.gzip, self.ordered = BATCH, BATCH, 1_048_576, False, False
        self.waited = 0.0
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
            # a given transport (tests, the fault proxy's in-process app) carries its own TLS settings
            verify=True if transport is not None else tls_context(None if verify is True else str(verify)),
        )

    def close(self) -> None:
        self.http.close()

    # -- sync ---------------------------------------------------------------------------------------
    def sync(self, progress=None) -> Summary:
        summary = Summary()
        self._guard(lambda: self._sync(summary, progress))
        return summary

    def _sync(self, summary: Summary, progress) -> None:
        with self.store.transaction() as con:
            promote_extras(con, self.schema_version)
        self._hello()
        for _round in range(3):
            rejected = self._push(summary, progress)
            if rejected:  # first: a refused local row must not block the server's rows the pull brings
                self._repair(summary, [c for c in rejected if not twice_taken(c, rejected)])
            self._pull(summary, progress)
            if any(twice_taken(c, rejected) for c in rejected):  # the known person has arrived with the pull
                self._repair(summary, [c for c in rejected if twice_taken(c, rejected)])
            if not self._has_pending():
                return

    def _hello(self) -> dict:
        con = self.store.raw()
        try:
            body = {
                "protocol": protocol.PROTOCOL, "schema_version": self.schema_version,
                "device_id": meta(con, "device_id") or "unknown", "node_id": meta(con, "node_id") or "unknown",
            }  # fmt: skip
        finally:
            con.close()
        hello = self._post("/sync/v1/hello", body)
        limits = hello.get("limits")
        limits = limits if isinstance(limits, dict) else {}
        changes, size = limits.get("push_changes"), limits.get("push_bytes")
        self.limit = max(BATCH, min(changes, 20_000)) if isinstance(changes, int) else BATCH
        self.batch = self.limit - self.limit // 10  # room for the last local transaction to go in whole
        self.max_bytes = size if isinstance(size, int) and size > 0 else 1_048_576
        self.gzip = limits.get("push_gzip") == 1
        self.ordered = limits.get("push_after") == 1  # the next push may go before this one's answer
        if hello.get("action") != "ok":
            raise SyncError("err.sync_upgrade")
        return hello

    def _has_pending(self) -> bool:
        con = self.store.raw()
        try:
            return con.execute("SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1").fetchone() is not None
        finally:
            con.close()

    # -- push -----------------------------------------------------------------------------------------
    # -- pull -----------------------------------------------------------------------------------------
    def _pull(self, summary: Summary, progress) -> None:
        from wbtui.sync import bootstrap

        resets = 0
        while True:
            con = self.store.raw()
            try:
                cursor = meta(con, "cursor")
            finally:
                con.close()
            if not cursor and self.snapshot and bootstrap.load(self, summary, progress):
                continue  # the snapshot stored the cursor it stands on: the feed goes on from there
            params: dict = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            response = self._request("GET", "/sync/v1/pull", params=params)
            if response.status_code == 410:
                # the cursor lies in a compacted part of the feed: read the feed again from the start
                resets += 1
                if resets > MAX_RESETS:
                    raise SyncError("err.sync_reset")
                self._begin_reset(summary)
                continue
            page = self._check(response)
            self._apply_page(page, summary)
            if progress:
                progress("pull", summary.pulled)
            if not page.get("has_more"):
                self._finish_reset(summary)
                return

    def _begin_reset(self, summary: Summary) -> None:
        """Forget the cursor, keep everything else (local rows, outbox, conflicts): merging by HLC makes
        reading the feed again harmless. Cases met on the way are noted; the rest goes at the end."""
        summary.reset = True
        with self.store.transaction() as con:
            con.execute(
                "DELETE FROM sync_meta WHERE key IN ('cursor', 'snapshot_after', 'snapshot_cursor', 'snapshot_fresh')"
            )
            con.execute("DELETE FROM sync_reset_seen")
            meta_set(con, "reset", "1")

    def _finish_reset(self, summary: Summary) -> None:
        """After a reset has read the whole feed: cases the server no longer delivers to this organisation
        (revoked or purged while this device was away) are removed, unless they hold unsent changes."""
        with self.store.transaction() as con:
            if meta(con, "reset") != "1":
                return
            unseen = [
                row[0]
                for row in con.execute("SELECT id FROM fbw_case WHERE id NOT IN (SELECT case_id FROM sync_reset_seen)")
            ]
            pending = pending_cases(con)
            gone = [case_id for case_id in unseen if case_id not in pending]
            for case_id in gone:
                if drop_case(con, case_id, "reset"):
                    summary.dropped += 1
            if len(gone) == len(unseen):  # otherwise cases with unsent changes are judged again after the next round
                con.execute("DELETE FROM sync_reset_seen")
                meta_set(con, "reset", "0")
        if gone:
            from wbtui.data.erase import scrub

            scrub(self.store)

    def _apply_page(self, page: dict, summary: Summary) -> None:
        with self.store.transaction() as con:
            con.execute("PRAGMA defer_foreign_keys = ON")
            merger = Merger(con, self.schema_version, summary)
            resetting = meta(con, "reset") == "1"
            for change in page.get("changes", []):
                if not isinstance(change, dict):
                    continue
                kind = change.get("kind")
                if resetting and change.get("case_id"):
                    if kind in ("revoke", "purge"):
                        con.execute("DELETE FROM sync_reset_seen WHERE case_id = ?", (change["case_id"],))
                    elif kind != "erased":
                        con.execute("INSERT OR IGNORE INTO sync_reset_seen(case_id) VALUES (?)", (change["case_id"],))
                merger.apply(change)
                summary.pulled += 1
            if page.get("cursor"):
                meta_set(con, "cursor", page["cursor"])
            merger.finish()
            meta_set(con, "last_pull_at", _now())
            summary.dropped += merger.dropped
            commit_page(con, summary)  # a row whose parent never came is quarantined, the page goes on
        if merger.dropped or summary.retracted:
            from wbtui.data.erase import scrub

            scrub(self.store)  # what was dropped must not stay readable in the WAL


def status(store) -> dict:
    con = store.raw()
    try:
        pending = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        rejected = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'").fetchone()[0]
        conflicts = con.execute("SELECT COUNT(*) FROM sync_conflict WHERE status = 'open'").fetchone()[0]
        quarantined = con.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()[0]
        return {
            "enabled": meta(con, "enabled") == "1",
            "pending": pending,
            "rejected": rejected,
            "conflicts": conflicts,
            "quarantined": quarantined,
            "last_push_at": meta(con, "last_push_at"),
            "last_pull_at": meta(con, "last_pull_at"),
        }
    finally:
        con.close()


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
