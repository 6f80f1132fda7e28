"""Everything about one case, as a JSON-ready dict (``wbtui case show`` and the TUI), and the facts the
process rules decide on, read the same raw way (:func:`case_facts`): opening a case needs no ORM."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime

from wbtui.domain import process
from wbtui.domain.errors import NotFound
from wbtui.domain.process import Stage
from wbtui.domain.timers import DERIVED, TimerEngine


def _rows(con: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, params)
    keys = [d[0] for d in cur.description]
    return [dict(zip(keys, row)) for row in cur.fetchall()]


def _json_cols(rows: list[dict], *cols: str) -> list[dict]:
    for row in rows:
        for col in cols:
            if isinstance(row.get(col), str):
                try:
                    row[col] = json.loads(row[col])
                except ValueError:
                    pass
    return rows


def _bools(row: dict, *cols: str) -> dict:
    for col in cols:
        if col in row and row[col] is not None:
            row[col] = bool(row[col])
    return row


def case_detail(con: sqlite3.Connection, case_id: str, engine: TimerEngine, *, show_art9: bool = False) -> dict:
    derived = "".join(f", {sql} AS {name}" for name, sql in DERIVED.items())  # what the timers measure
    cases = _rows(con, f"SELECT c.*{derived} FROM fbw_case c WHERE c.id = ?", (case_id,))
    if not cases:
        raise NotFound("err.case_not_found", ref=case_id[:8])
    case = _bools(cases[0], "legacy_jc_funded", "care_arranged", "qualification_2y")
    person = _bools(_rows(con, "SELECT * FROM person WHERE id = ?", (case["person_id"],))[0], "needs_interpreter")
    obstacles = _bools_all(_rows(con, "SELECT * FROM obstacle WHERE case_id = ? ORDER BY code", (case_id,)), "art9")
    hidden = 0
    if not show_art9:
        visible = [o for o in obstacles if not o["art9"]]
        hidden = len(obstacles) - len(visible)
        obstacles = visible
    consents = _json_cols(
        _rows(con, "SELECT * FROM consent WHERE person_id = ? ORDER BY given_on", (case["person_id"],)),
        "recipients",
        "data_groups",
        "persons",
    )
    qualifications = _rows(
        con,
        "SELECT * FROM vocational_qualification WHERE person_id = ? AND removed_on IS NULL ORDER BY year, title",
        (case["person_id"],),
    )
    work_history = _rows(
        con,
        "SELECT * FROM work_episode WHERE person_id = ? AND removed_on IS NULL ORDER BY date_from, title",
        (case["person_id"],),
    )
    handovers = _rows(con, "SELECT * FROM handover WHERE case_id = ? ORDER BY sent_at", (case_id,))
    for h in handovers:
        h.pop("package", None)  # the package is the case itself; keep `show` free of copies
    vouchers = _json_cols(
        _rows(con, "SELECT * FROM voucher WHERE case_id = ? ORDER BY issued_on", (case_id,)), "cost_items"
    )
    conferences = _json_cols(
        _rows(con, "SELECT * FROM conference WHERE case_id = ? ORDER BY held_on", (case_id,)), "agenda", "decisions"
    )
    for conf in conferences:
        conf["participants"] = _rows(
            con, "SELECT name, role, organisation FROM conference_participant WHERE conference_id = ?", (conf["id"],)
        )
    tasks = _rows(con, "SELECT * FROM task WHERE case_id = ? ORDER BY status != 'offen', due_on", (case_id,))
    appointments = _rows(con, "SELECT * FROM appointment WHERE case_id = ? ORDER BY starts_at, rowid", (case_id,))
    timeline = _json_cols(
        _rows(
            con,
            "SELECT id, at, type, from_stage, to_stage, actor, payload FROM case_event WHERE case_id = ? ORDER BY at, rowid",
            (case_id,),
        ),
        "payload",
    )
    rules = engine.evaluate(case)
    state = engine.state(case)
    for name in DERIVED:
        case.pop(name, None)  # measured by the timers only; the appointments are listed below
    return {
        "id": case_id,
        "ref": case_id[:8],
        "stage": case["stage"],
        "stage_code": process.STAGES[Stage(case["stage"])].code,
        "owner": process.STAGES[Stage(case["stage"])].owner,
        "timer": {"state": state, "rules": [r.id for r in rules]},
        "person": person,
        "case": case,
        "obstacles": obstacles,
        "art9_hidden": hidden,
        "consents": consents,
        "qualifications": qualifications,
        "work_history": work_history,
        "handovers": handovers,
        "vouchers": vouchers,
        "conferences": conferences,
        "tasks": tasks,
        "appointments": appointments,
        "timeline": timeline,
    }


# the case's dates and times the guards compare (domain/process.py); the rest they test for presence only
_CASE_DATES = ("earliest_start", "voucher_valid_until", "course_start", "course_planned_end")
_CASE_TIMES = ("appointment_at",)


def case_facts(
    con: sqlite3.Connection, case_id: str, *, today: date, enabled_optional: Iterable[process.Stage]
) -> process.CaseFacts:
    """The facts of one case for the process rules, from the stored rows (every obstacle, Art. 9 too: the
    rules see the whole case whoever asks; what is shown is cut elsewhere)."""
    cases = _rows(con, "SELECT * FROM fbw_case WHERE id = ?", (case_id,))
    if not cases:
        raise NotFound("err.case_not_found", ref=case_id[:8])
    case = cases[0]
    person = _rows(con, "SELECT * FROM person WHERE id = ?", (case["person_id"],))
    parts = {
        "case": case,
        "person": person[0] if person else {},
        "obstacles": _rows(con, "SELECT code, status, art9 FROM obstacle WHERE case_id = ?", (case_id,)),
        "consents": consent_rows(con, case["person_id"]),
        "appointments": _rows(con, "SELECT kind, status, starts_at FROM appointment WHERE case_id = ?", (case_id,)),
    }
    return facts_from_detail(parts, today=today, enabled_optional=enabled_optional)


def consent_rows(con: sqlite3.Connection, person_id: str) -> list[dict]:
    """A person's consents as stored, their lists decoded."""
    rows = _rows(con, "SELECT * FROM consent WHERE person_id = ? ORDER BY given_on", (person_id,))
    return _json_cols(rows, "recipients", "data_groups", "persons")


def facts_from_detail(detail: dict, *, today: date, enabled_optional: Iterable[process.Stage]) -> process.CaseFacts:
    """:class:`~wbtui.domain.process.CaseFacts` from raw rows in the shape :func:`case_detail` returns them
    (``case``, ``person``, ``obstacles``, ``consents``, ``appointments``), with the dates typed as the ORM
    types them (tests/services/test_raw_facts.py holds the two paths equal)."""
    from wbtui.domain.consent import consent_covers
    from wbtui.domain.projection import terms_of

    case = dict(detail["case"])
    for name in _CASE_DATES:
        case[name] = _day(case.get(name))
    for name in _CASE_TIMES:
        case[name] = _time(case.get(name))
    terms = terms_of(detail["consents"])
    purposes = ("fbw_uebergabe", "fbw_gesamt")
    return process.CaseFacts(
        stage=Stage(case["stage"]),
        today=today,
        person=dict(detail["person"]),
        case=case,
        obstacles=[(o["code"], o["status"], bool(o["art9"])) for o in detail["obstacles"]],
        consent_for_agentur=any(consent_covers(c, today, "agentur", purposes) for c in terms),
        consent_health=any(consent_covers(c, today, "agentur", purposes, group="gesundheit") for c in terms),
        enabled_optional=frozenset(enabled_optional),
        appointments=[(a["kind"], a["status"], _time(a["starts_at"])) for a in detail["appointments"]],
    )


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _time(value: object) -> datetime | None:
    """A stored time: UTC, kept without its offset (data/models.py), read back aware as the ORM reads it."""
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _bools_all(rows: list[dict], *cols: str) -> list[dict]:
    return [_bools(r, *cols) for r in rows]
