"""The server's working state during one push: what it holds of the cases a batch touches, loaded in a
few queries, changed in memory (with an undo log, so one refused transaction leaves no trace), and
written back in bulk at the end.

On PostgreSQL the grant rows of every case the batch touches are locked (``FOR UPDATE``, in case
order) before anything is read: two pushes to the same case are serialised, so last-writer-wins is
decided on the value the database holds, never on a stale copy (no acknowledged value is replaced by
an older one, however many workers run). On SQLite every push is one ``BEGIN IMMEDIATE`` transaction.

Size: just over ~400 lines: the batch's loads and its set-based write-back belong together (one transaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii

from sqlalchemy import bindparam, insert, text, update

from wbtui.domain.entities import ART9_CODES, PERSON_CHILDREN
from wbtui.server.feed import OWNER, Grant, RowMeta, decode_groups, encode_groups
from wbtui.server.models import (
    SrvAppend,
    SrvApplied,
    SrvAudit,
    SrvConflict,
    SrvFeed,
    SrvField,
    SrvGrant,
    SrvRowCase,
    table_of,
)

Key = tuple[str, str, str]  # entity, row id, field
INDEXED = (*((e, "person_id") for e in PERSON_CHILDREN), ("case", "person_id"), ("person", "kundennummer"))
Row = tuple[str, str]  # entity, row id


_UNREAD = object()


def to_json(value) -> str:
    """``json.dumps(value)``, exactly; a scalar without the encoder's Python layers (a push encodes every field
    it writes: millions in a first upload)."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value)


class Register:
    """One field as the server holds it: its JSON text, clock and the change that wrote it. The decoded
    value is kept once read when it is a scalar (the checks of a push read the same fields many times);
    a list or object is decoded afresh each time, so no caller can change what another one reads."""

    __slots__ = ("value", "hlc", "origin", "_decoded")

    def __init__(self, value: str | None, hlc: str, origin: str | None = None, decoded=_UNREAD) -> None:
        self.value, self.hlc, self.origin = value, hlc, origin  # value: JSON text
        self._decoded = decoded if not isinstance(decoded, list | dict) else _UNREAD

    def decoded(self):
        if self._decoded is not _UNREAD:
            return self._decoded
        value = json.loads(self.value) if self.value else None
        if not isinstance(value, list | dict):
            self._decoded = value
        return value


class Batch:
    def __init__(self, s, dialect: str) -> None:
        self.s, self.dialect = s, dialect
        self.regs: dict[Row, dict[str, Register]] = {}  # row -> field -> register
        self.loaded: dict[Key, tuple[str | None, str]] = {}  # as in the database before this push
        self.rows: dict[Row, RowMeta] = {}
        self.rows_loaded: set[Row] = set()
        self.case_rows: dict[str, set[Row]] = {}
        self.entity_rows: dict[str, set[Row]] = {}  # entity -> its rows held here (persons, consents, cases …)
        # (entity, field) -> stored JSON text -> rows: the references and keys the identity rules look up
        self.index: dict[tuple[str, str], dict[str | None, set[Row]]] = {key: {} for key in INDEXED}
        self.db_cache: dict[tuple[str, str], set[str]] = {}  # (lookup, value) -> row ids in the database (identity)
        self.locked: set[str] = set()  # Kundennummern this push holds the advisory lock of (PostgreSQL, identity)
        self.grants: dict[str, dict[str, Grant]] = {}
        self.grants_loaded: dict[tuple[str, str], Grant] = {}
        self.appends: dict[Row, dict] = {}
        self.appends_loaded: set[Row] = set()
        self.purged: set[str] = set()
        self.loaded_cases: set[str] = set()
        self.applied: dict[str, dict] = {}
        self.out: dict[str, list] = {"feed": [], "applied": [], "conflicts": [], "audit": []}
        self._undo: list[Callable[[], object]] = []

    # -- undo log: a refused transaction is taken back whole -------------------------------------------
    def mark(self) -> int:
        return len(self._undo)

    def rollback(self, mark: int) -> None:
        while len(self._undo) > mark:
            self._undo.pop()()

    def done(self) -> None:
        """The push is committed: nothing is taken back any more. Dropping the undo log breaks the cycles
        its closures form with this batch, so the batch is freed at once (sync.protocol.gc_paused)."""
        self._undo.clear()

    def _put(self, mapping: dict, key, value) -> None:
        missing = key not in mapping
        old = mapping.get(key)
        mapping[key] = value
        self._undo.append(lambda: mapping.pop(key, None) if missing else mapping.__setitem__(key, old))

    def emit(self, kind: str, item: dict) -> None:
        items = self.out[kind]
        items.append(item)
        self._undo.append(items.pop)

    # -- reading ----------------------------------------------------------------------------------------
    def register(self, key: Key) -> Register | None:
        fields = self.regs.get((key[0], key[1]))
        return fields.get(key[2]) if fields else None

    def set_register(self, key: Key, value: str | None, hlc: str, origin: str | None, decoded=_UNREAD) -> None:
        """``decoded``: the value ``value`` is the JSON text of, when the caller has it (no decoding again)."""
        row = (key[0], key[1])
        if row not in self.regs:
            self.regs[row] = {}
            self._undo.append(lambda: self.regs.pop(row, None))
        index = self.index.get((key[0], key[2]))
        if index is not None:
            old = self.regs[row].get(key[2])
            self._reindex(index, row, old.value if old else None, value)
            self._undo.append(lambda: self._reindex(index, row, value, old.value if old else None))
        self._put(self.regs[row], key[2], Register(value, hlc, origin, decoded))

    @staticmethod
    def _reindex(index: dict[str | None, set[Row]], row: Row, before: str | None, after: str | None) -> None:
        if before is not None:
            index.get(before, set()).discard(row)
        if after is not None:
            index.setdefault(after, set()).add(row)

    def bind(self, row: Row, meta: RowMeta) -> None:
        self._put(self.rows, row, meta)
        rows = self.case_rows.setdefault(meta.case_id, set())
        if row not in rows:
            rows.add(row)
            self._undo.append(lambda: rows.discard(row))
        of_entity = self.entity_rows.setdefault(row[0], set())
        if row not in of_entity:
            of_entity.add(row)
            self._undo.append(lambda: of_entity.discard(row))

    def rows_where(self, entity: str, name: str, value) -> list[Row]:
        """Rows of ``entity`` held here whose field ``name`` holds ``value`` (compared as stored JSON text)."""
        want = to_json(value)
        index = self.index.get((entity, name))
        if index is not None:
            return [row for row in index.get(want, ()) if row in self.rows]
        out = []
        for row in self.entity_rows.get(entity, ()):
            reg = self.regs.get(row, {}).get(name)
            if reg is not None and reg.value == want:
                out.append(row)
        return out

    def set_grant(self, case_id: str, org_id: str, grant: Grant | None) -> None:
        holders = self.grants.setdefault(case_id, {})
        if grant is None:
            if org_id in holders:
                old = holders.pop(org_id)
                self._undo.append(lambda: holders.__setitem__(org_id, old))
        else:
            self._put(holders, org_id, grant)

    def add_append(self, row: Row, data: dict) -> None:
        self._put(self.appends, row, data)

    def values(self, row: Row) -> dict:
        """The current field values of a row (decoded JSON)."""
        return {f: reg.decoded() for f, reg in self.regs.get(row, {}).items()}

    def field(self, row: Row, name: str):
        reg = self.regs.get(row, {}).get(name)
        return reg.decoded() if reg is not None else None

    def load(self, changes: Iterable[dict]) -> None:
        """Everything the changes of a batch will look at, in a few queries."""
        rows = {(str(c.get("entity")), c["row_id"]) for c in changes if isinstance(c.get("row_id"), str)}
        cases: set[str] = {c["case_id"] for c in changes if isinstance(c.get("case_id"), str)}
        cases |= {
            (c.get("args") or {})["case_id"] for c in changes if isinstance((c.get("args") or {}).get("case_id"), str)
        }
        cases |= {case_id for (case_id,) in self._by_rows("case_id", rows)}
        self.load_cases(cases)
        self.applied.update(
            {
                cid: {"org_id": org, "result": json.loads(result)}
                for cid, org, result in self._lookup(
                    "srv_applied",
                    "change_id, org_id, result",
                    "change_id",
                    [c["change_id"] for c in changes if isinstance(c.get("change_id"), str)],
                )
            }
        )

    def load_cases(self, case_ids: Iterable[str]) -> None:
        """Rows, registers, grants and appends of these cases, with the person and the person's consents."""
        todo = sorted({c for c in case_ids if isinstance(c, str)} - self.loaded_cases)
        if not todo:
            return
        self.loaded_cases.update(todo)
        lock = " ORDER BY case_id, org_id FOR UPDATE" if self.dialect == "postgresql" else ""
        for case_id, org_id, access, groups, lapses_on in self._lookup(
            "srv_grant", "case_id, org_id, access, groups, lapses_on", "case_id", todo, suffix=lock
        ):
            grant = Grant(access, decode_groups(groups), as_date(lapses_on))
            self.grants.setdefault(case_id, {})[org_id] = grant
            self.grants_loaded[(case_id, org_id)] = grant
        for case_id in todo:
            self.grants.setdefault(case_id, {})
        self.purged.update(c for (c,) in self._lookup("srv_purged", "case_id", "case_id", todo))
        found = self._lookup("srv_row_case", "entity, row_id, case_id, org_id, art9", "case_id", todo)
        self._take_rows(found)
        for entity, row_id, case_id, data, hlc in self._lookup(
            "srv_append", "entity, row_id, case_id, data, hlc", "case_id", todo
        ):
            self.appends[(entity, row_id)] = {"case_id": case_id, "data": json.loads(data), "hlc": hlc}
            self.appends_loaded.add((entity, row_id))
        # the person of each case and the person's consents, qualifications and work history (they may be
        # filed under another case of the person: domain/entities.py PERSON_CHILDREN)
        persons = {p for c in todo if isinstance(p := self.field(("case", c), "person_id"), str)}
        extra: set[Row] = {("person", p) for p in persons}
        if persons:
            values = [json.dumps(p) for p in sorted(persons)]
            rows = self.s.execute(
                text(
                    "SELECT entity, row_id FROM srv_field WHERE entity IN :e AND field = 'person_id' AND value IN :v"
                ).bindparams(bindparam("v", expanding=True), bindparam("e", expanding=True)),
                {"v": values, "e": list(PERSON_CHILDREN)},
            ).fetchall()
            extra |= {(e, r) for (e, r) in rows}
        extra -= self.rows_loaded
        if extra:
            self._take_rows(self._by_rows("entity, row_id, case_id, org_id, art9", extra))

    def load_rows(self, rows: Iterable[Row]) -> None:
        """These rows' metadata and registers, when not held yet (a row named by a reference). A row bound in
        this push is held already: :meth:`load` read every row a change names before any was bound, so a
        bound row that was not read is new to the server (no query for it: a first upload asks once per case)."""
        extra = {row for row in rows if row not in self.rows_loaded and row not in self.rows}
        if extra:
            self._take_rows(self._by_rows("entity, row_id, case_id, org_id, art9", extra))

    def _take_rows(self, found) -> None:
        rows = []
        for entity, row_id, case_id, org_id, art9 in found:
            row = (entity, row_id)
            if row in self.rows_loaded:
                continue
            self.rows_loaded.add(row)
            self.rows[row] = RowMeta(case_id, org_id, bool(art9))
            self.case_rows.setdefault(case_id, set()).add(row)
            self.entity_rows.setdefault(entity, set()).add(row)
            rows.append(row)
        for entity, row_id, name, value, hlc in self._registers(rows):
            self.regs.setdefault((entity, row_id), {})[name] = Register(value, hlc)
            self.loaded[(entity, row_id, name)] = (value, hlc)
            index = self.index.get((entity, name))
            if index is not None and value is not None:
                index.setdefault(value, set()).add((entity, row_id))

    def _registers(self, rows: list[Row]):
        """(entity, row id, field, value, clock) of these rows. PostgreSQL: one statement for all entities (a
        case's rows span eight tables' entities: a round trip each was a third of a one-change push's)."""
        if not rows:
            return []
        if self.dialect == "postgresql":
            sql = (
                "SELECT t.entity, t.row_id, t.field, t.value, t.hlc FROM unnest(CAST(:entities AS varchar[]),"
                " CAST(:ids AS varchar[])) AS u(entity, id) JOIN srv_field t ON t.entity = u.entity AND t.row_id = u.id"
                " ORDER BY t.entity"
            )
            return self.s.execute(text(sql), {"entities": [r[0] for r in rows], "ids": [r[1] for r in rows]}).fetchall()
        by_entity: dict[str, list[str]] = {}
        for entity, row_id in rows:
            by_entity.setdefault(entity, []).append(row_id)
        found = []
        for entity, ids in sorted(by_entity.items()):
            found += [
                (entity, *r)
                for r in self._lookup("srv_field", "row_id, field, value, hlc", "row_id", ids, entity=entity)
            ]
        return found

    def _by_rows(self, columns: str, rows: Iterable[Row]):
        by_entity: dict[str, list[str]] = {}
        for entity, row_id in rows:
            if isinstance(entity, str) and isinstance(row_id, str):
                by_entity.setdefault(entity, []).append(row_id)
        out = []
        for entity, ids in sorted(by_entity.items()):
            out += self._lookup("srv_row_case", columns, "row_id", ids, entity=entity)
        return out

    def _lookup(self, table: str, columns: str, key: str, ids: list[str], entity: str | None = None, suffix: str = ""):
        """Rows of ``table`` whose ``key`` is one of ``ids`` (and whose entity is ``entity``), by index.

        On PostgreSQL the ids travel as one array joined as a set (one index probe each): a plain
        ``IN`` list is planned from the table statistics, and with stale statistics PostgreSQL filtered
        a 1.3-million-row range instead (0.5 s per lookup instead of 7 ms)."""
        if not ids:
            return []
        if self.dialect == "postgresql":
            cols = ", ".join("t." + c.strip() for c in columns.split(","))
            also = " AND t.entity = :entity" if entity is not None else ""
            order = suffix.replace("ORDER BY ", "ORDER BY t.").replace(", org_id", ", t.org_id")
            sql = f"SELECT {cols} FROM unnest(CAST(:ids AS varchar[])) AS u(id) JOIN {table} t ON t.{key} = u.id{also}{order}"
            if suffix.endswith("FOR UPDATE"):
                sql += " OF t"
            return self.s.execute(text(sql), {"ids": list(ids), "entity": entity}).fetchall()
        also = " AND entity = :entity" if entity is not None else ""
        expanding = text(f"SELECT {columns} FROM {table} WHERE {key} IN :ids{also}").bindparams(
            bindparam("ids", expanding=True)
        )
        return self.s.execute(expanding, {"ids": list(ids), "entity": entity}).fetchall()

    def forget_case(self, case_id: str) -> None:
        """A purged case: nothing of it is written back (its rows are gone from the database already)."""
        for row in self.case_rows.pop(case_id, set()):
            self.entity_rows.get(row[0], set()).discard(row)
            for name, reg in self.regs.get(row, {}).items():
                if (row[0], name) in self.index and reg.value is not None:
                    self.index[(row[0], name)].get(reg.value, set()).discard(row)
            self.regs.pop(row, None)
            self.rows.pop(row, None)
            self.rows_loaded.discard(row)
            for loaded in [k for k in self.loaded if (k[0], k[1]) == row]:
                del self.loaded[loaded]
        for row in [r for r, item in self.appends.items() if item.get("case_id") == case_id]:
            del self.appends[row]
        self.grants.pop(case_id, None)
        for key in [k for k in self.grants_loaded if k[0] == case_id]:
            del self.grants_loaded[key]
        self.out["feed"][:] = [f for f in self.out["feed"] if f.get("case_id") != case_id]
        self.purged.add(case_id)
        self._undo.clear()  # erasing is final: nothing before it in this push can be taken back

    # -- writing back -----------------------------------------------------------------------------------
    def write(self) -> None:
        """Every change of the batch in a few bulk statements (COPY on PostgreSQL)."""
        new_rows = [
            {"entity": e, "row_id": r, "case_id": m.case_id, "org_id": m.org_id, "art9": m.art9}
            for (e, r), m in self.rows.items()
            if (e, r) not in self.rows_loaded
        ]
        new_regs, changed = [], []
        for (e, r), fields in self.regs.items():
            for f, reg in fields.items():
                before = self.loaded.get((e, r, f))
                if before is None:
                    new_regs.append(
                        {"entity": e, "row_id": r, "field": f, "value": reg.value, "hlc": reg.hlc, "origin": reg.origin}
                    )
                elif before != (reg.value, reg.hlc):
                    changed.append(
                        {
                            "k_entity": e,
                            "k_row": r,
                            "k_field": f,
                            "value": reg.value,
                            "hlc": reg.hlc,
                            "origin": reg.origin,
                        }
                    )
        new_appends = [
            {"entity": e, "row_id": r, "case_id": d["case_id"], "data": json.dumps(d["data"]), "hlc": d["hlc"]}
            for (e, r), d in self.appends.items()
            if (e, r) not in self.appends_loaded
        ]
        self._grants_back()
        bulk_insert(self.s, table_of(SrvRowCase), new_rows)
        bulk_insert(self.s, table_of(SrvField), new_regs)
        if changed:
            table = table_of(SrvField)
            self.s.execute(
                update(table)
                .where(
                    table.c.entity == bindparam("k_entity"),
                    table.c.row_id == bindparam("k_row"),
                    table.c.field == bindparam("k_field"),
                )
                .values(value=bindparam("value"), hlc=bindparam("hlc"), origin=bindparam("origin")),
                changed,
            )
        bulk_insert(self.s, table_of(SrvAppend), new_appends)
        bulk_insert(self.s, table_of(SrvConflict), self.out["conflicts"])
        bulk_insert(self.s, table_of(SrvFeed), self.out["feed"])
        bulk_insert(self.s, table_of(SrvApplied), self.out["applied"])
        if self.out["audit"]:
            self.s.execute(insert(table_of(SrvAudit)), self.out["audit"])

    def _grants_back(self) -> None:
        table = table_of(SrvGrant)
        current = {(c, o): g for c, holders in self.grants.items() for o, g in holders.items()}
        for key in self.grants_loaded.keys() - current.keys():
            self.s.execute(table.delete().where(table.c.case_id == key[0], table.c.org_id == key[1]))
        new = []
        for (case_id, org_id), grant in current.items():
            before = self.grants_loaded.get((case_id, org_id))
            row = {
                "access": grant.access,
                "groups": encode_groups(grant.groups) if grant.access != OWNER else "",
                "lapses_on": grant.lapses_on.isoformat() if grant.lapses_on else None,
            }
            if before is None:
                new.append({"case_id": case_id, "org_id": org_id, **row})
            elif before != grant:
                self.s.execute(table.update().where(table.c.case_id == case_id, table.c.org_id == org_id).values(**row))
        if new:  # a first upload creates thousands: one statement
            self.s.execute(insert(table), new)


def bulk_insert(s, table, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL (one stream inside the push's transaction), executemany on
    SQLite. Row order is kept, so feed entries get their sequence numbers in the order of the batch."""
    if not rows:
        return
    if s.get_bind().dialect.name != "postgresql":
        s.execute(insert(table), rows)
        return
    import psycopg
    from sqlalchemy.exc import DBAPIError

    columns = list(rows[0])
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    raw = s.connection().connection.driver_connection
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    except psycopg.Error as exc:
        # the driver's own error, raised past SQLAlchemy: wrapped like every other statement's, so the
        # push's retry (service.SyncServer.push) sees a key collision of two first writes, not an HTTP 500
        raise DBAPIError(statement, None, exc, hide_parameters=True) from exc


def as_date(value) -> date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def as_datetime(value) -> datetime | None:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        # naive UTC as every stored time (sync/protocol.to_wire): an aware one compared with those raised
        # TypeError (a stored row from before the value check refused offsets)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment
    return None


def is_art9(entity: str, values: dict) -> bool:
    return entity == "obstacle" and (values.get("code") in ART9_CODES or bool(values.get("art9")))
