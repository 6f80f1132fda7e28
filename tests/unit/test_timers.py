"""The "nobody gets lost" timers: working days, each rule at its boundary, SQL and row evaluation agree."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from wbtui.domain.timers import RULES_BY_ID, TimerEngine, Timers
from wbtui.domain.workdays import WorkCalendar, easter_sunday, national_holidays

CAL = WorkCalendar()
WED = date(2026, 11, 25)


def test_easter_and_holidays():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    hol = national_holidays(2026)
    assert date(2026, 4, 3) in hol and date(2026, 4, 6) in hol  # Karfreitag, Ostermontag
    assert date(2026, 5, 14) in hol and date(2026, 5, 25) in hol  # Himmelfahrt, Pfingstmontag
    assert date(2026, 10, 3) in hol and date(2026, 12, 26) in hol


def test_working_days_skip_weekend_and_holidays():
    assert CAL.between(date(2026, 11, 20), date(2026, 11, 27)) == 5  # Fri -> Fri
    assert CAL.add(date(2026, 12, 23), 2) == date(2026, 12, 28)  # over Christmas
    office = WorkCalendar({date(2026, 12, 24)})
    assert office.add(date(2026, 12, 23), 2) == date(2026, 12, 29)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=1, max_value=30))
@settings(max_examples=150, deadline=None)
def test_cutoff_is_exact(today, n):
    cutoff = CAL.latest_start_for(today, n)
    assert CAL.between(cutoff, today) >= n
    assert CAL.between(cutoff + timedelta(days=1), today) < n


def row(stage, **kw):
    base = {
        "stage": stage,
        "stage_since": None,
        "updated_at": "2026-11-25 08:00:00.000000",
        "appointment_at": None,
        "voucher_valid_until": None,
        "course_start": None,
        "last_contact_at": None,
    }
    base.update(kw)
    return base


def fires(rule_id: str, r: dict, timers: Timers = Timers(), today: date = WED) -> bool:
    engine = TimerEngine(today, timers, CAL)
    return RULES_BY_ID[rule_id].matches(r, engine.bounds[rule_id])


def test_handover_unacknowledged_after_five_working_days():
    # 5 working days before Wed 25.11. is Wed 18.11.
    assert fires("handover_unacknowledged", row("handed_over", stage_since="2026-11-18 15:00:00.000000"))
    assert not fires("handover_unacknowledged", row("handed_over", stage_since="2026-11-19 07:00:00.000000"))
    assert fires(
        "handover_unacknowledged",
        row("handed_over", stage_since="2026-11-19 07:00:00.000000"),
        Timers(handover_ack_workdays=4),
    )


def test_no_appointment_only_without_date():
    since = "2026-11-10 10:00:00.000000"  # 11 working days
    assert fires("no_appointment", row("counselling_scheduled", stage_since=since))
    assert not fires(
        "no_appointment",
        row("counselling_scheduled", stage_since=since, planned_appointment_at="2026-12-01 09:00:00.000000"),
    )


def test_an_acknowledged_handover_waits_for_its_appointment_not_for_its_acknowledgement():
    acked = row("handed_over", stage_since="2026-11-02 15:00:00.000000", handover_acked_at="2026-11-03 10:00:00")
    assert not fires("handover_unacknowledged", acked)
    assert fires("no_appointment_after_ack", acked)  # acknowledged 16 working days ago, still no appointment
    assert not fires("no_appointment_after_ack", {**acked, "handover_acked_at": "2026-11-20 10:00:00"})
    assert not fires("no_appointment_after_ack", row("handed_over", stage_since="2026-11-02 15:00:00.000000"))


def test_voucher_expiry_warning_14_days():
    assert fires("voucher_expiring", row("voucher_issued", voucher_valid_until="2026-12-09"))
    assert not fires("voucher_expiring", row("voucher_issued", voucher_valid_until="2026-12-10"))


def test_no_start_confirmation_7_days():
    assert fires("no_start_confirmation", row("enrolment_approved", course_start="2026-11-18"))
    assert not fires("no_start_confirmation", row("enrolment_approved", course_start="2026-11-19"))


def test_sign_of_life_uses_latest_contact():
    old = "2026-09-01 10:00:00.000000"
    assert fires("no_sign_of_life", row("in_training", stage_since=old))
    assert not fires(
        "no_sign_of_life", row("in_training", stage_since=old, last_contact_at="2026-11-01 10:00:00.000000")
    )


def test_after_course_uses_stage_start_when_contact_is_older():
    r = row("completed", stage_since="2026-11-20 10:00:00.000000", last_contact_at="2026-05-01 10:00:00.000000")
    assert not fires("no_placement_activity", r)
    assert fires("no_placement_activity", row("completed", stage_since="2026-10-27 10:00:00.000000"))


def test_stalled_after_30_days_and_not_for_closed():
    assert fires("stalled", row("obstacles_in_clarification", updated_at="2026-10-26 23:00:00.000000"))
    assert not fires("stalled", row("obstacles_in_clarification", updated_at="2026-10-27 00:00:00.000000"))
    assert not fires("stalled", row("closed", updated_at="2020-01-01 00:00:00.000000"))


def test_sql_predicate_matches_row_evaluation(store, jc):
    """The same rule objects drive SQL and per-row state: compare both on demo data."""
    from wbtui.data.queries import CaseFilter, list_cases, overdue_cases
    from wbtui.services import demo

    con = store.raw(readonly=False)
    demo.generate(con, 400, seed=5, today=WED)
    engine = TimerEngine(WED, Timers(), CAL)
    rows = list_cases(con, CaseFilter(include_closed=True), engine, limit=1000)
    expected = {(r["id"], rule.id) for r in rows for rule in engine.evaluate(r)}
    got = {(r["id"], r["rule"]) for r in overdue_cases(con, engine)}
    con.close()
    assert expected == got
    assert any(k == "handover_unacknowledged" for _, k in got)
