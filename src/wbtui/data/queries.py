"""Read side: plain SQL over sqlite3 for lists, search and timers.

These queries serve the CLI and the TUI's board. They avoid the ORM so that
``wbtui case list`` and ``wbtui overdue`` answer fast even on 100,000 cases,
and so that the board can page through the store from a worker thread.

Every query that returns cases or persons takes a ``scope``: the read policy as an SQL condition on
the case (alias ``c``, :func:`wbtui.data.access.predicate`). The use cases (:mod:`wbtui.services.reads`)
always pass it; ``None`` (the whole store) is for the store's own housekeeping only.
The "nobody gets lost" list lives in :mod:`wbtui.data.overdue` (imported here as before).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from wbtui.data.overdue import overdue_cases as overdue_cases  # the list's home; imported from here
from wbtui.data.sql import execute
from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.process import AA, BOTH, JC, STAGES
from wbtui.domain.timers import DERIVED, TimerEngine

LIST_COLUMNS = (
    "c.id",
    "p.family_name",
    "p.given_names",
    "p.kundennummer",
    "p.bg_nummer",
    "c.stage",
    "c.stage_since",
    "c.updated_at",
    "c.appointment_at",
    "c.voucher_valid_until",
    "c.course_start",
    "c.last_contact_at",
    "c.owner_user_id",
    "c.target_kldb",
    # the next follow-up the reader may see ({tasks}: data.access.task_predicate)
    "(SELECT MIN(t.due_on) FROM task t WHERE t.case_id = c.id AND t.status = 'offen' AND {tasks}) AS next_due",
    *(f"{sql} AS {name}" for name, sql in DERIVED.items()),  # what the timers measure besides the case's columns
)
ROW_KEYS = tuple(col.split(".")[-1].split(" AS ")[-1] for col in LIST_COLUMNS)
ALL_TASKS: tuple[str, list] = ("1", [])  # the office owning the case sees every follow-up


def _columns(tasks: tuple[str, list]) -> str:
    return ", ".join(LIST_COLUMNS).replace("{tasks}", tasks[0])


@dataclass
class CaseFilter:
    text: str = ""
    stages: tuple[str, ...] = ()
    owner: str | None = None  # jobcenter | agentur
    mine_login: str | None = None
    timer: str | None = None  # overdue | stalled | any
    include_closed: bool = False
    scope: tuple[str, list] | None = None  # the read policy (data.access.predicate)
    unassigned: bool = False  # the team inbox: cases nobody holds (domain/assignment.py)
    tasks: tuple[str, list] = ALL_TASKS  # the follow-ups the reader may see (data.access.task_predicate)

    def sql(self, engine: TimerEngine | None) -> tuple[str, list]:
        where, params = [], []
        if self.scope is not None:
            where.append(self.scope[0])
            params += list(self.scope[1])
        if self.stages:
            where.append(f"c.stage IN ({','.join('?' * len(self.stages))})")
            params += list(self.stages)
        elif not self.include_closed:
            where.append("c.stage != 'closed'")
        if self.owner in (JC, AA):
            stages = [s.value for s, info in STAGES.items() if info.owner in (self.owner, BOTH)]
            where.append(f"c.stage IN ({','.join('?' * len(stages))})")
            params += stages
        if self.mine_login:
            where.append("c.owner_login = ?")
            params.append(self.mine_login)
        if self.unassigned:
            where.append("c.owner_login IS NULL")
        if self.timer and engine is not None:
            kinds = {
                "overdue": ("overdue", "warning"),
                "stalled": ("stalled",),
                "any": ("overdue", "warning", "stalled"),
            }[self.timer]
            pred, pparams = engine.predicate(kinds)
            where.append(pred)
            params += pparams
        text = self.text.strip()
        if text:
            # search_text holds "family, given KUNDENNUMMER BG-NUMMER" (migration 0004)
            # several words match in any order ("Linh Ahmadi" finds "Ahmadi, Linh"): each must occur
            words = text.lower().replace(",", " ").split()
            every = " AND ".join(["c.search_text LIKE ? ESCAPE '\\'"] * len(words)) if len(words) > 1 else ""
            where.append(
                "(c.search_text LIKE ? ESCAPE '\\' OR c.search_text LIKE ? ESCAPE '\\'"
                + (f" OR ({every})" if every else "")
                + ")"
            )
            params += [f"%{_escape_like(text.lower())}%", f"%{_escape_like(text.upper().replace(' ', ''))}%"]
            params += [f"%{_escape_like(w)}%" for w in words] if every else []
        return (" WHERE " + " AND ".join(where)) if where else "", params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


FROM = " FROM fbw_case c JOIN person p ON p.id = c.person_id"
ORDER = " ORDER BY c.sort_name, c.id"


def count_cases(con: sqlite3.Connection, flt: CaseFilter, engine: TimerEngine | None) -> int:
    where, params = flt.sql(engine)
    return con.execute("SELECT COUNT(*) FROM fbw_case c" + where, params).fetchone()[0]


def list_cases(
    con: sqlite3.Connection, flt: CaseFilter, engine: TimerEngine | None, *, limit: int = 50, offset: int = 0
) -> list[dict]:
    """One page of the filtered, name-ordered list. The page is chosen first on the
    name index; per-row look-ups (next due follow-up) run only for that page."""
    where, params = flt.sql(engine)
    inner = "SELECT c.rowid FROM fbw_case c" + where + ORDER + " LIMIT ? OFFSET ?"
    sql = "SELECT " + _columns(flt.tasks) + FROM + " WHERE c.rowid IN (" + inner + ")" + ORDER
    rows = con.execute(sql, list(flt.tasks[1]) + params + [limit, offset]).fetchall()
    return [dict(zip(ROW_KEYS, row)) for row in rows]


def ordered_rowids(con: sqlite3.Connection, flt: CaseFilter, engine: TimerEngine | None) -> list[int]:
    """All matching case rowids in list order: the board keeps this and fetches pages by rowid."""
    where, params = flt.sql(engine)
    return [r[0] for r in con.execute("SELECT c.rowid FROM fbw_case c" + where + ORDER, params)]


def rows_by_rowid(
    con: sqlite3.Connection,
    rowids: list[int],
    scope: tuple[str, list] | None = None,
    tasks: tuple[str, list] | None = None,
) -> dict[int, dict]:
    """List rows for the given rowids (one page of the board); ``tasks``: the follow-ups the reader may see."""
    if not rowids:
        return {}
    tasks = tasks or ALL_TASKS
    marks = ",".join("?" * len(rowids))
    sql = "SELECT c.rowid, " + _columns(tasks) + FROM + f" WHERE c.rowid IN ({marks})"
    params = list(tasks[1]) + list(rowids)
    if scope is not None:
        sql += f" AND {scope[0]}"
        params += list(scope[1])
    return {row[0]: dict(zip(ROW_KEYS, row[1:])) for row in con.execute(sql, params)}


def total_cases(con: sqlite3.Connection) -> int:
    return con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0]


def resolve_case_ref(con: sqlite3.Connection, ref: str) -> uuid.UUID:
    text = (ref or "").strip()
    hexref = text.lower().replace("-", "")
    if len(hexref) >= 4 and all(ch in "0123456789abcdef" for ch in hexref):
        rows = con.execute("SELECT id FROM fbw_case WHERE id LIKE ? LIMIT 2", (hexref + "%",)).fetchall()
        if len(rows) == 1:
            return uuid.UUID(rows[0][0])
        if len(rows) > 1:
            raise WbtuiError("err.ambiguous_ref", ref=text)
    rows = con.execute(
        "SELECT c.id, c.stage FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE p.kundennummer = ?"
        " ORDER BY c.stage = 'closed', c.created_at DESC LIMIT 1",
        (text.upper().replace(" ", ""),),
    ).fetchall()
    if rows:
        return uuid.UUID(rows[0][0])
    raise NotFound("err.case_not_found", ref=text[:40])


def resolve_task_ref(con: sqlite3.Connection, ref: str) -> uuid.UUID:
    hexref = (ref or "").strip().lower().replace("-", "")
    if len(hexref) < 4 or not all(ch in "0123456789abcdef" for ch in hexref):
        raise NotFound("err.task_not_found", ref=(ref or "")[:40])
    rows = con.execute("SELECT id FROM task WHERE id LIKE ? LIMIT 2", (hexref + "%",)).fetchall()
    if not rows:
        raise NotFound("err.task_not_found", ref=ref[:40])
    if len(rows) > 1:
        raise WbtuiError("err.ambiguous_ref", ref=ref)
    return uuid.UUID(rows[0][0])


@dataclass
class TaskFilter:
    owner: str | None = None
    overdue_on: date | None = None
    include_done: bool = False
    case_id: str | None = None


def list_tasks(
    con: sqlite3.Connection,
    flt: TaskFilter,
    *,
    limit: int = 200,
    scope: tuple[str, list] | None = None,
    tasks: tuple[str, list] | None = None,
) -> list[dict]:
    """Follow-ups of the cases in ``scope``; ``tasks``: which follow-ups the reader may see."""
    where, params = [], []
    if scope is not None:
        where.append(scope[0])
        params += list(scope[1])
    if tasks is not None:
        where.append(tasks[0])
        params += list(tasks[1])
    if not flt.include_done:
        where.append("t.status = 'offen'")
    if flt.owner:
        where.append("t.owner = ?")
        params.append(flt.owner)
    if flt.overdue_on:
        where.append("t.due_on < ?")
        params.append(flt.overdue_on.isoformat())
    if flt.case_id:
        where.append("t.case_id = ?")
        params.append(flt.case_id)
    sql = (
        "SELECT t.id, t.case_id, t.title, t.owner, t.due_on, t.status, t.origin, p.family_name, p.given_names, p.kundennummer"
        " FROM task t JOIN fbw_case c ON c.id = t.case_id JOIN person p ON p.id = c.person_id"
        + ((" WHERE " + " AND ".join(where)) if where else "")
        # open ones only: the status is one value, so the order is the index's (ix_task_status_due, or
        # ix_task_owner_status by owner) and SQLite stops after ``limit`` rows instead of sorting them all
        + (" ORDER BY t.status != 'offen', t.due_on, t.id" if flt.include_done else " ORDER BY t.due_on, t.id")
        + " LIMIT ?"
    )
    keys = (
        "id",
        "case_id",
        "title",
        "owner",
        "due_on",
        "status",
        "origin",
        "family_name",
        "given_names",
        "kundennummer",
    )
    return [dict(zip(keys, row)) for row in con.execute(sql, params + [limit])]


# The inbox (screens/inbox.py): received handovers (Agentur), queries to answer and feedback (Jobcenter).
INBOX_RECEIVED = (
    "SELECT c.id, p.family_name, p.given_names, p.kundennummer, h.sent_at, h.channel FROM handover h"
    " JOIN fbw_case c ON c.id = h.case_id JOIN person p ON p.id = c.person_id"
    " WHERE h.status = 'sent' AND c.stage = 'handed_over' AND {scope} ORDER BY h.sent_at LIMIT 500"
)
INBOX_QUERIES = (
    "SELECT c.id, p.family_name, p.given_names, p.kundennummer, h.acknowledged_at, h.query_text FROM handover h"
    " JOIN fbw_case c ON c.id = h.case_id JOIN person p ON p.id = c.person_id"
    " WHERE h.status = 'query' AND c.stage = 'ready_for_handover' AND {scope} ORDER BY h.acknowledged_at LIMIT 500"
)
# the other office's timeline entries, unread first (read marks: inbox_read, per login); an entry is the
# other office's when it was written there (org_id) or arrived by sync (no org_id); appointment entries
# only for the kinds the other office keeps (entries from before appointments were objects name none:
# they were the Agentur's counselling appointments)
# Every row also carries the true totals of all matching entries and of the unread ones (window functions
# run before the LIMIT): the inbox shows one page but counts everything.
INBOX_ENTRIES = (
    "SELECT c.id, p.family_name, p.given_names, p.kundennummer, e.at, e.type, e.payload, e.id AS event_id,"
    " EXISTS(SELECT 1 FROM inbox_read r WHERE r.event_id = e.id AND r.login = ?) AS seen FROM case_event e"
    " JOIN fbw_case c ON c.id = e.case_id JOIN person p ON p.id = c.person_id"
    " WHERE e.type IN ({types}) AND e.at >= ? AND (e.org_id IS NULL OR e.org_id != ?)"
    " AND (e.type NOT LIKE 'appointment%' OR json_extract(e.payload, '$.kind') IS NULL"
    " OR json_extract(e.payload, '$.kind') IN ({kinds})) AND {scope}"
)
INBOX_FEEDBACK = (
    "SELECT *, COUNT(*) OVER (), SUM(1 - seen) OVER () FROM ("
    + INBOX_ENTRIES
    + ") ORDER BY seen, at DESC, event_id DESC LIMIT 300"
)


def inbox(
    con: sqlite3.Connection,
    since: str,
    feedback_types: tuple[str, ...],
    scope: tuple[str, list],
    *,
    login: str = "",
    own_org: str | None = None,
    appointment_kinds: tuple[str, ...] = ("aa_beratung", "aed_bps", "fallkonferenz"),
) -> tuple[list, list, list]:
    """(received handovers, queries, the other office's entries since ``since``) within ``scope``, as row
    tuples; an entry's row holds its id and whether ``login`` has read it, then the totals of all entries
    and of the unread ones (the page holds at most 300)."""
    where, params = scope
    received = con.execute(INBOX_RECEIVED.format(scope=where), params).fetchall()
    queries = con.execute(INBOX_QUERIES.format(scope=where), params).fetchall()
    kinds = appointment_kinds or ("-",)
    sql = INBOX_FEEDBACK.format(
        types=",".join("?" * len(feedback_types)), kinds=",".join("?" * len(kinds)), scope=where
    )
    feedback = con.execute(sql, (login, *feedback_types, since, own_org or "", *kinds, *params)).fetchall()
    return received, queries, feedback


def mark_read(con: sqlite3.Connection, login: str, event_ids: list[str], at: str) -> int:
    """Mark timeline entries read for ``login`` (the inbox's own marks, kept on this device)."""
    before = con.total_changes
    con.executemany(
        "INSERT OR IGNORE INTO inbox_read (event_id, login, read_at) VALUES (?, ?, ?)",
        [(event_id, login, at) for event_id in event_ids],
    )
    return con.total_changes - before


APPOINTMENT_KEYS = (
    "id", "case_id", "kind", "starts_at", "duration_minutes", "location", "with_whom", "status", "status_reason",
    "moved_from", "organiser", "created_at", "updated_at", "family_name", "given_names", "kundennummer", "stage",
)  # fmt: skip


def list_appointments(
    con: sqlite3.Connection,
    *,
    scope: tuple[str, list],
    case_id: str | None = None,
    login: str | None = None,
    include_done: bool = False,
    limit: int = 2000,
) -> list[dict]:
    """Appointments in time order within ``scope``: of one case, or of one caseworker (organised by them or
    of a case in their caseload); planned only unless ``include_done``."""
    where, params = [scope[0]], list(scope[1])
    if case_id:
        where.append("a.case_id = ?")
        params.append(case_id)
    if login:
        where.append("(a.organiser = ? OR c.owner_login = ?)")
        params += [login, login]
    if not include_done:
        where.append("a.status = 'geplant'")
    sql = (
        "SELECT " + ", ".join(f"a.{k}" for k in APPOINTMENT_KEYS[:13]) + ", p.family_name, p.given_names,"
        " p.kundennummer, c.stage FROM appointment a JOIN fbw_case c ON c.id = a.case_id"
        " JOIN person p ON p.id = c.person_id WHERE " + " AND ".join(where) + " ORDER BY a.starts_at, a.id LIMIT ?"
    )
    return [dict(zip(APPOINTMENT_KEYS, row)) for row in con.execute(sql, params + [limit])]


def case_timeline(con: sqlite3.Connection, case_id: str, *, limit: int = 500) -> list[dict]:
    keys = ("at", "type", "from_stage", "to_stage", "actor", "payload")
    rows = con.execute(
        "SELECT at, type, from_stage, to_stage, actor, payload FROM case_event WHERE case_id = ? ORDER BY at, rowid LIMIT ?",
        (case_id, limit),
    )
    return [dict(zip(keys, row)) for row in rows]


def days_since(value: str | None, today: date) -> int | None:
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value).date() if len(value) > 10 else date.fromisoformat(value)
    except ValueError:
        return None
    return (today - day).days


def search_kind(text: str) -> str:
    """The class of a search for the audit trail (the text itself may be a name)."""
    import re

    value = text.strip().upper()
    if re.match(r"^\d{3}[A-Z]\d{0,6}$", value):
        return "kundennummer"
    if re.match(r"^\d{3,5}BG", value):
        return "bg_nummer"
    return "name"


def case_id_for(conn, entity: str, row_id: str, person_id: str | None = None, case_id: str | None = None) -> str | None:
    """The case a synced row belongs to (the server ties every row to a case); hex ids."""
    # imported here: the entity table (and its column checks) is not needed for the board's first frame
    from wbtui.domain.entities import PERSON_CHILDREN

    if entity == "case":
        return row_id
    if entity == "person" or entity in PERSON_CHILDREN:
        person = row_id if entity == "person" else person_id
        row = execute(
            conn,
            "SELECT id FROM fbw_case WHERE person_id = ? ORDER BY stage = 'closed', created_at DESC LIMIT 1",
            (person,),
        ).fetchone()
        return row[0] if row else None
    return case_id
