"""The process as offices live it (issue #15): redemption in time, an alternative is not a refusal,
Reha and passed appointments watched."""

from __future__ import annotations

from datetime import date, datetime

from wbtui.domain.process import CaseFacts, Stage, TransitionInput, check_transition
from wbtui.domain.timers import TimerEngine, Timers
from wbtui.domain.workdays import WorkCalendar

DAY = date(2026, 11, 25)


def facts(stage, **case):
    return CaseFacts(stage=stage, today=DAY, case=case)


def test_enrolment_approval_counts_redemption_within_the_validity():
    late = facts(Stage.VOUCHER_ISSUED, voucher_valid_until=date(2026, 11, 20), course_start=date(2026, 11, 16))
    assert check_transition(late, Stage.ENROLMENT_APPROVED, TransitionInput(), side="agentur") == []
    too_late = facts(Stage.VOUCHER_ISSUED, voucher_valid_until=date(2026, 11, 20), course_start=date(2026, 12, 1))
    reasons = check_transition(too_late, Stage.ENROLMENT_APPROVED, TransitionInput(), side="agentur")
    assert [k for k, _ in reasons] == ["guard.voucher_expired"]


def test_an_alternative_recommendation_is_not_a_refusal():
    alternative = facts(Stage.COUNSELLED, counselling_outcome="alternative_empfohlen")
    assert check_transition(alternative, Stage.NEED_IDENTIFIED, TransitionInput(), side="agentur") == []
    assert [
        k
        for k, _ in check_transition(
            alternative, Stage.DECLINED_BY_AGENCY, TransitionInput(reason="eignung_fehlt"), side="agentur"
        )
    ] == ["guard.decline_needs_outcome"]
    refused = facts(Stage.COUNSELLED, counselling_outcome="nicht_foerderfaehig")
    assert (
        check_transition(refused, Stage.DECLINED_BY_AGENCY, TransitionInput(reason="eignung_fehlt"), side="agentur")
        == []
    )
    assert [k for k, _ in check_transition(refused, Stage.NEED_IDENTIFIED, TransitionInput(), side="agentur")] == [
        "guard.return_needs_alternative"
    ]


def test_reha_and_a_passed_appointment_are_watched():
    engine = TimerEngine(DAY, Timers(), WorkCalendar())
    rehab = {"stage": "rehab_track", "stage_since": "2026-08-01 09:00:00.000000", "last_contact_at": None}
    assert [r.id for r in engine.evaluate(rehab)] == ["rehab_no_contact"] and engine.state(rehab) == "overdue"
    recent = {**rehab, "last_contact_at": "2026-11-20 10:00:00.000000"}
    assert engine.state(recent) == "ok"
    # the earliest appointment object still planned (timers.DERIVED), of any kind and in any open stage
    passed = {"stage": "counselling_scheduled", "planned_appointment_at": datetime(2026, 11, 18, 9).isoformat(" ")}
    assert "appointment_without_result" in [r.id for r in engine.evaluate(passed)]
    graduate = {"stage": "completed", "planned_appointment_at": datetime(2026, 11, 18, 9).isoformat(" ")}
    assert "appointment_without_result" in [r.id for r in engine.evaluate(graduate)]
    upcoming = {"stage": "counselling_scheduled", "planned_appointment_at": "2026-11-30 09:00:00"}
    assert "appointment_without_result" not in [r.id for r in engine.evaluate(upcoming)]
