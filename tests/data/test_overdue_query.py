"""Issue #16: ``wbtui overdue`` and ``wbtui task list`` read few rows (data/overdue.py, migration 0019) and
answer exactly what the rules say: compared with the domain timers applied in Python to every case of a
demo store (all stages), with and without a limit, a scope and each kind, on several days. The office's
lists leave the organisation wall out of their SQL while no case lies behind it (data/access.py
StoreScope, migration 0020), and keep it as soon as one does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common import TODAY
from wbtui.data import access, queries
from wbtui.data.queries import CaseFilter, TaskFilter
from wbtui.domain.access import Subject
from wbtui.domain.timers import RULES, TimerEngine, Timers
from wbtui.domain.workdays import WorkCalendar

SCOPE = ("(c.rowid % 3 != 0)", [])  # any condition on the case: it must hold for every row listed


@pytest.fixture
def con(tmp_path):
    from wbtui.data.store import open_store
    from wbtui.services import demo

    store = open_store(tmp_path / "demo.db")
    con = store.raw(readonly=False)
    demo.generate(con, 250, seed=5, today=TODAY)
    con.commit()
    yield con
    con.close()
    store.close()


def _reference(con, engine: TimerEngine, kinds, scope) -> list[tuple[str, str]]:
    """(rule, case id) of every rule firing, by the rules' own Python check (TimerEngine.evaluate), in the
    list's order: urgent before stalled, then time in stage, case id, the rule's place in RULES."""
    planned: dict[str, str] = {}
    for case_id, at in con.execute("SELECT case_id, starts_at FROM appointment WHERE status = 'geplant'"):
        planned[case_id] = min(planned.get(case_id, at), at)
    acked: dict[str, str] = {}
    for case_id, at in con.execute("SELECT case_id, acknowledged_at FROM handover WHERE status = 'accepted'"):
        if at is not None:
            acked[case_id] = max(acked.get(case_id, at), at)
    where = f"WHERE {scope[0]}" if scope else ""
    cur = con.execute(f"SELECT * FROM fbw_case c {where}", scope[1] if scope else [])
    names = [d[0] for d in cur.description]
    fired = []
    for values in cur:
        row = dict(zip(names, values))
        row["planned_appointment_at"] = planned.get(row["id"])
        row["handover_acked_at"] = acked.get(row["id"])
        for rule in engine.evaluate(row):
            if rule.kind in kinds:
                key = (rule.kind == "stalled", row["stage_since"], row["id"], RULES.index(rule))
                fired.append((key, rule.id, row["id"]))
    return [(rule, case_id) for _, rule, case_id in sorted(fired)]


def test_overdue_list_and_follow_ups_answer_as_the_rules_say(con):
    """One store for both (built once: the demo data is what costs)."""
    for days in (0, 45):
        _overdue_list_is_the_rules_applied_to_every_case(
            con, TimerEngine(TODAY + timedelta(days=days), Timers(), WorkCalendar())
        )
    _open_follow_ups_come_by_due_date_and_stop_at_the_limit(con)
    _the_wall_is_left_out_only_while_no_case_lies_behind_it(con)  # last: it moves a case to another office


def _overdue_list_is_the_rules_applied_to_every_case(con, engine):
    seen_rules = set()
    for kinds in (("overdue", "warning", "stalled"), ("overdue", "warning"), ("stalled",)):
        for scope in (None, SCOPE):
            expected = _reference(con, engine, kinds, scope)
            seen_rules |= {rule for rule, _ in expected}
            for limit in (None, 5, 40, len(expected) + 3):
                got = queries.overdue_cases(con, engine, kinds=kinds, limit=limit, scope=scope)
                want = expected[:limit] if limit else expected
                assert [(r["rule"], r["id"]) for r in got] == want, (kinds, scope, limit)
            full = queries.overdue_cases(con, engine, kinds=kinds, scope=scope)
            stages = dict(con.execute("SELECT id, stage FROM fbw_case").fetchall())
            assert all(r["stage"] == stages[r["id"]] and r["family_name"] for r in full)
    # the store fires urgent rules of several kinds and stalled cases: the comparison means something
    assert len(seen_rules) >= 4 and "stalled" in seen_rules


def _open_follow_ups_come_by_due_date_and_stop_at_the_limit(con):
    rows = con.execute(
        "SELECT t.id, t.owner FROM task t JOIN fbw_case c ON c.id = t.case_id WHERE t.status = 'offen'"
        f" AND {SCOPE[0]} ORDER BY t.due_on, t.id"
    ).fetchall()
    assert len(rows) > 20
    for limit in (1, 7, len(rows) + 5):
        got = queries.list_tasks(con, TaskFilter(), limit=limit, scope=SCOPE)
        assert [t["id"] for t in got] == [r[0] for r in rows[:limit]]
    owner = rows[0][1]
    got = queries.list_tasks(con, TaskFilter(owner=owner), limit=10, scope=SCOPE)
    assert [t["id"] for t in got] == [r[0] for r in rows if r[1] == owner][:10]
    # done ones too: open first, then by due date (the order ``--all`` always had)
    every = queries.list_tasks(con, TaskFilter(include_done=True), limit=10_000, scope=SCOPE)
    assert [t["status"] != "offen" for t in every] == sorted(t["status"] != "offen" for t in every)


def _the_wall_is_left_out_only_while_no_case_lies_behind_it(con):
    home = con.execute("SELECT id FROM organisation WHERE name = 'Jobcenter Musterstadt'").fetchone()[0]
    other = con.execute("SELECT id FROM organisation WHERE id != ? ORDER BY id LIMIT 1", (home,)).fetchone()[0]
    subject = Subject("ifk.ida", "jc_ifk", home, "u", None)  # no teams: the office reads every case

    def listed() -> tuple[bool, list[int]]:
        scope = access.scope_for(con, subject)
        assert scope.everything
        flt = CaseFilter(include_closed=True, scope=access.predicate(scope))
        rowids = queries.ordered_rowids(con, flt, None)
        assert queries.count_cases(con, flt, None) == len(rowids)
        return getattr(scope, "wall_open", False), rowids

    wall_open, rowids = listed()
    assert wall_open and len(rowids) == queries.total_cases(con)
    moved = rowids[0]
    con.execute("UPDATE fbw_case SET jobcenter_org_id = ? WHERE rowid = ?", (other, moved))
    wall_open, rowids = listed()  # a case of another Jobcenter: the wall is back and keeps it out
    assert not wall_open and moved not in rowids and len(rowids) == queries.total_cases(con) - 1
