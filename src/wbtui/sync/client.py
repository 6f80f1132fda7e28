"""Sync client: hello, push the outbox in order, pull the organisation feed and merge by HLC.

Every pulled page is applied together with the new cursor and clock in one SQLite
transaction, so a sync interrupted at any point resumes without losing or duplicating
anything (sync-design.md 4.6). Nothing pushed is dropped: rejected changes become local
conflict records.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC

from wbtui.sync import protocol
from wbtui.sync.hlc import Clock

BATCH = 500
MAX_RESETS = 3  # starts from the beginning within one sync (the server compacting meanwhile)


class SyncError(Exception):
    def __init__(self, key: str, **params) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Summary:
    pushed: int = 0
    rejected: int = 0
    pulled: int = 0
    conflicts: int = 0
    grants: int = 0
    dropped: int = 0
    reset: bool = False
    reasons: list[str] = field(default_factory=list)


def _meta(con, key: str) -> str | None:
    row = con.execute("SELECT value FROM sync_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _meta_set(con, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO sync_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def enable(store) -> int:
    """Switch on change recording; the first time, queue the whole store as an initial upload."""
    from wbtui.data.queries import case_id_for
    from wbtui.sync.recorder import enqueue, load_clock, meta_get, meta_set, save_clock

    with store.engine.begin() as conn:
        if meta_get(conn, "enabled") == "1":
            return 0
        clock = load_clock(conn)
        count = 0
        for entity in protocol.ENTITY_ORDER:
            table = protocol.REGISTER_TABLES.get(entity) or protocol.APPEND_TABLES[entity]
            cur = conn.exec_driver_sql(f"SELECT * FROM {table}")
            cols = [d[0] for d in cur.cursor.description]
            for row in cur.fetchall():
                rec = dict(zip(cols, row))
                data = {}
                for f in protocol.fields_of(entity):
                    value = rec.get(f)
                    if (entity, f) in protocol.JSON_FIELDS and isinstance(value, str):
                        value = json.loads(value)
                    if value is not None:
                        data[f] = value
                case_id = case_id_for(conn, entity, rec["id"], rec.get("person_id"), rec.get("case_id"))
                if entity == "event":
                    enqueue(conn, clock, entity, rec["id"], case_id, "append", {"data": data})
                else:
                    enqueue(
                        conn,
                        clock,
                        entity,
                        rec["id"],
                        case_id,
                        "set",
                        {f: {"v": v, "base": None} for f, v in data.items()},
                    )
                count += 1
        meta_set(conn, "enabled", "1")
        meta_set(conn, "device_id", uuid.uuid4().hex)
        save_clock(conn, clock)
        return count


def _certificate_problem(exc: BaseException) -> bool:
    import ssl

    seen = exc
    for _ in range(6):
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            return False
    return False


def tls_context(ca_file: str | None):
    """Certificate checks always on (system CAs or the organisation's bundle), TLS 1.2 at least (BSI TR-02102-2)."""
    import ssl

    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class SyncClient:
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
    ) -> None:
        """``verify`` is True (system CAs) or a CA bundle path; there is deliberately no way to switch TLS checks off.
        ``schema_version`` is this client's data schema (an older store speaks an older one)."""
        import httpx

        if verify is False:
            raise ValueError("TLS verification cannot be disabled")
        self.store = store
        self.schema_version = schema_version
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
            verify=tls_context(None if verify is True else str(verify)),
        )

    def close(self) -> None:
        self.http.close()

    # -- protocol ---------------------------------------------------------------------
    def _post(self, path: str, body: dict) -> dict:
        return self._check(self.http.post(path, json=body))

    def _check(self, response) -> dict:
        if response.status_code == 401:
            raise SyncError("err.sync_auth")
        if response.status_code == 403:
            raise SyncError("err.sync_forbidden")
        if response.status_code == 426:
            raise SyncError("err.sync_upgrade")
        if response.status_code >= 400:
            raise SyncError("err.sync_http", status=response.status_code)
        try:
            return response.json()
        except ValueError:
            raise SyncError("err.sync_bad_response") from None

    def sync(self, progress=None) -> Summary:
        import httpx

        summary = Summary()
        with self.store.transaction() as con:
            promote_extras(con, self.schema_version)
        try:
            con = self.store.raw(readonly=False)
            try:
                hello = self._post(
                    "/sync/v1/hello",
                    {
                        "protocol": protocol.PROTOCOL,
                        "schema_version": self.schema_version,
                        "device_id": _meta(con, "device_id") or "unknown",
                        "node_id": _meta(con, "node_id") or "unknown",
                    },
                )
            finally:
                con.close()
            if hello.get("action") != "ok":
                raise SyncError("err.sync_upgrade")
            self._push(summary, progress)
            self._pull(summary, progress)
        except httpx.HTTPError as exc:
            if _certificate_problem(exc):
                raise SyncError("err.sync_certificate") from exc
            raise SyncError("err.sync_offline", detail=type(exc).__name__) from exc
        return summary

    def verify(self) -> dict:
        """Divergence check (sync-design.md 4.6): send a digest per case, merge the server's snapshot of
        each case that differs. Cases with unsent changes are skipped (they differ by design)."""
        import httpx

        report = {"checked": 0, "mismatched": 0, "repaired": 0, "not_held": 0}
        try:
            self.sync()  # first catch up: a digest compares settled states
            con = self.store.raw()
            try:
                digests = local_digests(con, self.schema_version)
            finally:
                con.close()
            ids = sorted(digests)
            for start in range(0, len(ids), 500):
                chunk = {c: digests[c] for c in ids[start : start + 500]}
                answer = self._post("/sync/v1/verify", {"schema_version": self.schema_version, "cases": chunk})
                report["checked"] += answer.get("checked", 0)
                report["not_held"] += len(answer.get("not_held", []))
                report["mismatched"] += len(answer.get("mismatched", []))
                if answer.get("snapshots"):
                    self._apply_page(
                        {"changes": [{**snap, "kind": "grant"} for snap in answer["snapshots"]], "cursor": None},
                        Summary(),
                    )
                    report["repaired"] += len(answer["snapshots"])
        except httpx.HTTPError as exc:
            if _certificate_problem(exc):
                raise SyncError("err.sync_certificate") from exc
            raise SyncError("err.sync_offline", detail=type(exc).__name__) from exc
        return report

    def _push(self, summary: Summary, progress) -> None:
        while True:
            con = self.store.raw()
            try:
                rows = con.execute(
                    "SELECT change_id, entity, row_id, case_id, op, payload, hlc FROM outbox WHERE state = 'pending' ORDER BY local_seq LIMIT ?",
                    (BATCH,),
                ).fetchall()
                device = _meta(con, "device_id") or "unknown"
            finally:
                con.close()
            if not rows:
                return
            changes = []
            for change_id, entity, row_id, case_id, op, payload, hlc in rows:
                body = json.loads(payload)
                change = {
                    "change_id": change_id,
                    "entity": entity,
                    "row_id": row_id,
                    "case_id": case_id,
                    "op": op,
                    "hlc": hlc,
                }
                if op == "set":
                    change["fields"] = body
                elif op == "append":
                    change["data"] = body["data"]
                else:
                    change["name"], change["args"] = body["name"], body["args"]
                changes.append(change)
            result = self._post(
                "/sync/v1/push",
                {
                    "device_id": device,
                    "batch_id": uuid.uuid4().hex,
                    "schema_version": self.schema_version,
                    "changes": changes,
                },
            )
            by_id = {r.get("change_id"): r for r in result.get("results", [])}
            with self.store.transaction() as con:
                for change in changes:
                    r = by_id.get(change["change_id"])
                    if r is None:
                        continue  # not answered: stays pending, retried with the same id
                    if r["status"] == "rejected":
                        summary.rejected += 1
                        summary.reasons.append(r.get("reason", ""))
                        con.execute(
                            "UPDATE outbox SET state = 'rejected', last_error = ?, attempts = attempts + 1 WHERE change_id = ?",
                            (r.get("reason"), change["change_id"]),
                        )
                        con.execute(
                            "INSERT OR IGNORE INTO sync_conflict(conflict_id, entity, row_id, kind, lost_value, detail, created_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, datetime('now'))",
                            (
                                change["change_id"],
                                change["entity"],
                                change["row_id"],
                                "access_lost" if r.get("reason") == "forbidden" else "rejected_write",
                                json.dumps(change.get("fields") or change.get("data") or change.get("args")),
                                r.get("reason"),
                            ),
                        )
                    else:
                        summary.pushed += 1
                        con.execute(
                            "UPDATE outbox SET state = 'sent', attempts = attempts + 1 WHERE change_id = ?",
                            (change["change_id"],),
                        )
                _meta_set(con, "last_push_at", _now())
            if progress:
                progress("push", summary.pushed)

    def _pull(self, summary: Summary, progress) -> None:
        resets = 0
        while True:
            con = self.store.raw()
            try:
                cursor = _meta(con, "cursor")
            finally:
                con.close()
            params = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            response = self.http.get("/sync/v1/pull", params=params)
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
            con.execute("DELETE FROM sync_meta WHERE key = 'cursor'")
            con.execute("DELETE FROM sync_reset_seen")
            _meta_set(con, "reset", "1")

    def _finish_reset(self, summary: Summary) -> None:
        """After a reset has read the whole feed: cases the server no longer delivers to this organisation
        (revoked or purged while this device was away) are removed, unless they hold unsent changes."""
        with self.store.transaction() as con:
            if _meta(con, "reset") != "1":
                return
            unseen = [
                row[0]
                for row in con.execute("SELECT id FROM fbw_case WHERE id NOT IN (SELECT case_id FROM sync_reset_seen)")
            ]
            pending = _pending_cases(con)
            gone = [case_id for case_id in unseen if case_id not in pending]
            for case_id in gone:
                if drop_case(con, case_id, "reset"):
                    summary.dropped += 1
            if len(gone) == len(unseen):  # otherwise cases with unsent changes are judged again after the next round
                con.execute("DELETE FROM sync_reset_seen")
                _meta_set(con, "reset", "0")
        if gone:
            from wbtui.data.erase import scrub

            scrub(self.store)

    # -- merge ---------------------------------------------------------------------------
    def _apply_page(self, page: dict, summary: Summary) -> None:
        with self.store.transaction() as con:
            con.execute("PRAGMA defer_foreign_keys = ON")
            node = _meta(con, "node_id") or "n" + uuid.uuid4().hex[:12]
            clock = Clock(node, int(_meta(con, "hlc_l") or 0), int(_meta(con, "hlc_c") or 0))
            resetting = _meta(con, "reset") == "1"
            for change in page.get("changes", []):
                kind = change.get("kind")
                if resetting and change.get("case_id"):
                    if kind in ("revoke", "purge"):
                        con.execute("DELETE FROM sync_reset_seen WHERE case_id = ?", (change["case_id"],))
                    elif kind != "erased":
                        con.execute("INSERT OR IGNORE INTO sync_reset_seen(case_id) VALUES (?)", (change["case_id"],))
                if kind == "set":
                    self._merge_row(con, clock, change["entity"], change["row_id"], change.get("fields", {}))
                elif kind == "append":
                    self._append(
                        con, clock, change["entity"], change["row_id"], change.get("data", {}), change.get("hlc")
                    )
                elif kind == "grant":
                    summary.grants += 1
                    for row in change.get("rows", []):
                        self._merge_row(con, clock, row["entity"], row["row_id"], row["fields"])
                    for row in change.get("appends", []):
                        self._append(con, clock, row["entity"], row["row_id"], row["data"], row.get("hlc"))
                elif kind in ("revoke", "purge"):
                    if drop_case(con, change.get("case_id"), kind):
                        summary.dropped += 1
                elif kind == "conflict":
                    summary.conflicts += 1
                    con.execute(
                        "INSERT OR IGNORE INTO sync_conflict(conflict_id, entity, row_id, field, kind, kept_value, lost_value, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))",
                        (
                            change["conflict_id"],
                            change.get("entity"),
                            change.get("row_id"),
                            change.get("field"),
                            change.get("conflict_kind", "concurrent_edit"),
                            json.dumps(change.get("kept", {}).get("v")),
                            json.dumps(change.get("lost", {}).get("v")),
                        ),
                    )
                summary.pulled += 1
            if page.get("cursor"):
                _meta_set(con, "cursor", page["cursor"])
            _meta_set(con, "hlc_l", str(clock.l))
            _meta_set(con, "hlc_c", str(clock.c))
            _meta_set(con, "last_pull_at", _now())
        if summary.dropped:
            from wbtui.data.erase import scrub

            scrub(self.store)  # the dropped case must not stay readable in the WAL

    def _merge_row(self, con, clock: Clock, entity: str, row_id: str, fields: dict) -> None:
        from wbtui.domain.text import clean

        table = protocol.REGISTER_TABLES.get(entity)
        if table is None:
            return
        allowed = set(protocol.fields_of(entity, self.schema_version))
        winners = {}
        for name, spec in fields.items():
            if name not in allowed:
                _keep_extra(con, entity, row_id, name, spec)
                continue
            hlc = spec.get("hlc")
            local = con.execute(
                "SELECT hlc FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name)
            ).fetchone()
            if local is not None and local[0] >= hlc:
                continue
            value = spec.get("v")
            if isinstance(value, str):
                value = clean(value, multiline=True)  # never trust received text (security.md F4)
            winners[name] = (protocol.to_sqlite(entity, name, value), hlc)
            try:
                clock.observe(hlc)
            except Exception:
                pass
        if not winners:
            return
        exists = con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if exists:
            sets = ", ".join(f"{name} = ?" for name in winners)
            con.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [v for v, _ in winners.values()] + [row_id])
        else:
            cols = ", ".join(["id", *winners])
            marks = ", ".join("?" * (len(winners) + 1))
            con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", [row_id] + [v for v, _ in winners.values()])
        for name, (_v, hlc) in winners.items():
            _set_clock(con, entity, row_id, name, hlc)
        _audit_received(con, table, row_id, "update" if exists else "create", list(winners), fields)

    def _append(self, con, clock: Clock, entity: str, row_id: str, data: dict, hlc: str | None) -> None:
        from wbtui.domain.text import clean

        table = protocol.APPEND_TABLES.get(entity)
        if table is None:
            return
        allowed = set(protocol.fields_of(entity, self.schema_version))
        values = {
            k: protocol.to_sqlite(entity, k, clean(v, multiline=True) if isinstance(v, str) else v)
            for k, v in data.items()
            if k in allowed
        }
        cols = ", ".join(["id", *values])
        marks = ", ".join("?" * (len(values) + 1))
        inserted = con.execute(
            f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", [row_id, *values.values()]
        ).rowcount
        if inserted:  # an event this store already holds (e.g. its own, echoed by the feed) is not a new receipt
            _audit_received(con, table, row_id, "create", list(values), {k: {"v": v} for k, v in data.items()})
        if hlc:
            try:
                clock.observe(hlc)
            except Exception:
                pass


def _pending_cases(con) -> set[str]:
    """Cases with changes not yet accepted by the server."""
    return {
        r[0] for r in con.execute("SELECT DISTINCT case_id FROM outbox WHERE state = 'pending' AND case_id IS NOT NULL")
    }


def _set_clock(con, entity: str, row_id: str, field: str, hlc: str) -> None:
    con.execute(
        "INSERT INTO field_clock(entity, row_id, field, hlc) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(entity, row_id, field) DO UPDATE SET hlc = excluded.hlc",
        (entity, row_id, field, hlc),
    )


def _keep_extra(con, entity: str, row_id: str, name: str, spec: dict) -> None:
    """A field from a newer schema: kept with its clock (newest wins) until this client knows it."""
    from wbtui.domain.text import clean

    hlc = spec.get("hlc") if isinstance(spec, dict) else None
    if not protocol.FIELD_NAME.match(name) or not isinstance(hlc, str) or len(hlc) > 64:
        return
    value = spec.get("v")
    if isinstance(value, str):
        value = clean(value, multiline=True)
    con.execute(
        "INSERT INTO sync_extra(entity, row_id, field, value, hlc) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(entity, row_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc"
        " WHERE excluded.hlc > sync_extra.hlc",
        (entity, row_id, name, json.dumps(value, ensure_ascii=False), hlc),
    )


def promote_extras(con, version: int = protocol.SCHEMA_VERSION) -> int:
    """After an update: fields kept in ``sync_extra`` that this schema version knows move into their
    columns (unless the row already holds a newer value), with their clocks. Returns how many moved."""
    moved = 0
    rows = con.execute("SELECT entity, row_id, field, value, hlc FROM sync_extra").fetchall()
    for entity, row_id, name, value, hlc in rows:
        table = protocol.REGISTER_TABLES.get(entity)
        if table is None or name not in protocol.fields_of(entity, version):
            continue
        if con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is None:
            continue
        local = con.execute(
            "SELECT hlc FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name)
        ).fetchone()
        if local is None or local[0] < hlc:
            con.execute(
                f"UPDATE {table} SET {name} = ? WHERE id = ?",
                (protocol.to_sqlite(entity, name, json.loads(value)), row_id),
            )
            _set_clock(con, entity, row_id, name, hlc)
            _audit_received(con, table, row_id, "update", [name], {})
            moved += 1
        con.execute("DELETE FROM sync_extra WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name))
    return moved


def local_digests(con, version: int = protocol.SCHEMA_VERSION) -> dict[str, str]:
    """Per case, the digest of what this device holds (see ``protocol.case_digest``); cases with
    unsent changes are left out."""
    pending = _pending_cases(con)
    registers: dict[str, list] = {}
    known = {e: set(protocol.fields_of(e, version)) for e in protocol.VERIFY_ENTITIES}
    for entity in protocol.VERIFY_ENTITIES:
        table = protocol.REGISTER_TABLES[entity]
        key = "t.id" if entity == "case" else "t.case_id"
        for case_id, row_id, name, hlc in con.execute(
            f"SELECT {key}, fc.row_id, fc.field, fc.hlc FROM field_clock fc JOIN {table} t ON t.id = fc.row_id"
            f" WHERE fc.entity = ?",
            (entity,),
        ):
            if name in known[entity]:
                registers.setdefault(case_id, []).append((entity, row_id, name, hlc))
    appends: dict[str, list] = {}
    for case_id, row_id in con.execute("SELECT case_id, id FROM case_event"):
        appends.setdefault(case_id, []).append(row_id)
    cases = [r[0] for r in con.execute("SELECT id FROM fbw_case")]
    return {c: protocol.case_digest(registers.get(c, []), appends.get(c, [])) for c in cases if c not in pending}


def status(store) -> dict:
    con = store.raw()
    try:
        pending = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        rejected = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'").fetchone()[0]
        conflicts = con.execute("SELECT COUNT(*) FROM sync_conflict WHERE status = 'open'").fetchone()[0]
        return {
            "enabled": _meta(con, "enabled") == "1",
            "pending": pending,
            "rejected": rejected,
            "conflicts": conflicts,
            "last_push_at": _meta(con, "last_push_at"),
            "last_pull_at": _meta(con, "last_pull_at"),
        }
    finally:
        con.close()


def _now() -> str:
    from datetime import datetime

    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _audit_received(con, table: str, row_id: str, action: str, fields: list[str], specs: dict) -> None:
    """Changes that arrive from the server are written to the audit trail like local ones (field names only)."""
    from wbtui.data import audit

    case_id = row_id if table == "fbw_case" else (specs.get("case_id") or {}).get("v")
    art9 = bool((specs.get("art9") or {}).get("v"))
    audit.append(
        con,
        audit.SYNC,
        "sync_apply",
        table,
        object_id=row_id,
        case_id=case_id,
        groups=audit.data_groups(table, fields, art9=art9),
        fields=fields,
        detail=action,
    )


def drop_case(con, case_id: str | None, kind: str) -> bool:
    """Access withdrawn (revoke) or case erased (purge): delete it here. Changes not yet accepted by the
    server are kept as ``access_lost`` conflicts, never silently lost (sync-design.md 4, SORMAS #403)."""
    from wbtui.data import audit
    from wbtui.data.erase import delete_case

    if not case_id or con.execute("SELECT 1 FROM fbw_case WHERE id = ?", (case_id,)).fetchone() is None:
        return False
    pending = con.execute(
        "SELECT change_id, entity, row_id, payload FROM outbox WHERE case_id = ? AND state = 'pending'", (case_id,)
    ).fetchall()
    for change_id, entity, row_id, payload in pending:
        con.execute(
            "INSERT OR IGNORE INTO sync_conflict(conflict_id, entity, row_id, kind, lost_value, detail, created_at)"
            " VALUES (?, ?, ?, 'access_lost', ?, ?, datetime('now'))",
            (change_id, entity, row_id, payload, kind),
        )
    delete_case(con, case_id, keep_conflicts=True)  # also removes the case's outbox rows
    audit.append(
        con,
        audit.SYNC,
        "delete",
        "fbw_case",
        object_id=case_id,
        case_id=case_id,
        detail=f"{kind}; {len(pending)} access_lost",
    )
    return True
