"""Issue 15, the pure rules: who receives work (absences and deputies), who writes the new fields (the
permission table the server enforces too), the reasons the process requires, § 87a SGB III."""

from __future__ import annotations

from datetime import date

from wbtui.domain.assignment import TEAM_INBOX, AbsenceSpan, check_login, may_assign, route
from wbtui.domain.benefits import entitlements
from wbtui.domain.entities import check_value
from wbtui.domain.permissions import write_refusal
from wbtui.domain.process import REASON_FIELDS, Stage

DAY = date(2026, 11, 25)


def test_work_for_an_absent_colleague_went_nowhere__now_to_the_deputy_then_the_team_inbox():
    ole = AbsenceSpan("ifk.ole", "ifk.max", date(2026, 11, 20), date(2026, 12, 4))
    assert route("ifk.ole", [ole], DAY) == ("ifk.max", ["ifk.ole"])
    assert route("ifk.ole", [ole], date(2026, 12, 5)) == ("ifk.ole", [])  # back at work
    max_away = AbsenceSpan("ifk.max", None, DAY, DAY)
    assert route("ifk.ole", [ole, max_away], DAY) == (None, ["ifk.ole", "ifk.max"])  # nobody: the team inbox
    circle = AbsenceSpan("ifk.max", "ifk.ole", DAY, DAY)
    assert route("ifk.ole", [ole, circle], DAY)[0] is None  # deputies away for each other: no endless loop
    assert route(None, [], DAY) == (None, []) and route(TEAM_INBOX, [], DAY) == (None, [])


def test_only_the_jobcenter_assigns_and_logins_are_plain():
    assert may_assign("jc_ifk") and may_assign("jc_teamlead")
    assert not may_assign("aa_beratung") and not may_assign("dsb")
    assert check_login("ifk.ole") and not check_login("ifk ole") and not check_login("ifk\x1bole")


def _refusal(field: str, role: str, stage: Stage) -> str | None:
    return write_refusal("case", field, role=role, new_row=False, stage_before=stage, stage_after=stage)


def test_the_new_fields_follow_the_permission_table():
    assert _refusal("voucher_number", "aa_beratung", Stage.COUNSELLED) is None
    assert _refusal("voucher_number", "jc_ifk", Stage.COUNSELLED) == "side"
    assert _refusal("provider_name", "aa_beratung", Stage.NEED_IDENTIFIED) == "stage"
    assert _refusal("final_exam", "jc_ifk", Stage.COMPLETED) is None  # either office records the exams
    assert _refusal("final_exam", "aa_beratung", Stage.IN_TRAINING) is None
    assert _refusal("owner_login", "aa_beratung", Stage.IN_TRAINING) == "side"
    assert _refusal("decline_reason", "jc_ifk", Stage.DECLINED_BY_AGENCY) == "side"
    assert check_value("case", "decline_reason", "haushaltsmittel") is None
    assert check_value("case", "decline_reason", "kein_geld") == "value"
    assert check_value("case", "interim_exam", "bestanden") is None


def test_every_stopping_transition_names_the_field_of_its_reason():
    assert {s: f for s, (f, _codes) in REASON_FIELDS.items()} == {
        Stage.DECLINED_BY_AGENCY: "decline_reason",
        Stage.DROPPED_OUT: "dropout_reason",
        Stage.NOT_YET_INTEGRATED: "non_integration_reason",
        Stage.CLOSED: "close_reason",
    }


def test_section_87a_needs_a_two_year_occupation_and_funding():
    closed_without_course = {"stage": "closed", "qualification_2y": True, "course_start": None}
    assert entitlements(closed_without_course).allowance_monthly == 0
    closed_after_course = {**closed_without_course, "course_start": date(2025, 3, 3), "final_exam": "bestanden"}
    assert entitlements(closed_after_course).final_premium == 1500
