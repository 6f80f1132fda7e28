"""Übergabebogen and Fallkonferenz protocol as Markdown: consent-limited content, markup-safe."""

from __future__ import annotations

from datetime import date

from conftest import COMPLETE_CASE, TODAY


def test_handover_sheet_contains_only_allowed_groups_and_escapes_text(store, jc):
    case_id = jc.create_case({**COMPLETE_CASE, "family_name": "[Klick](https://phish.example) # Titel"})
    jc.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung")
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten", "hemmnisse"], given_on=TODAY)
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    from wbtui.data.documents import handover_sheet

    sheet = handover_sheet(jc, case_id)
    assert sheet.startswith("# Übergabebogen FbW – Jobcenter Musterstadt")
    assert "123A456789" in sheet and "R\\-KIN" in sheet and "Kinderbetreuung" in sheet
    assert "L-GES" not in sheet and "L\\-GES" not in sheet and "Heben" not in sheet  # no health consent: not on paper either
    assert "\\[Klick\\]\\(https://phish\\.example\\) \\# Titel" in sheet  # literal, never a link or heading
    assert "Einwilligung (§ 67b SGB X)" in sheet


def test_conference_protocol(store, jc):
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_conference(case_id, variant="fallbesprechung", participants=[("Ida Ifk", "jc_ifk", "Jobcenter")],
                      decisions=[("adjust_training", "ifk.ida", date(2026, 12, 10))], dissent="Person wünscht Teilzeit")
    from wbtui.data.documents import conference_protocol

    text = conference_protocol(jc, case_id)
    assert "Protokoll Fallkonferenz" in text and "Maßnahme anpassen" in text and "10.12.2026" in text and "Teilzeit" in text
