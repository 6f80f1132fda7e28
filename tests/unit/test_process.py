"""Process rules: every transition of the stage model and every guard, as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wbtui.domain import process
from wbtui.domain.process import AA, JC, CaseFacts, Stage, TransitionInput, check_transition

TODAY = date(2026, 11, 25)

COMPLETE_PERSON = {
    "kundennummer": "123A456789",
    "family_name": "B",
    "given_names": "B",
    "birth_date": date(1985, 1, 1),
    "phone": "0151 1",
}
COMPLETE_CASE = {
    "target_kldb": "52122",
    "training_type": "umschulung",
    "schedule": "vollzeit",
    "necessity_reason": "integration",
}


def facts(stage: Stage, **case) -> CaseFacts:
    return CaseFacts(
        stage=stage,
        today=TODAY,
        person=dict(COMPLETE_PERSON),
        case={**COMPLETE_CASE, **case},
        consent_for_agentur=True,
    )


def side_for(stage: Stage) -> str:
    owner = process.STAGES[stage].owner
    return JC if owner in (JC, process.BOTH) else AA


# Data that satisfies the guard of each target, so the table test can check reachability.
GOOD_INPUT = {
    Stage.COUNSELLED: TransitionInput(appointment_at=datetime(2026, 11, 20, 9, tzinfo=UTC), outcome="foerderfaehig"),
    Stage.VOUCHER_ISSUED: TransitionInput(valid_until=date(2027, 2, 1)),
    Stage.ENROLMENT_APPROVED: TransitionInput(course_start=date(2026, 12, 1)),
    Stage.DROPPED_OUT: TransitionInput(reason="abbruch_motivation"),
    Stage.DECLINED_BY_AGENCY: TransitionInput(reason="haushaltsmittel"),
    Stage.NOT_YET_INTEGRATED: TransitionInput(reason="keine_passende_stelle"),
}
GOOD_CASE = {
    Stage.VOUCHER_ISSUED: {"counselling_outcome": "foerderfaehig"},
    Stage.APTITUDE_CHECK: {"counselling_outcome": "eignung_pruefen"},
    Stage.DECLINED_BY_AGENCY: {"counselling_outcome": "nicht_foerderfaehig"},
    Stage.NEED_IDENTIFIED: {"counselling_outcome": "alternative_empfohlen"},  # back from counselling: an alternative
    Stage.VOUCHER_EXPIRED: {"voucher_valid_until": date(2026, 11, 1)},
    Stage.ENROLMENT_APPROVED: {"voucher_valid_until": date(2026, 12, 20)},
    Stage.IN_TRAINING: {"course_start": date(2026, 11, 2)},
}

ALL_PAIRS = [(a, b) for a in Stage for b in Stage if b != Stage.CLOSED]


@pytest.mark.parametrize("src,dst", [(a, b) for a in Stage for b in process.TRANSITIONS[a]], ids=lambda s: s.value)
def test_every_allowed_transition_passes_with_good_data(src, dst):
    f = facts(src, **GOOD_CASE.get(dst, {}))
    if dst == Stage.COUNSELLING_SCHEDULED:  # S5 needs a planned counselling appointment
        f.appointments = [("aa_beratung", "geplant", datetime(2026, 11, 30, 9, tzinfo=UTC))]
    assert check_transition(f, dst, GOOD_INPUT.get(dst, TransitionInput()), side=side_for(src)) == []


@pytest.mark.parametrize(
    "src,dst", [(a, b) for a, b in ALL_PAIRS if b not in process.TRANSITIONS[a]], ids=lambda s: s.value
)
def test_every_other_transition_is_refused(src, dst):
    reasons = check_transition(facts(src), dst, GOOD_INPUT.get(dst, TransitionInput()), side=side_for(src))
    assert reasons, f"{src} -> {dst} must be refused"
    assert reasons[0][0] in ("guard.not_allowed", "guard.case_closed")


def test_every_stage_is_reachable_from_intake():
    seen, todo = {Stage.NEED_IDENTIFIED}, [Stage.NEED_IDENTIFIED]
    while todo:
        for nxt in process.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen | {Stage.CLOSED} == set(Stage)


def test_handover_needs_minimum_data_set_and_consent():
    f = CaseFacts(stage=Stage.NEED_IDENTIFIED, today=TODAY, person={"kundennummer": "123A456789"}, case={})
    keys = [k for k, _ in check_transition(f, Stage.READY, TransitionInput(), side=JC)]
    assert keys.count("guard.missing_field") == 8  # names, birth date, contact, KldB, type, schedule, necessity
    assert "guard.no_consent" in keys
    missing = process.missing_handover_items(f)
    assert "field.target_kldb" in missing and "field.contact" in missing


def test_legal_basis_replaces_consent():
    f = facts(Stage.OBSTACLES, legal_basis="sgb_x_69")
    f.consent_for_agentur = False
    assert check_transition(f, Stage.READY, TransitionInput(), side=JC) == []


def test_open_obstacles_block_handover_but_referred_ones_do_not():
    f = facts(Stage.OBSTACLES)
    f.obstacles = [("R-KIN", "offen", False), ("R-SCH", "in_bearbeitung", False)]
    reasons = check_transition(f, Stage.READY, TransitionInput(), side=JC)
    assert reasons == [("guard.open_obstacles", {"codes": "R-KIN"})]
    f.obstacles = [("R-KIN", "geloest", False), ("R-SCH", "in_bearbeitung", False)]
    assert check_transition(f, Stage.READY, TransitionInput(), side=JC) == []


def test_invalid_kldb_is_missing():
    f = facts(Stage.NEED_IDENTIFIED, target_kldb="52125")  # 5th digit must be 1-4
    assert ("guard.missing_field", {"field": "field.target_kldb"}) in check_transition(
        f, Stage.READY, TransitionInput(), side=JC
    )


def test_voucher_needs_counselling_first():
    f = facts(Stage.COUNSELLED)  # no outcome recorded
    reasons = check_transition(f, Stage.VOUCHER_ISSUED, TransitionInput(valid_until=date(2027, 1, 1)), side=AA)
    assert ("guard.voucher_needs_counselling", {}) in reasons


@pytest.mark.parametrize(
    "valid_until,ok",
    [(date(2027, 2, 25), True), (date(2027, 2, 26), False), (date(2026, 11, 26), True), (date(2026, 11, 25), False)],
)
def test_voucher_validity_at_most_three_months(valid_until, ok):
    f = facts(Stage.COUNSELLED, counselling_outcome="foerderfaehig")
    reasons = check_transition(f, Stage.VOUCHER_ISSUED, TransitionInput(valid_until=valid_until), side=AA)
    assert (reasons == []) is ok


def test_voucher_three_months_from_month_end():
    assert process.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_close_needs_reason_and_jobcenter():
    f = facts(Stage.IN_TRAINING)
    assert check_transition(f, Stage.CLOSED, TransitionInput(), side=JC)[0][0] == "guard.close_needs_reason"
    assert (
        check_transition(f, Stage.CLOSED, TransitionInput(reason="moved"), side=AA)[0][0] == "guard.close_by_jobcenter"
    )
    assert check_transition(f, Stage.CLOSED, TransitionInput(reason="bogus"), side=JC)[0][0] == "guard.bad_value"
    assert (
        check_transition(f, Stage.CLOSED, TransitionInput(reason="integrated"), side=JC)[0][0]
        == "guard.close_integrated_needs_stage"
    )
    assert check_transition(f, Stage.CLOSED, TransitionInput(reason="moved"), side=JC) == []
    assert check_transition(facts(Stage.INTEGRATED), Stage.CLOSED, TransitionInput(reason="integrated"), side=JC) == []


def test_closed_case_accepts_nothing():
    for target in Stage:
        assert check_transition(facts(Stage.CLOSED), target, TransitionInput(reason="other"), side=JC) == [
            ("guard.case_closed", {})
        ]


def test_wrong_side_is_refused_with_owner():
    f = facts(
        Stage.COUNSELLING_SCHEDULED,
        appointment_at=datetime(2026, 11, 20, tzinfo=UTC),
        counselling_outcome="foerderfaehig",
    )
    assert check_transition(f, Stage.COUNSELLED, TransitionInput(), side=JC) == [
        ("guard.wrong_side", {"owner": "agentur"})
    ]
    assert check_transition(facts(Stage.NEED_IDENTIFIED), Stage.OBSTACLES, TransitionInput(), side=AA) == [
        ("guard.wrong_side", {"owner": "jobcenter"})
    ]
    assert (
        check_transition(facts(Stage.NEED_IDENTIFIED), Stage.OBSTACLES, TransitionInput(), side="none")[0][0]
        == "guard.wrong_side"
    )


def test_counselling_needs_past_appointment_and_outcome():
    f = facts(Stage.COUNSELLING_SCHEDULED)
    keys = [k for k, _ in check_transition(f, Stage.COUNSELLED, TransitionInput(), side=AA)]
    assert keys == ["guard.no_appointment", "guard.no_outcome"]
    future = TransitionInput(appointment_at=datetime(2026, 12, 1, tzinfo=UTC), outcome="foerderfaehig")
    assert check_transition(f, Stage.COUNSELLED, future, side=AA)[0][0] == "guard.appointment_future"


def test_optional_stage_can_be_switched_off():
    f = facts(Stage.COUNSELLED, counselling_outcome="eignung_pruefen")
    f.enabled_optional = frozenset()
    assert check_transition(f, Stage.APTITUDE_CHECK, TransitionInput(), side=AA)[0][0] == "guard.stage_disabled"
    assert Stage.APTITUDE_CHECK not in process.allowed_targets(Stage.COUNSELLED, f)


def test_enrolment_needs_valid_voucher_and_start():
    f = facts(Stage.VOUCHER_ISSUED, voucher_valid_until=date(2026, 11, 24))
    keys = [k for k, _ in check_transition(f, Stage.ENROLMENT_APPROVED, TransitionInput(), side=AA)]
    assert keys == ["guard.voucher_expired", "guard.needs_course_start"]
    bad_end = TransitionInput(course_start=date(2026, 12, 1), course_end=date(2026, 11, 30))
    f2 = facts(Stage.VOUCHER_ISSUED, voucher_valid_until=date(2026, 12, 24))
    assert check_transition(f2, Stage.ENROLMENT_APPROVED, bad_end, side=AA) == [("guard.course_end_before_start", {})]


def test_voucher_expiry_only_after_validity():
    f = facts(Stage.VOUCHER_ISSUED, voucher_valid_until=date(2026, 12, 24))
    assert check_transition(f, Stage.VOUCHER_EXPIRED, TransitionInput(), side=AA)[0][0] == "guard.voucher_still_valid"


def test_training_start_not_in_future_and_dropout_needs_reason():
    f = facts(Stage.ENROLMENT_APPROVED, course_start=date(2026, 12, 1))
    assert check_transition(f, Stage.IN_TRAINING, TransitionInput(), side=AA)[0][0] == "guard.course_not_started"
    assert (
        check_transition(facts(Stage.IN_TRAINING), Stage.DROPPED_OUT, TransitionInput(), side=JC)[0][0]
        == "guard.needs_dropout_reason"
    )


def test_every_stage_has_owner_and_code():
    codes = [info.code for info in process.STAGES.values()]
    assert len(codes) == len(set(codes)) == len(Stage)
