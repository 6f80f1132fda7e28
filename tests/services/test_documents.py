"""Übergabebogen and Fallkonferenz protocol as Markdown: consent-limited content, markup-safe."""

from __future__ import annotations

from datetime import date

from common import COMPLETE_CASE, TODAY
from wbtui.i18n import describe


def test_handover_sheet_contains_only_allowed_groups_and_escapes_text(store, jc):
    case_id = jc.create_case({**COMPLETE_CASE, "family_name": "[Klick](https://phish.example) # Titel"})
    jc.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung")
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "hemmnisse"],
        given_on=TODAY,
    )
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    from wbtui.services.documents import handover_sheet

    sheet = handover_sheet(jc, case_id)
    assert sheet.startswith("# Übergabebogen FbW – Jobcenter Musterstadt")
    assert "123A456789" in sheet and "R-KIN" in sheet and "Kinderbetreuung" in sheet
    assert "L-GES" not in sheet and "Heben" not in sheet  # no health consent: not on paper either
    assert "\\[Klick\\](https://phish.example) # Titel" in sheet  # literal, never a link or heading
    assert "Rechtsgrundlage: Einwilligung (§ 67b SGB X)" in sheet


def test_conference_protocol(store, jc):
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_conference(
        case_id,
        variant="fallbesprechung",
        participants=[("Ida Ifk", "jc_ifk", "Jobcenter")],
        decisions=[("adjust_training", "ifk.ida", date(2026, 12, 10))],
        dissent="Person wünscht Teilzeit",
    )
    from wbtui.services.documents import conference_protocol

    text = conference_protocol(jc, case_id)
    assert (
        "Protokoll Fallkonferenz" in text
        and "Maßnahme anpassen" in text
        and "| 10.12.2026 |" in text
        and "Teilzeit" in text
    )


def _handed_over(jc, **extra):
    case_id = jc.create_case({**COMPLETE_CASE, **extra})
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung")
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "hemmnisse"],
        given_on=TODAY,
    )
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    return case_id


def _pdf_pages(data: bytes, tmp_path):
    """Render each PDF page to PNG (as a printer would see it) and extract its text."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    pages = []
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        image = page.render(scale=100 / 72).to_pil()
        target = tmp_path / f"page{index + 1}.png"
        image.save(target)
        pages.append(
            {
                "size_mm": (round(width / 72 * 25.4), round(height / 72 * 25.4)),
                "png": target,
                "image": image,
                "text": page.get_textpage().get_text_range(),
            }
        )
    return pages


def _ink_share(image) -> float:
    """Share of non-white pixels: a blank or black page is not a document."""
    gray = image.convert("L").resize((200, 283))
    dark = sum(1 for value in gray.getdata() if value < 200)
    return dark / (200 * 283)


def test_handover_sheet_pdf_renders_as_a4_page_with_the_allowed_content(store, jc, tmp_path):
    from wbtui.services.documents import render

    case_id = _handed_over(jc, family_name="Łukasiewicz-Öztürk", given_names="Ğül [b]x[/b]")
    data = render(jc, case_id, kind="handover", fmt="pdf")
    assert data.startswith(b"%PDF-")
    pages = _pdf_pages(data, tmp_path)
    # the sheet now also carries the consent, qualifications and signature lines: at most two A4 pages
    assert len(pages) <= 2 and all(page["size_mm"] == (210, 297) for page in pages)
    text = "\n".join(page["text"] for page in pages)
    for expected in (
        "Übergabebogen FbW – Jobcenter Musterstadt",
        "An: Agentur für Arbeit Musterstadt",
        "Rechtsgrundlage: Einwilligung (§ 67b SGB X)",
        "Kundennummer",
        "123A456789",
        "Łukasiewicz-Öztürk",
        "Ğül [b]x[/b]",
        "Kinderbetreuung",
        "Quittiert: Agentur für Arbeit Musterstadt",
        f"Seite {len(pages)}/{len(pages)}",
    ):
        assert expected in text, expected
    assert "L-GES" not in text and "Heben" not in text  # no health consent: not on paper either
    assert pages[0]["png"].stat().st_size > 10_000
    assert 0.01 < _ink_share(pages[0]["image"]) < 0.3


def test_conference_protocol_pdf_and_long_documents_break_pages(store, jc, tmp_path):
    from wbtui.services.documents import render

    case_id = jc.create_case(COMPLETE_CASE)
    people = [(f"Teilnehmerin {i:02d}", "jc_ifk", "Jobcenter Musterstadt") for i in range(60)]
    jc.add_conference(
        case_id,
        variant="fallbesprechung",
        participants=people,
        decisions=[("adjust_training", "ifk.ida", date(2026, 12, 10))],
        dissent="Person wünscht Teilzeit",
    )
    pages = _pdf_pages(render(jc, case_id, kind="conference", fmt="pdf"), tmp_path)
    assert len(pages) >= 2
    everything = "\n".join(p["text"] for p in pages)
    assert "Protokoll Fallkonferenz" in everything and "Maßnahme anpassen" in everything and "10.12.2026" in everything
    assert "Teilnehmerin 00" in everything and "Teilnehmerin 59" in everything and "Teilzeit" in everything
    assert f"Seite {len(pages)}/{len(pages)}" in pages[-1]["text"]


def test_pdf_without_unicode_font_refuses_rather_than_misprint(store, jc, tmp_path):
    import pytest

    from wbtui.domain.errors import WbtuiError
    from wbtui.services.documents import handover_document, to_pdf

    plain = _handed_over(jc)
    pages = _pdf_pages(to_pdf(handover_document(jc, plain), None), tmp_path)  # core font, Windows-1252
    assert "Übergabebogen FbW – Jobcenter Musterstadt" in pages[0]["text"]
    polish = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A456790", "family_name": "Łukasz"})
    jc.add_consent(polish, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.move(polish, "ready_for_handover")
    jc.send_handover(polish)
    with pytest.raises(WbtuiError) as info:
        to_pdf(handover_document(jc, polish), None)
    assert "[documents] font" in describe(info.value)


def test_cli_handover_print_pdf_writes_0600_file(store, jc, tmp_path):
    from common import run_cli

    case_id = _handed_over(jc)
    store.close()
    target = tmp_path / "bogen.pdf"
    result = run_cli("handover", "print", case_id.hex[:8], "--format", "pdf", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF-") and (target.stat().st_mode & 0o777) == 0o600
    again = run_cli("handover", "print", case_id.hex[:8], "--format", "pdf", "-o", str(target))
    assert again.returncode != 0 and "--force" in again.stderr
    no_file = run_cli("handover", "print", case_id.hex[:8], "--format", "pdf")
    assert no_file.returncode != 0 and "-o" in no_file.stderr and "Traceback" not in no_file.stderr
