"""Invitation letters (issue 15, item 7): plain German, the appointment's place and time, the office's
letterhead, and a template the office adapts in its configuration folder. Checked by the PDF's text
(pypdfium2) and rendered to PNG at 80 dpi in the run."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from common import COMPLETE_CASE
from wbtui.domain.errors import WbtuiError
from wbtui.domain.process import Stage


def planned(jc, aa) -> object:
    case_id = jc.create_case({**COMPLETE_CASE, "address": "Lindenweg 3, 12345 Musterstadt"})
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"],
                   given_on=date(2026, 11, 20))  # fmt: skip
    jc.move(case_id, Stage.READY)
    jc.send_handover(case_id)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 12, 2, 8, 30, tzinfo=UTC), location="Agentur, Raum 2.14")
    return aa.resolve_appointment(aa.reads.appointments(case_id=case_id.hex)[0]["id"])


def pdf_text(data: bytes, tmp_path, name: str) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=80 / 72).to_pil()  # 80 dpi
    image.save(tmp_path / f"{name}.png")
    assert abs(image.size[0] - 661) <= 1 and abs(image.size[1] - 935) <= 1  # A4 at 80 dpi
    return " ".join(text.split())


def test_invitation_names_place_time_and_letterhead_in_plain_german(store, jc, aa, tmp_path):
    from wbtui.services.letters import render_invitation

    appt = planned(jc, aa)
    text = pdf_text(render_invitation(aa, appt), tmp_path, "einladung")
    assert "Einladung zum Beratungsgespräch" in text
    assert "Guten Tag Berta Beispiel" in text
    assert "Mittwoch, 02.12.2026, um 08:30 Uhr" in text  # local time, as everywhere (the tests run in UTC)
    assert "Agentur, Raum 2.14" in text
    assert aa.config.office_name in text  # the letterhead
    assert "Lindenweg 3" in text  # the address window
    assert (tmp_path / "einladung.png").stat().st_size > 5_000


def test_the_office_adapts_the_text_in_its_configuration_folder(store, jc, aa, tmp_path):
    from wbtui.services.letters import render_invitation

    appt = planned(jc, aa)
    folder = aa.config.source.parent
    (folder / "einladung-beratung.txt").write_text(
        "Termin bei uns\nHallo $vorname,\nkommen Sie am $datum um $uhrzeit in $ort.\n$unbekannt bleibt\x1b[31m stehen.",
        encoding="utf-8",
    )
    text = pdf_text(render_invitation(aa, appt), tmp_path, "eigen")
    assert "Termin bei uns" in text and "Hallo Berta," in text
    assert "kommen Sie am 02.12.2026 um 08:30 in Agentur, Raum 2.14." in text
    assert "$unbekannt bleibt" in text and "\x1b" not in text


def test_a_letter_needs_a_planned_appointment(store, jc, aa, tmp_path):
    from wbtui.services.letters import render_invitation

    appt = planned(jc, aa)
    aa.set_appointment_status(appt, "cancelled", reason="verlegt")
    with pytest.raises(WbtuiError) as err:
        render_invitation(aa, appt)
    assert err.value.key == "err.letter_not_planned"
