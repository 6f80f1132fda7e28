"""A person taken in twice offline (client side of :mod:`wbtui.server.identity`).

The server refused this device's new person because the office already has a person with that
Kundennummer. Here the local person's cases, consents and records move to the known person, the local
person's values are kept as a ``duplicate_person`` review entry, and the moved cases are queued again
as new changes — the server then accepts them and flags a second open case for review.
"""

from __future__ import annotations

import json
import uuid

from wbtui.sync import protocol

PERSON_REFS = ("fbw_case", "consent", "vocational_qualification", "work_episode")
CASE_CHILDREN = (
    ("obstacle", "obstacle"),
    ("handover", "handover"),
    ("voucher", "voucher"),
    ("appointment", "appointment"),
    ("task", "task"),
)


class _Driver:
    """A sqlite3 connection with the one SQLAlchemy method the sync recorder uses."""

    def __init__(self, con) -> None:
        self.con = con

    def exec_driver_sql(self, sql: str, params=()):
        return self.con.execute(sql, params)


def relink_duplicate_person(store, local_person: str, existing: str) -> bool:
    from wbtui.data import audit
    from wbtui.data.erase import delete_row
    from wbtui.sync.recorder import enqueue, load_clock, save_clock

    with store.transaction() as con:
        con.execute("PRAGMA defer_foreign_keys = ON")
        if con.execute("SELECT 1 FROM person WHERE id = ?", (existing,)).fetchone() is None:
            return False  # the known person has not arrived here yet: the next sync tries again
        cur = con.execute("SELECT * FROM person WHERE id = ?", (local_person,))
        row = cur.fetchone()
        if row is None:
            return False
        values = dict(zip([d[0] for d in cur.description], row))
        con.execute(
            "INSERT OR IGNORE INTO sync_conflict(conflict_id, entity, row_id, field, kind, kept_value, lost_value, detail, created_at)"
            " VALUES (?, 'person', ?, 'kundennummer', 'duplicate_person', ?, ?, ?, datetime('now'))",
            (uuid.uuid4().hex, existing, json.dumps(existing), json.dumps(values, ensure_ascii=False, default=str),
             json.dumps({"reason": "duplicate_person", "merged": local_person})),
        )  # fmt: skip
        cases = [r[0] for r in con.execute("SELECT id FROM fbw_case WHERE person_id = ?", (local_person,))]
        consents = [  # the person's own rows: consents, qualifications, work history (entities.PERSON_CHILDREN)
            (entity, table, r[0])
            for entity, table in (("consent", "consent"), ("qualification", "vocational_qualification"),
                                  ("work_episode", "work_episode"))
            for r in con.execute(f"SELECT id FROM {table} WHERE person_id = ?", (local_person,))
        ]  # fmt: skip
        for table in PERSON_REFS:
            con.execute(f"UPDATE {table} SET person_id = ? WHERE person_id = ?", (existing, local_person))
        delete_row(con, "person", local_person)
        # the refused changes of the moved cases are settled by being sent again as new ones
        con.execute(
            "UPDATE sync_conflict SET status = 'resolved' WHERE kind = 'rejected_write' AND conflict_id IN"
            " (SELECT change_id FROM outbox WHERE state = 'rejected' AND last_error = 'duplicate_person')"
        )
        # so are the later changes of the moved cases the server refused meanwhile (it held no such case yet)
        for case_id in cases:
            con.execute(
                "UPDATE sync_conflict SET status = 'resolved' WHERE kind = 'rejected_write' AND conflict_id IN"
                " (SELECT change_id FROM outbox WHERE state = 'rejected' AND case_id = ?)",
                (case_id,),
            )
        driver = _Driver(con)
        clock = load_clock(driver)
        tx = uuid.uuid4().hex
        for case_id in cases:
            _requeue(con, driver, clock, tx, "case", "fbw_case", case_id, case_id)
            for entity, table, row_id in consents:
                _requeue(con, driver, clock, tx, entity, table, row_id, case_id)
            consents = []  # the person's own consents travel once, with the first moved case
            for entity, table in CASE_CHILDREN:
                for (row_id,) in con.execute(f"SELECT id FROM {table} WHERE case_id = ?", (case_id,)).fetchall():
                    _requeue(con, driver, clock, tx, entity, table, row_id, case_id)
            for (row_id,) in con.execute("SELECT id FROM case_event WHERE case_id = ?", (case_id,)).fetchall():
                cur = con.execute("SELECT * FROM case_event WHERE id = ?", (row_id,))
                rec = dict(zip([d[0] for d in cur.description], cur.fetchone()))
                data = {f: _json(rec, "event", f) for f in protocol.fields_of("event") if rec.get(f) is not None}
                enqueue(driver, clock, "event", row_id, case_id, "append", {"data": data}, tx=tx, origin="upload")
        save_clock(driver, clock)
        audit.append(con, audit.SYNC, "update", "person", object_id=existing, detail=f"relinked {len(cases)} case(s)")
    return True


def _requeue(con, driver, clock, tx: str, entity: str, table: str, row_id: str, case_id: str) -> None:
    from wbtui.sync.recorder import enqueue

    cur = con.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
    row = cur.fetchone()
    if row is None:
        return
    rec = dict(zip([d[0] for d in cur.description], row))
    payload = {
        f: {"v": _json(rec, entity, f), "base": None} for f in protocol.fields_of(entity) if rec.get(f) is not None
    }
    # marked as an upload: the store's own record of a case new to the server, in whatever stage it has reached
    # offline (the server honours the mark only for a case this transaction brings, server/push.py)
    enqueue(driver, clock, entity, row_id, case_id, "set", payload, tx=tx, origin="upload")


def _json(rec: dict, entity: str, name: str):
    from wbtui.data.package import loaded

    value = loaded(entity, name, rec.get(name))
    if (entity, name) in protocol.JSON_FIELDS and isinstance(value, str):
        return json.loads(value)
    return value
