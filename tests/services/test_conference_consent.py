"""Conference consent per participant (domain/conference.py): who may sit at the table, on which basis."""

from __future__ import annotations

from datetime import date

import pytest

from common import COMPLETE_CASE, TODAY
from wbtui.domain.errors import RuleViolation

DECISION = [("continue_as_planned", "ifk.ida", date(2026, 12, 10))]
IDA, ANTON = ("Ida Ifk", "jc_ifk", "Jobcenter"), ("Anton Berater", "aa_beratung", "Agentur")
DEBT, YOUTH = ("Frau Schuldner", "kommunaler_dienst", "Schuldnerberatung"), ("Herr Jung", "jugendamt", "Jugendamt")
PERSON = ("Berta Beispiel", "person", None)


def keys(exc) -> list[str]:
    return [key for key, _ in exc.reasons]


@pytest.fixture
def case_id(jc):
    return jc.create_case(COMPLETE_CASE)


def consent(jc, case_id, recipients):
    jc.add_consent(case_id, purpose="fallkonferenz", recipients=recipients, data_groups=["hemmnisse"], given_on=TODAY)


def test_a_case_discussion_under_69_admits_jobcenter_and_agentur_only(jc, case_id):
    assert jc.add_conference(case_id, variant="fallbesprechung", participants=[IDA, ANTON], decisions=DECISION)
    for outsider in (DEBT, YOUTH):
        with pytest.raises(RuleViolation) as refused:
            jc.add_conference(case_id, variant="fallbesprechung", participants=[IDA, outsider], decisions=DECISION)
        assert keys(refused.value) == ["guard.conference_only_staff"]


@pytest.mark.parametrize(
    ("recipients", "participants", "verdict"),
    [
        ([], [IDA, DEBT], "guard.conference_needs_consent"),
        (["kommunaler_dienst"], [IDA, ANTON, DEBT], None),  # staff rest on § 69; the debt counsellor is named
        (["kommunaler_dienst"], [IDA, DEBT, YOUTH], "guard.conference_not_covered"),  # the youth office is not
        (["jugendamt", "kommunaler_dienst"], [IDA, DEBT, YOUTH], None),
        (["agentur"], [IDA, ("X", "geheimdienst", None)], "guard.conference_unknown_kind"),
    ],
)
def test_without_the_person_every_institution_needs_its_coverage(jc, case_id, recipients, participants, verdict):
    if recipients:
        consent(jc, case_id, recipients)
    if verdict is None:
        assert jc.add_conference(case_id, variant="ohne_person", participants=participants, decisions=DECISION)
        return
    with pytest.raises(RuleViolation) as refused:
        jc.add_conference(case_id, variant="ohne_person", participants=participants, decisions=DECISION)
    assert keys(refused.value) == [verdict]


def test_with_the_person_the_person_is_at_the_table(jc, case_id):
    consent(jc, case_id, ["kommunaler_dienst"])
    with pytest.raises(RuleViolation) as refused:
        jc.add_conference(case_id, variant="mit_person", participants=[IDA, DEBT], decisions=DECISION)
    assert keys(refused.value) == ["guard.conference_needs_person"]
    assert jc.add_conference(case_id, variant="mit_person", participants=[IDA, DEBT, PERSON], decisions=DECISION)


def test_the_gate_preview_names_the_same_reasons(jc, case_id):
    assert jc.conference_gate(case_id, "fallbesprechung", [IDA, DEBT])[0][0] == "guard.conference_only_staff"
    assert jc.conference_gate(case_id, "ohne_person")[0][0] == "guard.conference_needs_consent"


def test_a_person_bound_by_professional_secrecy_needs_a_release_by_name(jc, case_id):
    """Item 9: a consent names institutions and, where a release from confidentiality requires it, persons."""
    doctor = ("Dr. Eva Maier", "berufsgeheimnistraeger", "Praxis Maier")
    consent(jc, case_id, ["kommunaler_dienst"])  # names the institution only
    with pytest.raises(RuleViolation) as refused:
        jc.add_conference(case_id, variant="ohne_person", participants=[IDA, DEBT, doctor], decisions=DECISION)
    assert keys(refused.value) == ["guard.conference_not_covered"]
    assert refused.value.reasons[0][1]["names"] == "Dr. Eva Maier"
    jc.add_consent(
        case_id,
        purpose="fallkonferenz",
        recipients=["kommunaler_dienst"],
        data_groups=["hemmnisse"],
        given_on=TODAY,
        persons=["dr. eva  MAIER"],
    )  # fmt: skip  (case and spacing do not matter)
    assert jc.add_conference(case_id, variant="ohne_person", participants=[IDA, DEBT, doctor], decisions=DECISION)
    from wbtui.domain.timers import TimerEngine

    shown = jc.read_case(case_id, TimerEngine(TODAY, jc.config.timers, jc.config.calendar()))["consents"]
    assert [len(c["persons"]) for c in shown] == [0, 1]
