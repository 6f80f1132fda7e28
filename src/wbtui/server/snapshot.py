"""Snapshot bootstrap (README "Snapshot bootstrap"): what an organisation may see, case by case, for a
device that starts without a cursor (a new device, or one reset after compaction).

A page of the snapshot holds, for each case the organisation holds (by case id, keyset-paged), the case
exactly as a grant would carry it: the same rows (the case's own, its person and the person's consents),
built by :func:`case_snapshot` — the one builder the grant, the divergence check and the bootstrap share —
and cut by :func:`wbtui.server.feed.project_snapshot`, the consent projection every pull applies. The
case's open conflict entries come along, cut as a pull cuts them.

Consistency: the first page names a feed position (the cursor) read *before* any state; every later page
reads the state as it is then. A device that continues pulling from that cursor receives every change made
after it, and registers merge by HLC and events by id, so the device ends exactly where a device replaying
the whole feed would (tests/sync/test_snapshot_bootstrap.py checks both against each other).

Wire form: newline-delimited JSON, one line per case, after a header line with the form and the cursor and
before an end line (a device applies a page only when the end line arrived). Two forms (sync/protocol.py):
form 1 (what a device that does not ask gets) has a row as ``[entity, row_id, hlc, {field: value}, {field:
other hlc}]``; form 2 groups a case's rows by table and field set, the field names once, each row a list of
values in their order. Fields written by one change share its clock, so the clock is named once per row.
Register values and events of an owner's case are copied from the database's JSON text without decoding
them; in form 2 an owner's line is written straight from the registers read (:meth:`Page.owner_line`).

Size: over 400 lines because the read of a page and its wire forms change together (one endpoint).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import bindparam, text

from wbtui.domain.entities import OFFICE_SCOPE, PERSON_CHILDREN
from wbtui.server.feed import OWNER, Grant, RowMeta, decode_groups, feed_gate, project_entry, project_snapshot
from wbtui.sync import protocol

# the entities filed under a person (domain/entities.py), as an SQL list of constants
_CHILDREN = ", ".join(f"'{e}'" for e in PERSON_CHILDREN)

Row = tuple[str, str]
PAGE_DEFAULT, PAGE_MAX = 1000, 2000


def case_snapshot(
    case_id: str,
    rows: Iterable[Row],
    regs: Mapping[Row, Mapping[str, tuple[Any, str]]],
    metas: Mapping[Row, RowMeta],
    appends: Iterable[tuple[str, str, Any, str]],
    *,
    decode=lambda v: json.loads(v) if v else None,
) -> tuple[dict, dict]:
    """The whole case as the server holds it: register rows (parents first) with their clocks, appended
    events in clock order; and the metadata of those rows. ``rows`` are the case's rows with its person
    and the person's consents; ``regs`` maps a row to ``{field: (JSON text, hlc)}``."""
    order = protocol.ENTITY_ORDER
    out_rows, out_metas = [], {}
    for entity, row_id in sorted(set(rows), key=lambda r: (order.index(r[0]), r[1])):
        if entity not in protocol.REGISTER_TABLES:
            continue
        fields = regs.get((entity, row_id))
        if not fields:
            continue
        out_rows.append(
            {
                "entity": entity,
                "row_id": row_id,
                "fields": {f: {"v": decode(v), "hlc": h} for f, (v, h) in fields.items()},
            }
        )
        out_metas[(entity, row_id)] = metas[(entity, row_id)]
    out_appends = [
        {"entity": e, "row_id": r, "data": data, "hlc": hlc} for e, r, data, hlc in sorted(appends, key=lambda a: a[3])
    ]
    for item in out_appends:  # who wrote each entry: an office's own entries stay with it (domain/projection.py)
        if (item["entity"], item["row_id"]) in metas:
            out_metas[(item["entity"], item["row_id"])] = metas[(item["entity"], item["row_id"])]
    return {"case_id": case_id, "rows": out_rows, "appends": out_appends}, out_metas


class Raw(str):
    """JSON text taken over from the database unchanged (an owner's register values)."""


def _lookup(conn, dialect: str, sql_pg: str, sql_lite: str, ids: list[str], **params) -> list:
    """``sql`` over a set of ids: an unnested array on PostgreSQL (index probes whatever the statistics
    say, see server.batch), an expanding IN list on SQLite."""
    if not ids:
        return []
    out = []
    for start in range(0, len(ids), 5000 if dialect == "postgresql" else 900):
        chunk = ids[start : start + 5000 if dialect == "postgresql" else start + 900]
        if dialect == "postgresql":
            out += conn.execute(text(sql_pg), {"ids": chunk, **params}).fetchall()
        else:
            out += conn.execute(
                text(sql_lite).bindparams(bindparam("ids", expanding=True)), {"ids": chunk, **params}
            ).fetchall()
    return out


def start_cursor(conn, dialect: str, org_id: str) -> str:
    """The feed position the snapshot stands on: every entry at or below it is in the state read after it.

    PostgreSQL: the newest entry below the feed gate (no feed writer below it still runs); SQLite: the
    newest entry (writers serialise). The compaction generation is the current one."""
    from wbtui.server.compaction import horizon

    if dialect == "postgresql":
        gate = feed_gate(conn)
        row = conn.execute(
            text(
                "SELECT tx_id, seq FROM srv_feed WHERE org_id = :org AND tx_id < :gate"
                " ORDER BY tx_id DESC, seq DESC LIMIT 1"
            ),
            {"org": org_id, "gate": gate},
        ).fetchone()
    else:
        row = conn.execute(
            text("SELECT tx_id, seq FROM srv_feed WHERE org_id = :org ORDER BY tx_id DESC, seq DESC LIMIT 1"),
            {"org": org_id},
        ).fetchone()
    compacted = horizon(conn, org_id)
    tx, seq = (int(row[0]), int(row[1])) if row else (0, 0)
    return protocol.encode_cursor(tx, seq, compacted[2] if compacted else 0)


class Page:
    """One page of an organisation's snapshot, read in one transaction."""

    def __init__(self, conn, dialect: str, org_id: str) -> None:
        self.conn, self.dialect, self.org_id = conn, dialect, org_id
        self.metas: dict[Row, RowMeta] = {}
        self.regs: dict[Row, dict[str, tuple[Any, str]]] = {}
        self.case_rows: dict[str, set[Row]] = {}

    def cases(self, after: str, limit: int) -> list[tuple[str, Grant]]:
        rows = self.conn.execute(
            text(
                "SELECT g.case_id, g.access, g.groups FROM srv_grant g WHERE g.org_id = :org AND g.case_id > :after"
                " AND NOT EXISTS (SELECT 1 FROM srv_purged p WHERE p.case_id = g.case_id)"
                " ORDER BY g.case_id LIMIT :limit"
            ),
            {"org": self.org_id, "after": after, "limit": limit},
        ).fetchall()
        return [(case_id, Grant(access, decode_groups(groups))) for case_id, access, groups in rows]

    def _take(self, found) -> list[Row]:
        new = []
        for entity, row_id, case_id, org_id, art9 in found:
            row = (entity, row_id)
            if row in self.metas:
                continue
            self.metas[row] = RowMeta(case_id, org_id, bool(art9))
            self.case_rows.setdefault(case_id, set()).add(row)
            new.append(row)
        return new

    def _fields(self, rows: list[Row]) -> None:
        by_entity: dict[str, list[str]] = {}
        for entity, row_id in rows:
            by_entity.setdefault(entity, []).append(row_id)
        regs = self.regs
        for entity, ids in sorted(by_entity.items()):
            by_row: dict[str, dict[str, tuple[Any, str]]] = {}  # a row's fields, gathered by its id alone
            for row_id, name, value, hlc in _lookup(
                self.conn, self.dialect,
                "SELECT f.row_id, f.field, f.value, f.hlc FROM unnest(CAST(:ids AS varchar[])) AS u(id)"
                " JOIN srv_field f ON f.entity = :entity AND f.row_id = u.id",
                "SELECT row_id, field, value, hlc FROM srv_field WHERE entity = :entity AND row_id IN :ids",
                ids, entity=entity,
            ):  # fmt: skip
                fields = by_row.get(row_id)
                if fields is None:
                    fields = by_row[row_id] = {}
                fields[name] = (value, hlc)  # JSON text (or NULL)
            for row_id, fields in by_row.items():
                if (entity, row_id) in regs:
                    regs[(entity, row_id)].update(fields)
                else:
                    regs[(entity, row_id)] = fields

    def _rows(self, key: str, ids: list[str], entity: str | None = None) -> list:
        also_pg = " AND t.entity = :entity" if entity else ""
        also_lite = " AND entity = :entity" if entity else ""
        return _lookup(
            self.conn, self.dialect,
            "SELECT t.entity, t.row_id, t.case_id, t.org_id, t.art9 FROM unnest(CAST(:ids AS varchar[])) AS u(id)"
            f" JOIN srv_row_case t ON t.{key} = u.id{also_pg}",
            f"SELECT entity, row_id, case_id, org_id, art9 FROM srv_row_case WHERE {key} IN :ids{also_lite}",
            ids, entity=entity,
        )  # fmt: skip

    def load(self, case_ids: list[str]) -> None:
        """Rows, registers and events of these cases, with each case's person and the person's consents."""
        self._fields(self._take(self._rows("case_id", case_ids)))
        persons = sorted({p for c in case_ids if isinstance(p := self.field(("case", c), "person_id"), str)})
        extra = [("person", p) for p in persons if ("person", p) not in self.metas]
        if persons:
            children = _lookup(
                self.conn, self.dialect,
                "SELECT f.entity, f.row_id FROM unnest(CAST(:ids AS varchar[])) AS u(id) JOIN srv_field f"
                f" ON f.entity IN ({_CHILDREN}) AND f.field = 'person_id' AND f.value = u.id",
                f"SELECT entity, row_id FROM srv_field WHERE entity IN ({_CHILDREN}) AND field = 'person_id'"
                " AND value IN :ids",
                [json.dumps(p) for p in persons],
            )  # fmt: skip
            extra += [(e, r) for (e, r) in children if (e, r) not in self.metas]
        for entity in ("person", *PERSON_CHILDREN):
            ids = sorted({r for e, r in extra if e == entity})
            self._fields(self._take(self._rows("row_id", ids, entity)))
        self.consents: dict[str, set[Row]] = {}  # person -> the person's consent, qualification … rows
        for row in self.metas:
            if row[0] in PERSON_CHILDREN and isinstance(p := self.field(row, "person_id"), str):
                self.consents.setdefault(p, set()).add(row)
        self.appends: dict[str, list] = {}
        for entity, row_id, case_id, data, hlc in _lookup(
            self.conn, self.dialect,
            "SELECT t.entity, t.row_id, t.case_id, t.data, t.hlc FROM unnest(CAST(:ids AS varchar[])) AS u(id)"
            " JOIN srv_append t ON t.case_id = u.id",
            "SELECT entity, row_id, case_id, data, hlc FROM srv_append WHERE case_id IN :ids",
            case_ids,
        ):  # fmt: skip
            self.appends.setdefault(case_id, []).append((entity, row_id, data, hlc))
        self.conflicts: dict[str, list] = {}
        for case_id, kind, entity, row_id, payload in _lookup(
            self.conn, self.dialect,
            "SELECT t.case_id, t.kind, t.entity, t.row_id, t.payload FROM unnest(CAST(:ids AS varchar[])) AS u(id)"
            " JOIN srv_feed t ON t.org_id = :org AND t.kind = 'conflict' AND t.case_id = u.id ORDER BY t.tx_id, t.seq",
            "SELECT case_id, kind, entity, row_id, payload FROM srv_feed WHERE org_id = :org AND kind = 'conflict'"
            " AND case_id IN :ids ORDER BY tx_id, seq",
            case_ids, org=self.org_id,
        ):  # fmt: skip
            entry = {**json.loads(payload), "kind": kind, "entity": entity, "row_id": row_id, "case_id": case_id}
            self.conflicts.setdefault(case_id, []).append(entry)

    def field(self, row: Row, name: str):
        value = self.regs.get(row, {}).get(name)
        return json.loads(value[0]) if value and value[0] else None

    def _case_rows(self, case_id: str) -> set[Row]:
        """The case's rows with its person and the person's consents, qualifications …"""
        rows = set(self.case_rows.get(case_id, ()))
        person_id = self.field(("case", case_id), "person_id")
        if isinstance(person_id, str):
            rows.add(("person", person_id))
            rows |= self.consents.get(person_id, set())
        return rows

    def line(self, case_id: str, grant: Grant, form: int) -> str:
        """One case as one line of the wire form ``form`` (see the module's docstring)."""
        if form >= 2 and grant.access == OWNER:
            return self.owner_line(case_id)
        case = self.case(case_id, grant)
        return encode_case(case) if form < 2 else encode_case_tables(case)

    def owner_line(self, case_id: str) -> str:
        """A case its owner holds, in form 2 straight from the registers read: an owner receives every row,
        field and event unchanged (``case`` cuts nothing for it), so nothing is decoded or built per value."""
        regs, tables = self.regs, {}  # type: tuple[dict, dict[tuple[str, tuple[str, ...]], list[str]]]
        for entity, row_id in sorted(self._case_rows(case_id), key=_row_order):
            fields = regs.get((entity, row_id))
            if not fields or entity not in protocol.REGISTER_TABLES:
                continue
            names = tuple(sorted(fields))  # one order for every row: rows of one field set share a table
            cells = [fields[n] for n in names]
            values = ",".join("null" if v is None else v for v, _h in cells)
            clocks = [h for _v, h in cells]
            main = clocks[0]
            if clocks.count(main) == len(clocks):
                row = f"[{_quote(row_id)},{_quote(main)},{values}]"
            else:
                main = max(clocks, key=clocks.count)
                others = ",".join(f"{_quote(n)}:{_quote(h)}" for n, (_v, h) in zip(names, cells) if h != main)
                row = f"[{_quote(row_id)},{_quote(main)},{values},{{{others}}}]"
            tables.setdefault((entity, names), []).append(row)
        appends = ",".join(
            f"[{_quote(e)},{_quote(r)},{_quote(h)},{d}]"
            for e, r, d, h in sorted(self.appends.get(case_id, ()), key=lambda a: a[3])
        )
        conflicts = json.dumps(self.conflicts.get(case_id, []), ensure_ascii=False)
        return f'{{"case_id":{_quote(case_id)},"tables":[{_tables(tables)}],"appends":[{appends}],"conflicts":{conflicts}}}'

    def case(self, case_id: str, grant: Grant) -> dict:
        """One case as the organisation may see it: the grant's cut of the case, its conflicts."""
        rows = self._case_rows(case_id)
        owner = grant.access == OWNER
        # an owner receives every field unchanged (feed.project_set), so its values need no decoding
        decode = (lambda v: Raw(v) if v is not None else None) if owner else (lambda v: json.loads(v) if v else None)
        appends = [(e, r, Raw(d) if owner else json.loads(d), h) for e, r, d, h in self.appends.get(case_id, ())]
        snap, metas = case_snapshot(case_id, rows, self.regs, self.metas, appends, decode=decode)
        cut = project_snapshot(snap, grant, metas, self.org_id)
        conflicts = []
        for entry in self.conflicts.get(case_id, ()):
            shown = project_entry(entry, grant, self.metas, self.org_id)
            if shown is not None:
                conflicts.append(shown)
        return {**cut, "conflicts": conflicts, "referral": not owner}


def read_page(
    engine, org_id: str, after: str | None, limit: int, form: int = 1
) -> tuple[str | None, list[tuple[str, str]], bool, list[dict]]:
    """(cursor on the first page, [(case id, the case's line in wire form ``form``)], more pages follow, the
    office's own rows on the first page) — one consistent read."""
    dialect = engine.dialect.name
    limit = max(1, min(limit, PAGE_MAX))
    conn_ = engine.connect()
    if dialect == "postgresql":
        conn_ = conn_.execution_options(isolation_level="REPEATABLE READ")
    with conn_ as conn:
        cursor = start_cursor(conn, dialect, org_id) if not after else None
        page = Page(conn, dialect, org_id)
        held = page.cases(after or "", limit + 1)
        more = len(held) > limit
        held = held[:limit]
        page.load([c for c, _ in held])
        cases = [(case_id, page.line(case_id, grant, form)) for case_id, grant in held]
        office = office_rows(conn, org_id) if not after else []
        conn.rollback()
    return cursor, cases, more, office


def office_rows(conn, org_id: str) -> list[dict]:
    """The office's own rows (absences: domain/entities.py OFFICE_ENTITIES) with their clocks, as ``set`` entries
    carry them: a new device gets them with the snapshot, then the feed from the snapshot's cursor on."""
    rows: dict[tuple[str, str], dict] = {}
    for entity, row_id, name, value, hlc in conn.execute(
        text("SELECT r.entity, r.row_id, f.field, f.value, f.hlc FROM srv_row_case r JOIN srv_field f"
             " ON f.entity = r.entity AND f.row_id = r.row_id WHERE r.case_id = :scope ORDER BY r.row_id, f.field"),
        {"scope": OFFICE_SCOPE + org_id},
    ):  # fmt: skip
        fields = rows.setdefault((entity, row_id), {})
        fields[name] = {"v": json.loads(value) if value else None, "hlc": hlc}
    return [{"entity": e, "row_id": r, "fields": f} for (e, r), f in rows.items()]


# -- the wire form ----------------------------------------------------------------------------------


def _value(v) -> str:
    return v if isinstance(v, Raw) else json.dumps(v, ensure_ascii=False)


def encode_case(case: dict) -> str:
    """One case as one line (see the module's docstring for the row form)."""
    rows = []
    for row in case["rows"]:
        fields = row["fields"]
        clocks: dict[str, int] = {}
        for spec in fields.values():
            clocks[spec["hlc"]] = clocks.get(spec["hlc"], 0) + 1
        main = max(clocks, key=lambda h: clocks[h]) if clocks else ""
        values = ",".join(f"{json.dumps(name)}:{_value(spec['v'])}" for name, spec in fields.items())
        others = ",".join(f"{json.dumps(n)}:{json.dumps(s['hlc'])}" for n, s in fields.items() if s["hlc"] != main)
        rows.append(
            f"[{json.dumps(row['entity'])},{json.dumps(row['row_id'])},{json.dumps(main)},{{{values}}},{{{others}}}]"
        )
    appends = ",".join(
        f"[{json.dumps(a['entity'])},{json.dumps(a['row_id'])},{json.dumps(a['hlc'])},{_value(a['data'])}]"
        for a in case["appends"]
    )
    conflicts = json.dumps(case.get("conflicts") or [], ensure_ascii=False)
    referral = ',"referral":true' if case.get("referral") else ""
    return f'{{"case_id":{json.dumps(case["case_id"])},"rows":[{",".join(rows)}],"appends":[{appends}],"conflicts":{conflicts}{referral}}}'


def encode_case_tables(case: dict) -> str:
    """One case (as :meth:`Page.case` builds it) as one line of form 2."""
    tables: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for row in case["rows"]:
        fields = row["fields"]
        names = tuple(sorted(fields))  # one order for every row (see Page.owner_line)
        clocks = [fields[n]["hlc"] for n in names]
        main = max(clocks, key=clocks.count) if clocks else ""
        values = ",".join(_value(fields[n]["v"]) for n in names)
        others = ",".join(f"{_quote(n)}:{_quote(fields[n]['hlc'])}" for n in names if fields[n]["hlc"] != main)
        tail = f",{{{others}}}" if others else ""
        tables.setdefault((row["entity"], names), []).append(f"[{_quote(row['row_id'])},{_quote(main)},{values}{tail}]")
    appends = ",".join(
        f"[{_quote(a['entity'])},{_quote(a['row_id'])},{_quote(a['hlc'])},{_value(a['data'])}]" for a in case["appends"]
    )
    conflicts = json.dumps(case.get("conflicts") or [], ensure_ascii=False)
    referral = ',"referral":true' if case.get("referral") else ""
    return (
        f'{{"case_id":{_quote(case["case_id"])},"tables":[{_tables(tables)}],"appends":[{appends}],'
        f'"conflicts":{conflicts}{referral}}}'
    )


def _tables(tables: dict[tuple[str, tuple[str, ...]], list[str]]) -> str:
    return ",".join(
        f"[{_quote(entity)},{_names(names)},[{','.join(rows)}]]" for (entity, names), rows in tables.items()
    )


@cache
def _names(names: tuple[str, ...]) -> str:
    return json.dumps(list(names))


_quote = encode_basestring  # a str as JSON text, as json.dumps writes it (without building an encoder per call)
_ORDER = {entity: i for i, entity in enumerate(protocol.ENTITY_ORDER)}


def _row_order(row: Row) -> tuple[int, str]:
    return _ORDER[row[0]], row[1]


def encode_page(
    cursor: str | None,
    cases: list[tuple[str, str]],
    more: bool,
    after: str | None,
    office: list[dict] | None = None,
    form: int = 1,
) -> Iterator[bytes]:
    """A page read by :func:`read_page` as NDJSON: header (the wire form, the cursor and the office's own rows
    on the first page), cases, end line."""
    head: dict = {"snapshot": form, "cursor": cursor}
    if office:
        head["office"] = office
    yield (json.dumps(head, ensure_ascii=False) + "\n").encode()
    for start in range(0, len(cases), 100):
        yield ("".join(line + "\n" for _c, line in cases[start : start + 100])).encode()
    last = cases[-1][0] if cases else after
    yield (json.dumps({"end": True, "cases": len(cases), "next": last, "has_more": more}) + "\n").encode()
