"""The write-permission table and the consent projection (domain/permissions.py, domain/projection.py),
down to the field: organisation side x role x entity x field x stage x action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from wbtui.domain.entities import ART9_CODES, ENTITIES
from wbtui.domain.permissions import TABLE, event_refusal, write_refusal
from wbtui.domain.process import Stage
from wbtui.domain.projection import covered_groups, project_event, project_package, row_visible, visible_fields

S = Stage
JC_ROLES, AA_ROLES, NO_CASE_ROLES = (
    ("jc_ifk", "jc_fallmanager", "jc_teamlead"),
    ("aa_beratung", "aa_reha"),
    ("dsb", "admin"),
)


def refusal(entity, field, role, before=S.NEED_IDENTIFIED, after=None, *, new=False, art9_row=False, own_row=True):
    return write_refusal(entity, field, role=role, new_row=new, stage_before=before, stage_after=after or before,
                         art9_row=art9_row, own_row=own_row)  # fmt: skip


def test_every_synced_entity_has_a_rule_for_every_field():
    for name, entity in ENTITIES.items():
        assert name in TABLE, name
        assert "*" in TABLE[name] or set(entity.cols) <= set(TABLE[name]), name
        assert set(TABLE[name]) - {"*"} <= set(entity.cols), name


@pytest.mark.parametrize("role", NO_CASE_ROLES + ("nobody",))
def test_roles_without_case_work_write_nothing(role):
    for entity in ENTITIES.values():
        for field in entity.cols:
            assert refusal(entity.name, field, role, new=True) == "role"


@pytest.mark.parametrize("role", AA_ROLES)
def test_the_agentur_cannot_touch_the_jobcenters_data(role):
    for field in ("family_name", "address", "kundennummer"):
        assert refusal("person", field, role, S.COUNSELLED) == "side"
    for field in ("target_kldb", "necessity_reason", "legal_basis", "availability"):
        assert refusal("case", field, role, S.COUNSELLED) == "side"
    # a stage is written only as a transition (whose rules domain/process.py checks), never alone
    assert refusal("case", "stage", role, S.COUNSELLED, S.VOUCHER_ISSUED) is None
    assert refusal("case", "stage", role, S.COUNSELLED) == "process"
    assert refusal("obstacle", "status", role, S.COUNSELLED) == "side"
    assert refusal("obstacle", "code", role, S.COUNSELLED, new=True) == "side"
    assert refusal("consent", "revoked_on", role, S.COUNSELLED) == "side"
    assert refusal("handover", "package", role, S.HANDED_OVER) == "immutable"


@pytest.mark.parametrize("role", JC_ROLES)
def test_the_jobcenter_cannot_set_the_agenturs_decisions(role):
    for field in ("counselling_outcome", "appointment_at", "voucher_valid_until", "course_start", "kursnet_id"):
        assert refusal("case", field, role, S.COUNSELLING_SCHEDULED) == "side", field
    assert refusal("voucher", "valid_until", role, S.VOUCHER_ISSUED) == "side"
    assert refusal("handover", "status", role, S.HANDED_OVER) == "side"
    assert refusal("handover", "query_text", role, S.HANDED_OVER) == "side"


def test_agentur_fields_only_in_the_agenturs_stages():
    assert refusal("case", "counselling_outcome", "aa_beratung", S.COUNSELLING_SCHEDULED) is None
    assert refusal("case", "counselling_outcome", "aa_beratung", S.NEED_IDENTIFIED) == "stage"
    assert refusal("case", "voucher_valid_until", "aa_beratung", S.COUNSELLED, S.VOUCHER_ISSUED) is None
    assert refusal("case", "voucher_valid_until", "aa_beratung", S.IN_TRAINING) == "stage"
    assert refusal("case", "appointment_at", "aa_beratung", S.HANDED_OVER, S.COUNSELLING_SCHEDULED) is None


def test_health_data_needs_art9_write():
    assert refusal("case", "health_limits_summary", "jc_ifk") is None
    assert refusal("case", "health_limits_summary", "jc_teamlead") == "art9"
    assert refusal("obstacle", "note", "jc_teamlead", art9_row=True) == "art9"
    assert refusal("obstacle", "note", "jc_teamlead") is None


def test_closed_cases_take_no_writes_and_fixed_fields_never_change():
    assert refusal("person", "phone", "jc_ifk", S.CLOSED) == "closed"
    assert refusal("case", "close_reason", "jc_ifk", S.INTEGRATED, S.CLOSED) is None
    assert refusal("case", "person_id", "jc_ifk") == "immutable"
    assert refusal("obstacle", "art9", "jc_ifk") == "immutable"
    assert refusal("event", "type", "jc_ifk") == "immutable"


def test_process_fields_are_written_only_with_the_transition_that_sets_them():
    # alone (the stage stays): refused for every side that could otherwise write them
    for field in ("stage", "stage_since", "close_reason", "closed_at"):
        assert refusal("case", field, "jc_ifk", S.IN_TRAINING) == "process", field
    assert refusal("case", "stage_since", "aa_beratung", S.COUNSELLED) == "process"
    assert refusal("case", "decline_reason", "aa_beratung", S.DECLINED_BY_AGENCY) == "process"
    assert refusal("case", "dropout_reason", "aa_beratung", S.DROPPED_OUT) == "process"
    assert refusal("case", "non_integration_reason", "jc_ifk", S.NOT_YET_INTEGRATED) == "process"
    # with their transition: taken
    assert refusal("case", "stage_since", "aa_beratung", S.HANDED_OVER, S.COUNSELLING_SCHEDULED) is None
    assert refusal("case", "close_reason", "jc_ifk", S.COMPLETED, S.CLOSED) is None
    assert refusal("case", "closed_at", "jc_ifk", S.COMPLETED, S.CLOSED) is None
    assert refusal("case", "decline_reason", "aa_beratung", S.COUNSELLED, S.DECLINED_BY_AGENCY) is None
    assert refusal("case", "dropout_reason", "jc_ifk", S.IN_TRAINING, S.DROPPED_OUT) is None
    assert refusal("case", "non_integration_reason", "jc_ifk", S.COMPLETED, S.NOT_YET_INTEGRATED) is None
    # with another transition: a reason belongs to the stage it explains
    assert refusal("case", "close_reason", "jc_ifk", S.NEED_IDENTIFIED, S.OBSTACLES) == "process"
    assert refusal("case", "dropout_reason", "jc_ifk", S.ENROLMENT_APPROVED, S.IN_TRAINING) == "process"
    # a new row carries them (a case taken in, an exchange file imported)
    assert refusal("case", "stage_since", "jc_ifk", new=True) is None
    # the side still decides first
    assert refusal("case", "close_reason", "aa_beratung", S.IN_TRAINING) == "side"


def test_follow_ups_are_edited_by_their_own_office_only():
    assert refusal("task", "status", "aa_beratung", S.COUNSELLED, own_row=False) == "not_own_row"
    assert refusal("task", "status", "aa_beratung", S.COUNSELLED) is None
    assert refusal("task", "title", "jc_ifk", new=True, own_row=False) is None


def test_timeline_entries_by_the_side_that_does_the_step():
    assert event_refusal("case_closed", role="aa_beratung") == "side"
    assert event_refusal("voucher_issued", role="jc_ifk") == "side"
    assert event_refusal("stage_changed", role="aa_beratung") is None
    assert event_refusal("stage_changed", role="dsb") == "role"


@dataclass
class C:
    purpose: str
    recipients: list
    data_groups: list
    given_on: date
    valid_until: date | None = None
    revoked_on: date | None = None


DAY = date(2026, 11, 25)


def test_coverage_by_basis_and_consent():
    assert covered_groups("consent", [], DAY) == {"weiterbildung", "stammdaten", "einwilligung"}
    assert covered_groups("sgb_x_69", [], DAY) >= {"hemmnisse", "qualifikation"}
    assert "gesundheit" not in covered_groups("sgb_x_69", [], DAY)  # § 76 SGB X: never by statute
    hemmnisse = C("fbw_uebergabe", ["agentur"], ["stammdaten", "hemmnisse"], DAY)
    health = C("fbw_uebergabe", ["agentur"], ["gesundheit"], DAY)
    assert "gesundheit" not in covered_groups("consent", [hemmnisse], DAY)
    assert "gesundheit" in covered_groups("consent", [health], DAY)
    revoked = C("fbw_uebergabe", ["agentur"], ["gesundheit"], DAY, revoked_on=DAY)
    assert "gesundheit" not in covered_groups("consent", [revoked], DAY)
    other = C("fallkonferenz", ["agentur"], ["gesundheit"], DAY)
    assert "gesundheit" not in covered_groups("consent", [other], DAY)


def test_projection_withholds_health_and_private_notes():
    groups = covered_groups("consent", [C("fbw_uebergabe", ["agentur"], ["hemmnisse"], DAY)], DAY)
    assert visible_fields("case", ["target_kldb", "health_limits_summary"], groups) == ["target_kldb"]
    assert not row_visible("obstacle", groups, art9_row=True)
    assert row_visible("obstacle", groups)
    assert "note" not in visible_fields("obstacle", ["code", "status", "note"], groups)
    assert not row_visible("task", groups)
    health_code = sorted(ART9_CODES)[0]
    assert project_event({"type": "obstacle_added", "payload": {"code": health_code}}, groups, ART9_CODES) is None
    step = project_event({"type": "stage_changed", "payload": {"note": "intern", "x": 1}}, groups, ART9_CODES)
    assert step == {"type": "stage_changed", "payload": {"x": 1}}
    package = {"person": {"family_name": "B"}, "case": {"health_limits_summary": "x", "schedule": "vollzeit"},
               "obstacles": [{"code": health_code, "status": "offen"}, {"code": "R-KIN", "status": "offen", "note": "n"}]}  # fmt: skip
    cut = project_package(package, groups, ART9_CODES)
    assert cut["case"] == {"schedule": "vollzeit"} and cut["obstacles"] == [{"code": "R-KIN", "status": "offen"}]
