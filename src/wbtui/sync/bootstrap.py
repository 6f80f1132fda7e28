"""Snapshot bootstrap on the device (README "Snapshot bootstrap"): a device without a cursor loads what its
organisation may see page by page from ``/sync/v1/snapshot`` instead of replaying the whole feed, then pulls
the feed from the snapshot's cursor.

Each page is applied in one SQLite transaction together with the position reached (``snapshot_after``)
and, on the first page, the cursor it stands on (``snapshot_cursor``): an interrupted bootstrap resumes
after the last case it stored, and the feed read afterwards from that cursor brings every change made
meanwhile (registers merge by HLC, events by id).

Loading: every received value is checked and cleaned exactly as :class:`wbtui.sync.merge.Merger` checks it
(the server is trusted no more than a device). Rows this store does not hold yet are written with one
``executemany`` per table and field set; rows it already holds (a reset, or the echo of the store's own
first upload) are merged field by field by the Merger, and only where the snapshot's clock is newer. A
case with anything the fast path does not handle (a value that fails its check, a field of a newer
schema) and a page that breaks a local rule go through the Merger, which quarantines what it cannot take.
The audit trail gets one ``sync_apply`` entry per case received, naming its tables' fields and data groups.
"""

from __future__ import annotations

import json
import sqlite3

from wbtui.data.package import PACKED, pack_sql
from wbtui.data.store import BULK_CACHE
from wbtui.domain.checkers import Refused, cleaner
from wbtui.domain.entities import ENTITIES, PERSON_CHILDREN
from wbtui.sync import protocol
from wbtui.sync.merge import Merger, meta, meta_set
from wbtui.sync.orphans import commit_page
from wbtui.sync.protocol import decode_snapshot_case

PAGE = 1000
CHUNK = 900  # ids per IN list (below SQLite's parameter limit)


def _packing(take):
    """The handover package's checker, then packed as the column keeps it (data/package.py): written packed
    here, the row need not be rewritten by the column's trigger."""
    return lambda value: pack_sql(take(value))


class Page:
    """One snapshot page being applied inside the caller's write transaction."""

    def __init__(self, con: sqlite3.Connection, version: int, summary, *, fresh: bool) -> None:
        self.con, self.version, self.summary, self.fresh = con, version, summary, fresh
        self.allowed = {e: frozenset(protocol.fields_of(e, version)) for e in ENTITIES}
        # an event's fields this version knows, each with its compiled checker (a field of a newer schema is
        # left out of an event, as the Merger leaves it out)
        self.takers = {e: {n: cleaner(e, n, stored=True) for n in self.allowed[e]} for e in protocol.APPEND_TABLES}
        self.plans: dict[tuple[str, tuple[str, ...]], tuple | None] = {}
        self.groups: dict[tuple, list[str]] = {}

    # -- checking a case -----------------------------------------------------------------------------
    def _plan(self, entity: str, names: tuple[str, ...]) -> tuple | None:
        """(table, the fields' compiled checkers, where art9 is) for rows of ``entity`` with these fields, or
        None when the Merger must handle them (a field of a newer schema, a field named twice)."""
        key = (entity, names)
        if key in self.plans:
            return self.plans[key]
        table = protocol.REGISTER_TABLES.get(entity)
        plan = None
        if table is not None and names and len(set(names)) == len(names) and self.allowed[entity].issuperset(names):
            takes = tuple(_packing(cleaner(entity, n, stored=True)) if (entity, n) == PACKED else
                          cleaner(entity, n, stored=True) for n in names)  # fmt: skip
            plan = (table, takes, names.index("art9") if entity == "obstacle" and "art9" in names else None)
        self.plans[key] = plan
        return plan

    @staticmethod
    def _row(plan: tuple, row: list) -> list | None:
        """The row's values cleaned and checked as the store holds them, or None if the Merger must handle it
        (its id and clock are strings: the caller looked)."""
        takes = plan[1]
        if len(row) > len(takes) + 2 and not all(type(h) is str for h in row[-1].values()):
            return None
        try:
            return [take(value) for take, value in zip(takes, row[2:], strict=False)]
        except Refused:
            return None

    def _append(self, entity: str, row_id: str, data) -> tuple[str, dict] | None:
        table = protocol.APPEND_TABLES.get(entity)
        if table is None or not isinstance(data, dict):
            return None
        takers = self.takers[entity]
        values = {}
        try:
            for key, value in data.items():
                take = takers.get(key)
                if take is not None:  # as the Merger: a field of a newer schema is left out of an event
                    values[key] = take(value)
        except Refused:
            return None
        return table, values

    def apply(self, cases: list[dict]) -> None:
        """Store the cases of one page (decoded by ``protocol.decode_snapshot_case``, with their conflicts)."""
        merger = Merger(self.con, self.version, self.summary)
        referred = [c["case_id"] for c in cases if c.get("referral")]
        for start in range(0, len(referred), CHUNK):  # a case handed over to this office, new here: a grant
            chunk = referred[start : start + CHUNK]
            known = self.con.execute(f"SELECT COUNT(*) FROM fbw_case WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            self.summary.grants += len(chunk) - known.fetchone()[0]
        held = self._present(cases)
        fast, slow = [], []
        for case in cases:
            tables, appends, whole = [], [], True
            for entity, names, body in case["tables"]:
                plan = self._plan(entity, names) if type(entity) is str else None
                if plan is None:
                    whole = False
                    break
                rows = []
                for row in body:
                    if type(row[0]) is not str or type(row[1]) is not str:
                        whole = False
                        break
                    if held and _not_newer(held.get((entity, row[0])), names, row):
                        continue  # held here with every clock as new: nothing to write, nothing to check
                    values = self._row(plan, row)
                    if values is None:
                        whole = False
                        break
                    rows.append((row, values))
                if not whole:
                    break
                tables.append((entity, names, plan, rows))
            for entity, row_id, hlc, data in case["appends"] if whole else ():
                if type(entity) is not str or type(row_id) is not str:
                    whole = False
                    break
                if held and (entity, row_id) in held:
                    continue  # an event is never changed: held is held
                checked = self._append(entity, row_id, data)
                if checked is None:
                    whole = False
                    break
                appends.append((row_id, checked, hlc))
            if whole:
                fast.append((case, tables, appends))
            else:
                slow.append(case)
        self.con.execute("SAVEPOINT snapshot_page")
        try:
            self._write(fast, merger, held)
            self.con.execute("RELEASE snapshot_page")
        except sqlite3.IntegrityError:
            # a local rule the bulk insert broke (one obstacle per code …): the Merger quarantines the row
            self.con.execute("ROLLBACK TO snapshot_page")
            self.con.execute("RELEASE snapshot_page")
            slow = [case for case, _t, _a in fast] + slow
        for case in slow:
            merger.apply(protocol.snapshot_grant(case))
            self.summary.grants -= 1  # a snapshot is not a new grant
        for case in cases:
            for entry in case.get("conflicts") or []:
                if isinstance(entry, dict) and entry.get("kind") == "conflict":
                    merger.apply(entry)
        merger.finish()

    # -- writing ---------------------------------------------------------------------------------------
    def _present(self, cases: list[dict]) -> dict[tuple[str, str], dict[str, str]]:
        """The rows and events of this page the store holds already, with their field clocks. A fresh store
        holds none of them; only a person (and the person's consents) may come again with a second case."""
        by_table: dict[str, list[str]] = {}

        def wanted(entity: object) -> bool:
            return type(entity) is str and (not self.fresh or entity == "person" or entity in PERSON_CHILDREN)

        for case in cases:
            for entity, _names, body in case["tables"]:
                if wanted(entity) and entity in protocol.REGISTER_TABLES:
                    by_table.setdefault(entity, []).extend(r[0] for r in body if type(r[0]) is str)
            for item in case["appends"]:
                if wanted(item[0]) and item[0] in protocol.APPEND_TABLES and type(item[1]) is str:
                    by_table.setdefault(item[0], []).append(item[1])
        held: dict[tuple[str, str], dict[str, str]] = {}
        for entity, ids in by_table.items():
            table = protocol.REGISTER_TABLES.get(entity) or protocol.APPEND_TABLES[entity]
            ids = sorted(set(ids))
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                for (row_id,) in self.con.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk):
                    held[(entity, row_id)] = {}
                if entity not in protocol.REGISTER_TABLES:
                    continue
                for row_id, name, hlc in self.con.execute(
                    f"SELECT row_id, field, hlc FROM field_clock WHERE entity = ? AND row_id IN ({marks})",
                    [entity, *chunk],
                ):
                    if (entity, row_id) in held:
                        held[(entity, row_id)][name] = hlc
        return held

    def _groups(self, table: str, names: tuple[str, ...], art9: bool) -> list[str]:
        key = (table, names, art9)
        if key not in self.groups:
            from wbtui.data import audit

            self.groups[key] = audit.data_groups(table, list(names), art9=art9)
        return self.groups[key]

    def _write(self, fast: list, merger: Merger, held: dict) -> None:
        from wbtui.data import audit

        inserts: dict[tuple[str, tuple[str, ...]], list] = {}
        clocks: list[tuple] = []  # a row whose fields differ in clock: one per field
        row_clocks: list[tuple] = []  # a row of one clock: (entity, row_id, hlc, its fields as JSON), SQLite spreads it
        events: dict[tuple[str, tuple[str, ...]], list] = {}
        entries: list[dict] = []
        newest = ""
        done: set[tuple[str, str]] = set()
        names_json: dict[tuple[str, ...], str] = {}
        for case, tables, appends in fast:
            groups: set[str] = set()
            fields: set[str] = set()
            for entity, names, (table, _takes, art9_at), rows in tables:
                params = inserts.setdefault((table, names), [])
                listed = names_json.get(names) or names_json.setdefault(names, json.dumps(names))
                for row, values in rows:
                    row_id, hlc = row[0], row[1]
                    if (entity, row_id) in done:
                        continue
                    done.add((entity, row_id))
                    local = held.get((entity, row_id)) if held else None
                    others = row[-1] if len(row) > len(names) + 2 else None
                    if local is not None:
                        spread = others or {}
                        if any(local.get(n, "") < spread.get(n, hlc) for n in names):  # newer fields: merged by HLC
                            merger.merge_row(entity, row_id, protocol.snapshot_row_fields(names, row))
                        continue
                    params.append((row_id, *values))
                    if others:
                        for name in names:
                            clock = others.get(name, hlc)
                            clocks.append((entity, row_id, name, clock))
                            newest = max(newest, clock)
                    else:
                        row_clocks.append((entity, row_id, hlc, listed))
                        if hlc > newest:
                            newest = hlc
                    groups.update(self._groups(table, names, bool(values[art9_at]) if art9_at is not None else False))
                    fields.update(names)
            for row_id, (table, values), hlc in appends:
                events.setdefault((table, tuple(values)), []).append((row_id, *values.values()))
                if isinstance(hlc, str) and hlc > newest:
                    newest = hlc
                groups.add(self._groups(table, (), False)[0])
            if groups or fields:  # a case of which nothing was new here is not a receipt
                entries.append(
                    {"object_id": case["case_id"], "case_id": case["case_id"], "groups": groups, "fields": fields,
                     "detail": "snapshot"}
                )  # fmt: skip
        # parents first: a child stored before its parent is a deferred foreign-key violation, and while one is
        # outstanding SQLite looks for the children of every parent row it inserts
        for (table, cols), params in sorted(inserts.items(), key=lambda item: _TABLE_ORDER[item[0][0]]):
            if params:
                self.con.executemany(
                    f"INSERT INTO {table} (id, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))})", params
                )
        row_clocks.sort()  # in key order: the clock table's b-tree grows at few places instead of everywhere
        self.con.executemany(
            "INSERT OR REPLACE INTO field_clock(entity, row_id, field, hlc) SELECT ?, ?, value, ? FROM json_each(?)",
            row_clocks,
        )
        self.con.executemany(
            "INSERT OR REPLACE INTO field_clock(entity, row_id, field, hlc) VALUES (?, ?, ?, ?)", clocks
        )
        for (table, cols), params in events.items():
            self.con.executemany(
                f"INSERT OR IGNORE INTO {table} (id, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))})",
                params,
            )
        audit.append_many(self.con, audit.SYNC, "sync_apply", "fbw_case", entries)
        if newest:
            try:
                merger.clock.observe(newest)
            except Exception:
                pass  # a clock far ahead is not taken over (as in the Merger)


_TABLE_ORDER = {
    protocol.REGISTER_TABLES[e]: i for i, e in enumerate(protocol.ENTITY_ORDER) if e in protocol.REGISTER_TABLES
}


def _not_newer(local: dict[str, str] | None, names: tuple[str, ...], row: list) -> bool:
    """A row held here whose every field clock is at least the snapshot's (the store's own upload echoed)."""
    if local is None:
        return False
    hlc, others = row[1], (row[-1] if len(row) > len(names) + 2 else {})
    for name in names:
        clock = others.get(name, hlc)
        if not isinstance(clock, str) or local.get(name, "") < clock:
            return False
    return True


def fresh_store(con) -> bool:
    """No synced row yet: the bulk path need not look for rows it holds (only for a person seen twice)."""
    return (
        con.execute("SELECT 1 FROM field_clock LIMIT 1").fetchone() is None
        and con.execute("SELECT 1 FROM fbw_case LIMIT 1").fetchone() is None
    )


def load(client, summary, progress=None) -> bool:  # client: wbtui.sync.client.SyncClient
    """Bootstrap from the server's snapshot; False if the server has none (an older server: replay the feed)."""
    store = client.store
    with store.transaction() as con:
        after = meta(con, "snapshot_after")
        if meta(con, "snapshot_cursor") is None:
            meta_set(con, "snapshot_fresh", "1" if fresh_store(con) else "0")
    while True:
        params: dict = {"limit": PAGE, "form": protocol.SNAPSHOT_FORM}
        if after:
            params["after"] = after
        response = client._request("GET", "/sync/v1/snapshot", params=params)
        if response.status_code == 404:
            return False
        with protocol.gc_paused():  # a page is hundreds of thousands of short-lived objects
            end = _take_page(client, response, summary, first=not after)
        if progress:
            progress("snapshot", summary.snapshot)
        if not end.get("has_more"):
            return True
        after = str(end.get("next") or "")


def _take_page(client, response, summary, *, first: bool) -> dict:
    """Read one snapshot page and store it with the position reached, in one transaction; its end line."""
    from wbtui.sync.transport import SyncError

    try:
        header, cases, end = read_page(client._ok(response).content)
    except (ValueError, TypeError, AttributeError):
        raise SyncError("err.sync_bad_response") from None
    with client.store.transaction() as con:
        con.execute("PRAGMA defer_foreign_keys = ON")
        con.execute(BULK_CACHE)  # this connection only: it is closed with the page's transaction
        if header.get("cursor") and first:
            meta_set(con, "snapshot_cursor", str(header["cursor"]))
            office = header.get("office")
            if isinstance(office, list) and office:  # the office's own rows (absences), merged like feed entries
                merger = Merger(con, client.schema_version, summary)
                for row in office:
                    if isinstance(row, dict):
                        merger.apply({**row, "kind": "set"})
                merger.finish()
        if meta(con, "snapshot_cursor") is None:
            raise SyncError("err.sync_bad_response")  # a first page names the cursor it stands on
        resetting = meta(con, "reset") == "1"
        page = Page(con, client.schema_version, summary, fresh=meta(con, "snapshot_fresh") == "1")
        if resetting:
            con.executemany(
                "INSERT OR IGNORE INTO sync_reset_seen(case_id) VALUES (?)", [(c["case_id"],) for c in cases]
            )
        page.apply(cases)
        summary.snapshot += len(cases)
        summary.pulled += len(cases)  # what a sync received: here one case per line
        if end.get("has_more"):
            meta_set(con, "snapshot_after", str(end.get("next") or ""))
        else:
            meta_set(con, "cursor", meta(con, "snapshot_cursor") or "")
            for key in ("snapshot_after", "snapshot_cursor", "snapshot_fresh"):
                con.execute("DELETE FROM sync_meta WHERE key = ?", (key,))
        commit_page(con, summary)  # a row whose parent never came is quarantined, the page goes on
    return end


def read_page(body: bytes) -> tuple[dict, list[dict], dict]:
    """(header, cases, end line) of one NDJSON page; ValueError unless it arrived whole."""
    lines = body.splitlines()
    if len(lines) < 2:
        raise ValueError("snapshot page cut short")
    header, end = json.loads(lines[0]), json.loads(lines[-1])
    form = header.get("snapshot")
    if form not in protocol.SNAPSHOT_FORMS or end.get("end") is not True:
        raise ValueError("snapshot page cut short")  # or of a form this version does not read
    cases = [decode_snapshot_case(json.loads(line), form) for line in lines[1:-1]]
    if len(cases) != end.get("cases"):
        raise ValueError("snapshot page cut short")
    return header, cases, end
