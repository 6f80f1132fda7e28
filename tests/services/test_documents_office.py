"""Issue 15 item 10: the documents a caseworker files — checked by their text (pypdfium2) and rendered to PNG
at 80 dpi in the test run, as a printer or a scanner would see them. With ``WBTUI_DOC_PNG_DIR`` set, the
rendered first pages are also kept there (for a review)."""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from common import COMPLETE_CASE, JC_CONFIG, TODAY, write_config

OFFICE = 'phone = "0611 12345-0"\nmailbox = "Jobcenter-Musterstadt.FbW@jobcenter-ge.de"\n'


@pytest.fixture
def office(store, tmp_path):
    from wbtui.config import load
    from wbtui.services import Services

    text = JC_CONFIG.format(lang="de").replace("[user]", OFFICE + "[user]")
    return Services(store, load(write_config(tmp_path, text, "office.toml")), today=TODAY)


def _pages(data: bytes, tmp_path, name: str) -> list[str]:
    """Every page rendered at 80 dpi to PNG, and its text."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    texts = []
    for index in range(len(pdf)):
        page = pdf[index]
        image = page.render(scale=80 / 72).to_pil()
        target = tmp_path / f"{name}-{index + 1}.png"
        image.save(target)
        assert abs(image.size[0] - 661) <= 1 and abs(image.size[1] - 935) <= 1  # A4 at 80 dpi
        texts.append(page.get_textpage().get_text_range())
        keep = os.environ.get("WBTUI_DOC_PNG_DIR")
        if keep and index == 0:
            shutil.copy(target, os.path.join(keep, f"{name}.png"))
    return texts


def _sent(jc, *, health: bool = False):
    case_id = jc.create_case(COMPLETE_CASE)
    jc.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung")  # Art. 9
    groups = ["stammdaten", "qualifikation", "hemmnisse"] + (["gesundheit"] if health else [])
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=groups, given_on=date(2026, 11, 20),
                   document_ref="EV-2026-0117")  # fmt: skip
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    return case_id


def _qualification(services, case_id) -> None:
    services.add_qualification(case_id, "Verkäuferin", kldb_code="62102", recognition="full", year=2004)
    services.add_work_episode(case_id, "Kassiererin", date_from=date(2005, 3, 1), date_to=date(2019, 6, 30))


def test_the_handover_sheet_lacked_what_the_agentur_needs__now_send_date_contact_title_consent_and_history(
    store, office, tmp_path
):
    from wbtui.services.documents import render

    case_id = _sent(office)
    _qualification(office, case_id)
    text = "\n".join(_pages(render(office, case_id, kind="handover", fmt="pdf"), tmp_path, "uebergabebogen"))
    for expected in (
        "Übergeben am: 25.11.2026",  # the day it was sent
        "Telefon: 0611 12345-0",
        "Funktionspostfach: Jobcenter-Musterstadt.FbW@jobcenter-ge.de",
        "Berufskraftfahrer/innen (Güterverkehr/LKW)",  # the target occupation's official title
        "Erteilt am",
        "20.11.2026",
        "Stammdaten, Qualifikation, Hemmnisse",
        "EV-2026-0117",
        "Verkäuferin",
        "Kassiererin",
        "01.03.2005",
        "Ort, Datum, Unterschrift",
    ):
        assert expected in text, expected
    assert "Erstellt am" not in text  # no print date posing as the handover's date
    # no consent for health data: left out, and the sheet says so
    assert "L-GES" not in text and "Heben" not in text
    assert "Hinweis: 2 Angabe(n) zur Gesundheit (Art. 9 DSGVO) wurden nicht übermittelt" in text


def test_with_a_health_consent_nothing_is_withheld_and_no_note_is_printed(store, office, tmp_path):
    from wbtui.services.documents import render

    case_id = _sent(office, health=True)
    text = "\n".join(_pages(render(office, case_id, kind="handover", fmt="pdf"), tmp_path, "bogen-gesundheit"))
    assert "L-GES" in text and "Heben" in text and "Hinweis:" not in text


def test_the_protocol_showed_logins_and_codes__now_names_roles_place_time_minutes_distribution(store, office, tmp_path):
    from wbtui.services.documents import render

    case_id = office.create_case(COMPLETE_CASE)
    office.add_conference(
        case_id,
        variant="fallbesprechung",
        participants=[("Ida Ifk", "jc_ifk", "Jobcenter Musterstadt"), ("Anton Berater", "aa_beratung",
                                                                         "Agentur für Arbeit Musterstadt")],
        decisions=[("adjust_training", "ifk.ida", date(2026, 12, 10))],
        place="Jobcenter, Raum 2.14",
        start_time="10:30",
        minutes={"status": "Kurs läuft, Fehlzeiten wegen Kinderbetreuung", "options": "Teilzeit prüfen"},
        distribution=["Agentur für Arbeit Musterstadt, Team Weiterbildungsberatung", "Akte"],
    )  # fmt: skip
    text = "\n".join(_pages(render(office, case_id, kind="conference", fmt="pdf"), tmp_path, "fallkonferenz-protokoll"))
    for expected in (
        "Ort: Jobcenter, Raum 2.14",
        "Uhrzeit: 10:30 Uhr",
        "Leitung: Ida Ifk (Integrationsfachkraft)",
        "Beratung der Agentur",  # roles in German
        "Kurs läuft, Fehlzeiten wegen Kinderbetreuung",
        "Teilzeit prüfen",
        "Information der Person",  # the person was not there: the item is on the agenda
        "Maßnahme anpassen",
        "Verteiler",
        "Team Weiterbildungsberatung",
        "Ort, Datum, Unterschrift – Protokollführung: Ida Ifk (Integrationsfachkraft)",
    ):
        assert expected in text, expected
    assert "ifk.ida" not in text and "jc_ifk" not in text and "aa_beratung" not in text


def test_the_person_present_still_got_an_item_to_be_informed__now_only_when_absent(store, office, tmp_path):
    from wbtui.services.documents import conference_protocol

    case_id = office.create_case(COMPLETE_CASE)
    office.add_consent(case_id, purpose="fallkonferenz", recipients=["agentur"], data_groups=["hemmnisse"],
                       given_on=TODAY)  # fmt: skip
    office.add_conference(
        case_id,
        variant="mit_person",
        participants=[("Ida Ifk", "jc_ifk", "Jobcenter"), ("Berta Beispiel", "person", None)],
        decisions=[("continue_as_planned", "ifk.ida", date(2026, 12, 10))],
    )
    text = conference_protocol(office, case_id)
    assert "Information der Person" not in text
    assert "die Person selbst" in text and "Zur Kenntnis: Berta Beispiel" in text


def test_markdown_escaped_ordinary_punctuation__now_it_reads_as_written_and_stays_inert(store, office):
    from wbtui.services.documents import handover_sheet

    case_id = office.create_case({**COMPLETE_CASE, "family_name": "Müller-Lüdenscheidt (geb. Schmidt)"})
    office.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"],
                       given_on=TODAY)  # fmt: skip
    office.move(case_id, "ready_for_handover")
    office.send_handover(case_id)
    sheet = handover_sheet(office, case_id)
    assert "Müller-Lüdenscheidt (geb. Schmidt)" in sheet
    assert "Rechtsgrundlage: Einwilligung (§ 67b SGB X)" in sheet
    assert "\\-" not in sheet and "\\(" not in sheet and "\\." not in sheet
