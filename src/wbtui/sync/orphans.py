"""Rows a page could not keep because their parent never came: quarantined at commit (issue 12 F2).

A pulled page is written with its foreign keys deferred (a child may arrive before its parent in the same
page), so SQLite checks them only at COMMIT — after :class:`wbtui.sync.merge.Merger` has left each entry's
savepoint. A row whose parent the store does not hold (a task naming a case that does not exist, written
to the server before it checked parent references) then fails the COMMIT of the whole page, and every
sync after it. :func:`commit_page` commits; when the COMMIT fails on a foreign key (the transaction stays
open), the offending rows go into ``sync_quarantine`` with their reason and stored values, and the rest of
the page — the cursor with it — is committed: one row never stops an office. A sound page costs nothing.
"""

from __future__ import annotations

import json
import sqlite3

from wbtui.domain.entities import ENTITIES
from wbtui.domain.text import clean
from wbtui.sync import protocol

ROUNDS = 8  # removing a row may orphan rows that hang on it: check again, a few generations deep
_ENTITY_OF = {e.table: name for name, e in ENTITIES.items()}


def commit_page(con: sqlite3.Connection, summary) -> None:
    """COMMIT the caller's write transaction, quarantining rows that break a foreign key first."""
    for _round in range(ROUNDS):
        try:
            con.execute("COMMIT")
            return
        except sqlite3.IntegrityError:
            if not con.in_transaction:
                raise
            con.execute("PRAGMA defer_foreign_keys = ON")  # removing a parent below must not fail at once
            orphans = con.execute("PRAGMA foreign_key_check").fetchall()
            if not orphans:
                raise
            for table, rowid, parent, fkid in orphans:
                _quarantine(con, table, rowid, parent, fkid, summary)
    con.execute("COMMIT")


def _quarantine(con, table: str, rowid: int, parent: str, fkid: int, summary) -> None:
    from wbtui.data.erase import delete_row
    from wbtui.sync.merge import drop_case

    entity = _ENTITY_OF.get(table)
    if entity is None:
        raise sqlite3.IntegrityError(f"FOREIGN KEY constraint failed: {table}")  # not a synced row: not ours
    found = con.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,))
    names = [d[0] for d in found.description]
    row = found.fetchone()
    if row is None:
        return  # gone already with a row removed before it
    values = dict(zip(names, row, strict=True))
    row_id = str(values["id"])
    column = next((r[3] for r in con.execute(f"PRAGMA foreign_key_list({table})") if r[0] == fkid), parent)
    clocks = dict(
        con.execute("SELECT field, hlc FROM field_clock WHERE entity = ? AND row_id = ?", (entity, row_id)).fetchall()
    )
    fields = {
        n: {"v": _value(entity, n, values[n]), "hlc": clocks.get(n)} for n in protocol.fields_of(entity) if n in values
    }
    case_id = row_id if entity == "case" else values.get("case_id")
    if entity == "case":
        drop_case(con, row_id, "quarantine")  # a case goes with what hangs on it (unsent changes kept as conflicts)
    else:
        delete_row(con, table, row_id)
    con.execute(
        "INSERT INTO sync_quarantine(kind, entity, row_id, case_id, reason, body, created_at)"
        " VALUES ('set', ?, ?, ?, ?, ?, datetime('now'))",
        (
            entity, row_id[:64], str(case_id)[:64] if case_id else None, clean(f"{entity}.{column}: foreign_key")[:200],
            json.dumps({"kind": "set", "entity": entity, "row_id": row_id, "case_id": case_id, "fields": fields},
                       ensure_ascii=False, default=str),
        ),
    )  # fmt: skip
    summary.quarantined += 1


def _value(entity: str, name: str, stored):
    from wbtui.data.package import loaded

    stored = loaded(entity, name, stored)
    if (entity, name) in protocol.JSON_FIELDS and isinstance(stored, str):
        try:
            return json.loads(stored)
        except ValueError:
            return stored
    return stored
