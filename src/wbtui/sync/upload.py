"""The first upload of a store that worked without sync (README "The server is the authority").

Switching sync on queues every synced row of the store in the outbox as a change marked ``upload``; the
client then pushes them in large (gzip-compressed) batches, and the server checks each with the same rules
as any push. The rows are queued case by case — a case's person, the case, its consents, obstacles … and
events together, as one local transaction the server takes or refuses whole (each refused row is answered
with the reason) — so a push touches few cases; they are written with one ``executemany`` each.
"""

from __future__ import annotations

import json
import uuid
from secrets import token_hex
from typing import Any

from wbtui.data.package import loaded
from wbtui.domain.entities import PERSON_CHILDREN
from wbtui.sync import protocol


def enable(store) -> int:
    """Switch on change recording; the first time, queue the whole store as an initial upload.

    The upload is marked as such: for cases no other office holds yet, the server takes it as this
    office's own record (README "The server is the authority"). A handover sent while sync was off is
    queued too, so the Agentur gets the case at the first sync. The rows are queued case by case (a
    case's person, the case, its consents, obstacles … and events together, as one local transaction:
    the server takes or refuses a case's upload whole, so no row of a refused case stays on the server
    without it) and written in bulk: one ``executemany`` for the outbox, and the field clocks from it in one
    ``INSERT … SELECT``."""
    from wbtui.data.store import BULK_CACHE, DEFAULT_CACHE
    from wbtui.sync.recorder import meta_get

    with store.engine.begin() as conn:
        if meta_get(conn, "enabled") == "1":
            return 0
        conn.exec_driver_sql(BULK_CACHE)  # set back below: the connection returns to the engine's pool
        try:
            return _queue_all(conn)
        finally:
            conn.exec_driver_sql(DEFAULT_CACHE)


def _queue_all(conn) -> int:
    """Queue every synced row of the store (see :func:`enable`); returns how many."""
    from wbtui.sync.recorder import load_clock, save_clock
    from wbtui.sync.recorder import meta_set as set_meta

    clock = load_clock(conn)
    # the case a person (and the person's consents) is filed under: the newest open case, as
    # data.queries.case_id_for decides it row by row (the last one per person in this order)
    person_case: dict[str, str] = {}
    for person_id, case_id in conn.exec_driver_sql(
        "SELECT person_id, id FROM fbw_case ORDER BY stage = 'closed' DESC, created_at ASC"
    ):
        person_case[person_id] = case_id
    queued: list[tuple[str, int, str, Any, str, dict]] = []
    present = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    for rank, entity in enumerate(protocol.ENTITY_ORDER):
        table = protocol.REGISTER_TABLES.get(entity) or protocol.APPEND_TABLES[entity]
        if table not in present:
            continue  # a store of an older release that has no such rows yet (it migrates when opened)
        names = protocol.fields_of(entity)
        cur = conn.exec_driver_sql(f"SELECT * FROM {table}")
        cols = [d[0] for d in cur.cursor.description]
        for row in cur.fetchall():
            rec = dict(zip(cols, row))
            data = {}
            for f in names:
                value = loaded(entity, f, rec.get(f))
                if (entity, f) in protocol.JSON_FIELDS and isinstance(value, str):
                    value = json.loads(value)
                if value is not None:
                    data[f] = value
            if entity == "case":
                case_id = rec["id"]
            elif entity == "person" or entity in PERSON_CHILDREN:
                case_id = person_case.get(rec["id"] if entity == "person" else rec.get("person_id") or "")
            else:
                case_id = rec.get("case_id")
            queued.append((case_id or "~", rank, rec["id"], case_id, entity, data))
    # a case of a person filed under another case goes after that case: the server takes a case only for
    # a person it already holds (or one created with it)
    case_person = dict(conn.exec_driver_sql("SELECT id, person_id FROM fbw_case").fetchall())

    def order(item):
        filing = person_case.get(case_person.get(item[0], ""), item[0])
        return (filing, item[0] != filing, item[0], item[1])

    queued.sort(key=order)
    txs: dict[str, str] = {}  # one local transaction per case: the server takes a case's upload whole
    outbox: list[tuple] = []
    payload: dict[str, Any]
    for _key, _rank, row_id, case_id, entity, data in queued:
        stamp = clock.now()
        if entity == "event":
            op, payload = "append", {"data": data}
        else:
            op, payload = "set", {f: {"v": v, "base": None, "hlc": stamp} for f, v in data.items()}
        body = json.dumps(payload, ensure_ascii=False, default=str)
        tx = None
        if case_id:
            tx = txs.get(case_id)
            if tx is None:
                tx = txs[case_id] = token_hex(16)
        # a random 128-bit id as uuid4 gives, at a twentieth of its cost (millions at 100,000 cases)
        outbox.append((token_hex(16), entity, row_id, case_id, op, body, stamp, tx, "upload"))
    handed = conn.exec_driver_sql(
        "SELECT DISTINCT c.id, o.name FROM fbw_case c JOIN handover h ON h.case_id = c.id"
        " JOIN organisation o ON o.id = c.agentur_org_id WHERE c.stage != 'closed' ORDER BY c.id"
    ).fetchall()
    for case_id, agentur in handed:
        payload = {"name": "handover.send", "args": {"case_id": case_id, "to_org": agentur}}
        outbox.append(
            (
                uuid.uuid4().hex,
                "command",
                uuid.uuid4().hex,
                case_id,
                "command",
                json.dumps(payload, ensure_ascii=False),
                clock.now(),
                None,
                None,
            )
        )
    raw = conn.connection.driver_connection
    (queued_after,) = raw.execute("SELECT COALESCE(MAX(local_seq), 0) FROM outbox").fetchone()
    if any(row[1] == "tx" for row in raw.execute("PRAGMA table_info(outbox)")):
        raw.executemany(
            "INSERT INTO outbox(change_id, entity, row_id, case_id, op, payload, hlc, tx, origin, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, datetime('now'))",
            outbox,
        )
    else:  # a store of a release before sync schema 3: no transaction, no origin (recorder.enqueue)
        raw.executemany(
            "INSERT INTO outbox(change_id, entity, row_id, case_id, op, payload, hlc, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, datetime('now'))",
            [item[:7] for item in outbox],
        )
    # each queued field's clock is its row's clock: set in one statement from the outbox just written (the
    # field names are the payload's keys) instead of a parameter tuple per field (8 M at 100,000 cases)
    raw.execute(
        "INSERT INTO field_clock(entity, row_id, field, hlc)"
        " SELECT o.entity, o.row_id, j.key, o.hlc FROM outbox o, json_each(o.payload) j"
        " WHERE o.local_seq > ? AND o.op = 'set'"
        " ON CONFLICT(entity, row_id, field) DO UPDATE SET hlc = excluded.hlc",
        (queued_after,),
    )
    set_meta(conn, "enabled", "1")
    set_meta(conn, "device_id", uuid.uuid4().hex)
    save_clock(conn, clock)
    return len(queued)
