"""Record every local change as field operations in the outbox, in the same transaction.

Installed on the store's SQLAlchemy sessions; active once sync is enabled for the
store (``sync_meta.enabled``). The domain row, its field clocks, the outbox row and
the persisted HLC commit or roll back together.
"""

from __future__ import annotations

import json
import uuid

from wbtui.data.queries import case_id_for
from wbtui.sync import protocol
from wbtui.sync.hlc import Clock


def meta_get(conn, key: str) -> str | None:
    row = conn.exec_driver_sql("SELECT value FROM sync_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def meta_set(conn, key: str, value: str) -> None:
    conn.exec_driver_sql(
        "INSERT INTO sync_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def load_clock(conn) -> Clock:
    node = meta_get(conn, "node_id")
    if node is None:
        node = "n" + uuid.uuid4().hex[:12]
        meta_set(conn, "node_id", node)
    return Clock(node, int(meta_get(conn, "hlc_l") or 0), int(meta_get(conn, "hlc_c") or 0))


def save_clock(conn, clock: Clock) -> None:
    meta_set(conn, "hlc_l", str(clock.l))
    meta_set(conn, "hlc_c", str(clock.c))


def enqueue(
    conn,
    clock: Clock,
    entity: str,
    row_id: str,
    case_id: str | None,
    op: str,
    payload: dict,
    *,
    tx: str | None = None,
    origin: str | None = None,
) -> str:
    """Queue one change. ``tx`` names the local transaction (the server takes it whole); ``origin`` is
    ``"upload"`` for the first upload of a store that worked without sync."""
    change_id = uuid.uuid4().hex
    stamp = clock.now()
    if op == "set":
        for field, spec in payload.items():
            spec["hlc"] = stamp
            conn.exec_driver_sql(
                "INSERT INTO field_clock(entity, row_id, field, hlc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(entity, row_id, field) DO UPDATE SET hlc = excluded.hlc",
                (entity, row_id, field, stamp),
            )
    if tx is None and origin is None:  # also what a store from before sync schema 3 takes
        conn.exec_driver_sql(
            "INSERT INTO outbox(change_id, entity, row_id, case_id, op, payload, hlc, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))",
            (change_id, entity, row_id, case_id, op, json.dumps(payload, ensure_ascii=False, default=str), stamp),
        )
        return change_id
    conn.exec_driver_sql(
        "INSERT INTO outbox(change_id, entity, row_id, case_id, op, payload, hlc, tx, origin, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, datetime('now'))",
        (
            change_id,
            entity,
            row_id,
            case_id,
            op,
            json.dumps(payload, ensure_ascii=False, default=str),
            stamp,
            tx,
            origin,
        ),
    )
    return change_id


def _base(conn, entity: str, row_id: str, field: str) -> str | None:
    row = conn.exec_driver_sql(
        "SELECT hlc FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, field)
    ).fetchone()
    return row[0] if row else None


def _case_of(conn, entity: str, obj) -> str | None:
    person_id, case_id = getattr(obj, "person_id", None), getattr(obj, "case_id", None)
    return case_id_for(conn, entity, obj.id.hex, person_id.hex if person_id else None, case_id.hex if case_id else None)


def _record_set(conn, clock, entity, obj, row_id, case_id, is_new, state, tx) -> None:
    payload = {}
    for field in protocol.fields_of(entity):
        if is_new:
            value = getattr(obj, field)
            if value is None:
                continue
        else:
            if not state.attrs[field].history.has_changes():
                continue
            value = getattr(obj, field)
        payload[field] = {"v": protocol.to_wire(value), "base": _base(conn, entity, row_id, field)}
    if payload:
        enqueue(conn, clock, entity, row_id, case_id, "set", payload, tx=tx)


def before_flush(session, _flush_context, _instances) -> None:
    from sqlalchemy import inspect

    conn = session.connection()
    if meta_get(conn, "enabled") != "1":
        return
    clock = load_clock(conn)
    tx = session.info.setdefault("sync_tx", uuid.uuid4().hex)  # one local transaction: the server takes it whole
    deferred = session.info.setdefault("sync_deferred_persons", {})
    work = []
    for obj in list(session.new) + list(session.dirty):
        entity = protocol.TABLE_ENTITY.get(getattr(obj, "__tablename__", ""))
        if entity is not None:
            work.append((protocol.ENTITY_ORDER.index(entity), obj in session.new, entity, obj))
    work.sort(key=lambda item: (item[0], not item[1]))
    commands = session.info.pop("sync_commands", [])
    for _order, is_new, entity, obj in work:
        row_id = obj.id.hex
        if entity == "event":
            if is_new:
                data = {f: protocol.to_wire(getattr(obj, f)) for f in protocol.fields_of(entity)}
                enqueue(conn, clock, entity, row_id, _case_of(conn, entity, obj), "append", {"data": data}, tx=tx)
            continue
        if entity == "case" and is_new and obj.person_id.hex in deferred:
            # a new person travels with its first case (the server ties every row to a case)
            person = deferred.pop(obj.person_id.hex)
            _record_set(conn, clock, "person", person, person.id.hex, row_id, True, inspect(person), tx)
        case_id = _case_of(conn, entity, obj)
        if entity == "person" and is_new and case_id is None:
            deferred[row_id] = obj
            continue
        _record_set(conn, clock, entity, obj, row_id, case_id, is_new, inspect(obj), tx)
    for name, args in commands:
        enqueue(
            conn,
            clock,
            "command",
            uuid.uuid4().hex,
            args.get("case_id"),
            "command",
            {"name": name, "args": args},
            tx=tx,
        )
    save_clock(conn, clock)


def queue_command(session, name: str, **args) -> None:
    """Queue a server-validated command with the session's next flush."""
    session.info.setdefault("sync_commands", []).append((name, args))
