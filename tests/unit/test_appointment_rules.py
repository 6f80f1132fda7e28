"""Appointments as objects (domain/appointments.py) and the S5 guard (issue 15: S5 was reached without one)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wbtui.domain.appointments import appointment_refusals
from wbtui.domain.permissions import write_refusal
from wbtui.domain.process import AA, JC, CaseFacts, Stage, TransitionInput, check_transition

TODAY = date(2026, 11, 25)


def refusals(**kw):
    base = {"kind": "aa_beratung", "side": AA, "stage": Stage.COUNSELLING_SCHEDULED, "status_before": None,
                "status_after": "geplant", "starts_at": date(2026, 12, 1), "today": TODAY}  # fmt: skip
    return [key for key, _ in appointment_refusals(**{**base, **kw})]


def test_s5_is_not_reached_by_acknowledging_without_a_planned_counselling_appointment():
    facts = CaseFacts(stage=Stage.HANDED_OVER, today=TODAY)
    assert check_transition(facts, Stage.COUNSELLING_SCHEDULED, TransitionInput(), side=AA) == [
        ("guard.s5_needs_appointment", {})
    ]
    facts.appointments = [("aed_bps", "geplant", datetime(2026, 12, 1, 9, tzinfo=UTC))]  # not counselling
    assert check_transition(facts, Stage.COUNSELLING_SCHEDULED, TransitionInput(), side=AA)
    facts.appointments = [("aa_beratung", "abgesagt", datetime(2026, 12, 1, 9, tzinfo=UTC))]  # not planned
    assert check_transition(facts, Stage.COUNSELLING_SCHEDULED, TransitionInput(), side=AA)
    facts.appointments = [("aa_beratung", "geplant", datetime(2026, 12, 1, 9, tzinfo=UTC))]
    assert check_transition(facts, Stage.COUNSELLING_SCHEDULED, TransitionInput(), side=AA) == []


def test_each_kind_is_kept_by_its_office():
    assert refusals(side=JC) == ["guard.appt_wrong_side"]  # counselling is the Agentur's
    assert refusals(kind="absolventengespraech", side=AA, stage=Stage.COMPLETED) == ["guard.appt_wrong_side"]
    assert refusals(kind="absolventengespraech", side=JC, stage=Stage.COMPLETED) == []
    assert refusals(kind="fallkonferenz", side=JC, stage=Stage.OBSTACLES) == []
    assert refusals(kind="fallkonferenz", side=AA, stage=Stage.IN_TRAINING) == []


def test_kinds_belong_to_their_stages():
    assert refusals(stage=Stage.IN_TRAINING) == ["guard.appt_stage"]
    assert refusals(kind="aed_bps", stage=Stage.APTITUDE_CHECK) == []
    assert refusals(stage=Stage.CLOSED) == ["guard.case_closed"]


@pytest.mark.parametrize(
    ("before", "after", "day", "reason", "expected"),
    [
        ("geplant", "wahrgenommen", date(2026, 11, 25), None, []),
        ("geplant", "wahrgenommen", date(2026, 11, 26), None, ["guard.appt_not_yet"]),  # not held before its day
        ("geplant", "nicht_erschienen", date(2026, 11, 26), None, ["guard.appt_not_yet"]),
        ("geplant", "abgesagt", date(2026, 12, 1), None, ["guard.appt_needs_reason"]),
        ("geplant", "abgesagt", date(2026, 12, 1), "Person krank gemeldet", []),
        ("geplant", "verschoben", date(2026, 12, 1), None, []),
        ("wahrgenommen", "abgesagt", date(2026, 11, 20), "x", ["guard.appt_final"]),  # a result is final
        ("abgesagt", "geplant", date(2026, 12, 1), None, ["guard.appt_final"]),
        (None, "geplant", date(2026, 11, 24), None, []),  # entered late: the timer asks for its result
        (None, "wahrgenommen", date(2026, 11, 24), None, []),  # recorded after the fact
    ],
)
def test_status_changes(before, after, day, reason, expected):
    assert refusals(status_before=before, status_after=after, starts_at=day, reason=reason) == expected


def test_permission_table_names_the_office_of_each_kind():
    kw = {"new_row": True, "stage_before": Stage.COUNSELLING_SCHEDULED, "stage_after": Stage.COUNSELLING_SCHEDULED}
    assert write_refusal("appointment", "starts_at", role="aa_beratung", appointment_kind="aa_beratung", **kw) is None
    assert write_refusal("appointment", "starts_at", role="jc_ifk", appointment_kind="aa_beratung", **kw) == "side"
    assert write_refusal("appointment", "kind", role="aa_beratung", appointment_kind="aa_beratung",
                         new_row=False, stage_before=Stage.COUNSELLING_SCHEDULED,
                         stage_after=Stage.COUNSELLING_SCHEDULED) == "immutable"  # fmt: skip
