"""The README's permission table is checked against domain/permissions.py, so it cannot drift: each
row's claim is evaluated with ``write_refusal`` for every field it names, and the Agentur's stage lists
are generated from the table itself."""

from __future__ import annotations

from pathlib import Path

from wbtui.domain.entities import ENTITIES
from wbtui.domain.permissions import TABLE, rule_for, write_refusal
from wbtui.domain.process import STAGES, Stage

README = Path(__file__).resolve().parents[2] / "README.md"
AGENTUR_FIELDS = {  # README label -> case field with the Agentur's stages
    "appointment": "appointment_at",
    "counselling outcome": "counselling_outcome",
    "voucher validity": "voucher_valid_until",
    "course dates and KURSNET id": "course_start",
}


def _codes(field: str) -> str:
    stages = rule_for("case", field).stages or frozenset()
    return ", ".join(info.code for stage, info in STAGES.items() if stage in stages)


def agentur_row() -> str:
    parts = [f"{label} ({_codes(field)})" for label, field in AGENTUR_FIELDS.items()]
    return "| " + ", ".join(parts) + ", vouchers | – | write |"


def _may(role: str, entity: str, field: str, *, new_row: bool = False, stage: Stage = Stage.NEED_IDENTIFIED) -> bool:
    return write_refusal(entity, field, role=role, new_row=new_row, stage_before=stage, stage_after=stage) is None


def test_the_readme_permission_table_says_what_domain_permissions_enforces():
    text = README.read_text(encoding="utf-8")
    assert agentur_row() in text, agentur_row()
    assert rule_for("case", "course_planned_end") == rule_for("case", "kursnet_id") == rule_for("case", "course_start")
    # person, need assessment, obstacles, consents: the Jobcenter writes, the Agentur does not
    for entity, fields in (
        ("person", [f for f in ENTITIES["person"].cols if f != "created_at"]),
        ("case", ["target_kldb", "training_type", "schedule", "necessity_reason", "legal_basis", "availability"]),
        ("obstacle", ["status", "service", "note"]),
        ("consent", ["purpose", "recipients", "data_groups", "revoked_on"]),
        ("qualification", ["title", "kldb_code", "country", "recognition_status", "year"]),
        ("work_episode", ["title", "kldb_code", "date_from", "date_to"]),
    ):
        for field in fields:
            assert _may("jc_ifk", entity, field), (entity, field)
            assert not _may("aa_beratung", entity, field, stage=Stage.COUNSELLED), (entity, field)
    # the functional health summary: the Jobcenter with art9.write only
    assert _may("jc_ifk", "case", "health_limits_summary")
    assert not _may("jc_teamlead", "case", "health_limits_summary")
    assert not _may("aa_reha", "case", "health_limits_summary")
    # the handover: the Jobcenter sends, the Agentur acknowledges or queries
    assert _may("jc_ifk", "handover", "package", new_row=True) and not _may(
        "aa_beratung", "handover", "package", new_row=True
    )
    assert _may("aa_beratung", "handover", "status", stage=Stage.HANDED_OVER)
    assert _may("aa_beratung", "handover", "query_text", stage=Stage.HANDED_OVER)
    # the Agentur's data: vouchers and the fields above, never the Jobcenter
    for field in AGENTUR_FIELDS.values():
        stage = next(iter(rule_for("case", field).stages or ()))
        assert _may("aa_beratung", "case", field, stage=stage) and not _may("jc_ifk", "case", field, stage=stage)
    assert _may("aa_beratung", "voucher", "status", new_row=True) and not _may(
        "jc_ifk", "voucher", "status", new_row=True
    )
    # contacts and follow-ups: both sides; the timeline is append-only
    assert _may("jc_ifk", "task", "title", new_row=True) and _may("aa_beratung", "task", "title", new_row=True)
    assert TABLE["event"]["*"].update == frozenset()
    # stage and close reason: only by a transition; roles without case work write nothing
    assert rule_for("case", "stage").process and rule_for("case", "close_reason").process
    # ... and only with it: alone they are refused, with their transition they are taken
    for field in ("stage", "stage_since", "close_reason", "closed_at"):
        assert not _may("jc_ifk", "case", field, stage=Stage.COMPLETED), field
    S = Stage
    assert write_refusal("case", "close_reason", role="jc_ifk", new_row=False, stage_before=S.COMPLETED,
                         stage_after=S.CLOSED) is None  # fmt: skip
    assert write_refusal("case", "decline_reason", role="aa_beratung", new_row=False, stage_before=S.COUNSELLED,
                         stage_after=S.DECLINED_BY_AGENCY) is None  # fmt: skip
    assert not _may("aa_beratung", "case", "decline_reason", stage=Stage.DECLINED_BY_AGENCY)
    assert not _may("dsb", "case", "availability") and not _may("admin", "case", "availability")
