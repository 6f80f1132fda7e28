"""Applying what the server sends to the local store: merge by HLC, withdrawals, repairs, quarantine.

Every received value is checked against :mod:`wbtui.domain.entities` and cleaned of control
characters (JSON keys too) before it is stored — the server is trusted no more than a device. A row
this store cannot take (an invalid value, a local rule such as one obstacle per code) goes into
``sync_quarantine`` with its reason and the sync carries on: one row never stops an office.
"""

from __future__ import annotations

import json
import sqlite3
import uuid

from wbtui.domain.entities import ENTITIES, check_value, clean_value
from wbtui.domain.text import clean, clean_tree
from wbtui.sync import protocol
from wbtui.sync.hlc import Clock


def meta(con, key: str) -> str | None:
    row = con.execute("SELECT value FROM sync_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def meta_set(con, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO sync_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


clean_json = clean_tree  # control, bidi and invisible characters out of every key and string, at any depth


class Merger:
    """Applies one page (or a repair snapshot) inside the caller's write transaction."""

    def __init__(self, con: sqlite3.Connection, version: int, summary) -> None:
        self.con, self.version, self.summary = con, version, summary
        node = meta(con, "node_id") or "n" + uuid.uuid4().hex[:12]
        self.clock = Clock(node, int(meta(con, "hlc_l") or 0), int(meta(con, "hlc_c") or 0))
        self.dropped = 0

    def finish(self) -> None:
        meta_set(self.con, "hlc_l", str(self.clock.l))
        meta_set(self.con, "hlc_c", str(self.clock.c))

    def apply(self, change: dict, *, force: frozenset[tuple[str, str]] = frozenset()) -> None:
        """One feed entry, in a savepoint: what fails is quarantined, the rest of the page goes on.
        ``force``: rows whose server version replaces the local one whatever the clocks (a repair)."""
        kind = change.get("kind")
        self.con.execute("SAVEPOINT entry")
        try:
            if kind == "set":
                self.merge_row(change.get("entity"), change.get("row_id"), change.get("fields") or {}, force)
            elif kind == "append":
                self.append(change.get("entity"), change.get("row_id"), change.get("data") or {}, change.get("hlc"))
            elif kind == "grant":
                self.summary.grants += 1
                for row in change.get("rows", []):
                    self.merge_row(row.get("entity"), row.get("row_id"), row.get("fields") or {}, force)
                for row in change.get("appends", []):
                    self.append(row.get("entity"), row.get("row_id"), row.get("data") or {}, row.get("hlc"))
            elif kind in ("revoke", "purge"):
                if drop_case(self.con, change.get("case_id"), kind):
                    self.dropped += 1
            elif kind == "retract":
                self.retract(change)
            elif kind == "conflict":
                self.summary.conflicts += 1
                self.con.execute(
                    "INSERT OR IGNORE INTO sync_conflict(conflict_id, entity, row_id, field, kind, kept_value, lost_value, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))",
                    (
                        str(change.get("conflict_id") or uuid.uuid4().hex)[:64], change.get("entity"), change.get("row_id"),
                        change.get("field"), clean(str(change.get("conflict_kind") or "concurrent_edit"))[:40],
                        json.dumps(clean_json((change.get("kept") or {}).get("v"))),
                        json.dumps(clean_json((change.get("lost") or {}).get("v"))),
                    ),
                )  # fmt: skip
            self.con.execute("RELEASE entry")
        except (Invalid, sqlite3.DatabaseError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.con.execute("ROLLBACK TO entry")
            self.con.execute("RELEASE entry")
            self.quarantine(change, exc)

    def quarantine(self, change: dict, exc: Exception) -> None:
        reason = exc.reason if isinstance(exc, Invalid) else type(exc).__name__
        self.con.execute(
            "INSERT INTO sync_quarantine(kind, entity, row_id, case_id, reason, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, datetime('now'))",
            (
                str(change.get("kind"))[:20], str(change.get("entity") or "")[:20] or None, str(change.get("row_id") or "")[:64] or None,
                str(change.get("case_id") or "")[:64] or None, clean(str(reason))[:200],
                json.dumps(clean_json(change), ensure_ascii=False, default=str),
            ),
        )  # fmt: skip
        self.summary.quarantined += 1

    def merge_row(self, entity, row_id, fields: dict, force=frozenset()) -> None:
        table = protocol.REGISTER_TABLES.get(entity)
        if table is None or not isinstance(row_id, str) or not isinstance(fields, dict):
            raise Invalid("schema")
        allowed = set(protocol.fields_of(entity, self.version))
        forced = (entity, row_id) in force
        winners = {}
        for name, spec in fields.items():
            if not isinstance(spec, dict):
                raise Invalid("schema")
            if name not in allowed:
                keep_extra(self.con, entity, row_id, name, spec)
                continue
            hlc = spec.get("hlc")
            if not isinstance(hlc, str):
                raise Invalid("clock")
            local = self.con.execute(
                "SELECT hlc FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name)
            ).fetchone()
            if local is not None and local[0] >= hlc and not forced:
                continue
            value = clean_value(entity, name, spec.get("v"))
            problem = check_value(entity, name, value)
            if problem is not None:
                raise Invalid(f"{entity}.{name}: {problem}")
            winners[name] = (protocol.to_sqlite(entity, name, value), hlc)
            try:
                self.clock.observe(hlc)
            except Exception:
                pass
        if not winners:
            return
        exists = self.con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if exists:
            sets = ", ".join(f"{name} = ?" for name in winners)
            self.con.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [v for v, _ in winners.values()] + [row_id])
        else:
            cols = ", ".join(["id", *winners])
            marks = ", ".join("?" * (len(winners) + 1))
            self.con.execute(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})", [row_id] + [v for v, _ in winners.values()]
            )
        for name, (_v, hlc) in winners.items():
            set_clock(self.con, entity, row_id, name, hlc)
        audit_received(self.con, table, row_id, "update" if exists else "create", list(winners), fields)

    def append(self, entity, row_id, data: dict, hlc) -> None:
        table = protocol.APPEND_TABLES.get(entity)
        if table is None or not isinstance(row_id, str) or not isinstance(data, dict):
            raise Invalid("schema")
        allowed = set(protocol.fields_of(entity, self.version))
        values = {}
        for key, value in data.items():
            if key not in allowed:
                continue
            value = clean_value(entity, key, value)
            problem = check_value(entity, key, value)
            if problem is not None:
                raise Invalid(f"{entity}.{key}: {problem}")
            values[key] = protocol.to_sqlite(entity, key, value)
        cols = ", ".join(["id", *values])
        marks = ", ".join("?" * (len(values) + 1))
        held = self.con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone()
        # the timeline is a view (data/timeline.py): its row count says nothing, so look before and after
        self.con.execute(f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", [row_id, *values.values()])
        inserted = not held and self.con.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if inserted:  # an event this store already holds (e.g. its own, echoed by the feed) is not a new receipt
            audit_received(self.con, table, row_id, "create", list(values), {k: {"v": v} for k, v in data.items()})
        if isinstance(hlc, str):
            try:
                self.clock.observe(hlc)
            except Exception:
                pass

    def retract(self, change: dict) -> None:
        """Coverage narrowed (a consent revoked): rows and fields this office may no longer hold go."""
        from wbtui.data import audit
        from wbtui.data.erase import delete_row

        for entity, row_id in change.get("rows") or []:
            table = protocol.REGISTER_TABLES.get(entity) or protocol.APPEND_TABLES.get(entity)
            if table is not None:
                delete_row(self.con, table, str(row_id))
        for entity, row_id, name in change.get("fields") or []:
            table = protocol.REGISTER_TABLES.get(entity)
            if table is None or name not in ENTITIES[entity].cols or ENTITIES[entity].cols[name].required:
                continue
            self.con.execute(f"UPDATE {table} SET {name} = NULL WHERE id = ?", (str(row_id),))
            self.con.execute(
                "DELETE FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name)
            )
        for entity, row_id, name, value in change.get("recut") or []:
            table = protocol.REGISTER_TABLES.get(entity)
            if table is None or name not in ENTITIES[entity].cols or check_value(entity, name, value) is not None:
                continue
            value = clean_json(value)  # a smaller cut of what is held (the handover package): it replaces it
            stored = json.dumps(value, ensure_ascii=False) if (entity, name) in protocol.JSON_FIELDS else value
            self.con.execute(f"UPDATE {table} SET {name} = ? WHERE id = ?", (stored, str(row_id)))
        audit.append(self.con, audit.SYNC, "delete", "fbw_case", case_id=change.get("case_id"), detail="retract")
        self.summary.retracted += 1


class Invalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def set_clock(con, entity: str, row_id: str, field: str, hlc: str) -> None:
    con.execute(
        "INSERT INTO field_clock(entity, row_id, field, hlc) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(entity, row_id, field) DO UPDATE SET hlc = excluded.hlc",
        (entity, row_id, field, hlc),
    )


def keep_extra(con, entity: str, row_id: str, name: str, spec: dict) -> None:
    """A field from a newer schema: kept with its clock (newest wins) until this client knows it."""
    hlc = spec.get("hlc") if isinstance(spec, dict) else None
    if not protocol.FIELD_NAME.match(name) or not isinstance(hlc, str) or len(hlc) > 64:
        return
    con.execute(
        "INSERT INTO sync_extra(entity, row_id, field, value, hlc) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(entity, row_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc"
        " WHERE excluded.hlc > sync_extra.hlc",
        (entity, row_id, name, json.dumps(clean_json(spec.get("v")), ensure_ascii=False), hlc),
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
            moved += _create_from_extras(con, entity, table, row_id, version)
            continue
        local = con.execute(
            "SELECT hlc FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name)
        ).fetchone()
        if local is None or local[0] < hlc:
            con.execute(
                f"UPDATE {table} SET {name} = ? WHERE id = ?",
                (protocol.to_sqlite(entity, name, json.loads(value)), row_id),
            )
            set_clock(con, entity, row_id, name, hlc)
            audit_received(con, table, row_id, "update", [name], {})
            moved += 1
        con.execute("DELETE FROM sync_extra WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name))
    return moved


def _create_from_extras(con, entity: str, table: str, row_id: str, version: int) -> int:
    """A row of an entity the store did not know before its update (its fields all waited in
    ``sync_extra``): created once every field a new row needs is there."""
    from wbtui.domain.entities import check_row

    known = protocol.fields_of(entity, version)
    kept = con.execute(
        "SELECT field, value, hlc FROM sync_extra WHERE entity = ? AND row_id = ?", (entity, row_id)
    ).fetchall()
    values = {name: json.loads(value) for name, value, _ in kept if name in known}
    if not values or check_row(entity, values, new=True):
        return 0
    cols = ", ".join(["id", *values])
    marks = ", ".join("?" * (len(values) + 1))
    con.execute(
        f"INSERT INTO {table} ({cols}) VALUES ({marks})",
        [row_id] + [protocol.to_sqlite(entity, name, value) for name, value in values.items()],
    )
    for name, _value, hlc in kept:
        if name in values:
            set_clock(con, entity, row_id, name, hlc)
            con.execute("DELETE FROM sync_extra WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name))
    audit_received(con, table, row_id, "create", list(values), {})
    return len(values)


def pending_cases(con) -> set[str]:
    """Cases with changes not yet accepted by the server."""
    return {
        r[0] for r in con.execute("SELECT DISTINCT case_id FROM outbox WHERE state = 'pending' AND case_id IS NOT NULL")
    }


def local_digests(con, version: int = protocol.SCHEMA_VERSION, cases: list[str] | None = None) -> dict[str, str]:
    """Per case, the digest of what this device holds (see ``protocol.case_digest``); cases with
    unsent changes are left out."""
    pending = pending_cases(con)
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
    ids = cases if cases is not None else [r[0] for r in con.execute("SELECT id FROM fbw_case")]
    return {c: protocol.case_digest(registers.get(c, []), appends.get(c, [])) for c in ids if c not in pending}


def audit_received(con, table: str, row_id: str, action: str, fields: list[str], specs: dict) -> None:
    """Changes that arrive from the server are written to the audit trail like local ones (field names only)."""
    from wbtui.data import audit

    case_id = row_id if table == "fbw_case" else (specs.get("case_id") or {}).get("v")
    art9 = bool((specs.get("art9") or {}).get("v"))
    audit.append(
        con, audit.SYNC, "sync_apply", table, object_id=row_id, case_id=case_id,
        groups=audit.data_groups(table, fields, art9=art9), fields=fields, detail=action,
    )  # fmt: skip


def drop_case(con, case_id: str | None, kind: str) -> bool:
    """Access withdrawn (revoke) or case erased (purge): delete it here. Changes not yet accepted by the
    server are kept as ``access_lost`` conflicts, never silently lost."""
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
        con, audit.SYNC, "delete", "fbw_case", object_id=case_id, case_id=case_id,
        detail=f"{kind}; {len(pending)} access_lost",
    )  # fmt: skip
    return True
