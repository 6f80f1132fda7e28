"""The return channel without a shared server, through the real screens at 80x24 (issue 15, item 2): the
Jobcenter chooses the handover file as the channel and writes it (``u``, ``s``, ``d``), the Agentur reads it
from its inbox (``i``, ``d``), writes its feedback file from the case (``u``, ``f``), and the Jobcenter reads
that from its inbox — two stores, nothing shared but the files."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from common import COMPLETE_CASE, TODAY
from tui_helpers import make_app, make_config, open_case, screen_text, services_for, settle


def _rows(db, sql: str, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


async def _answer_prompt(pilot, path) -> None:
    """The path prompt (default: the documents folder): the file goes where the test says."""
    app = pilot.app
    assert type(app.screen).__name__ == "Prompt", type(app.screen).__name__
    app.screen.query_one("#prompt").value = str(path)
    await pilot.press("enter")
    await settle(pilot, 6)


def test_handover_and_feedback_files_travel_through_the_tui_between_two_stores(tmp_path):
    from wbtui.data.store import open_store
    from wbtui.domain.process import Stage
    from wbtui.services import Services

    jc_db = tmp_path / "jc.db"  # no demo cases: the inbox shows this case's entries only
    store, jc = services_for(jc_db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000042", "family_name": "Datei"})
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.move(case_id, Stage.READY)
    store.close()
    aa_db = tmp_path / "aa.db"
    aa_store = open_store(aa_db)
    Services(aa_store, make_config(tmp_path, "aa"), today=TODAY).actor  # noqa: B018 - the Agentur's own office
    aa_store.close()
    handover_file, feedback_file = tmp_path / "uebergabe.json", tmp_path / "rueckmeldung.json"

    async def jobcenter_sends() -> None:
        app = make_app(tmp_path, jc_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("u", "s")
            await settle(pilot)
            text = screen_text(app)
            assert "Übergabedatei" in text or "Datei" in text  # the channel is asked for
            await pilot.press("d")  # the handover file
            await settle(pilot)
            await pilot.press("j")  # confirmed, naming the person
            await settle(pilot, 6)
            await _answer_prompt(pilot, handover_file)
            assert handover_file.exists()

    asyncio.run(jobcenter_sends())
    assert _rows(jc_db, "SELECT channel, status FROM handover WHERE case_id = ?", case_id.hex) == [
        ("file_export", "sent")
    ]
    assert oct(handover_file.stat().st_mode & 0o777) == "0o600"
    assert json.loads(handover_file.read_text(encoding="utf-8"))["format"] != "wbtui-rueckmeldung"

    async def agentur_imports_acknowledges_and_reports() -> None:
        app = make_app(tmp_path, aa_db, "aa")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("i", "d")
            await settle(pilot)
            await _answer_prompt(pilot, handover_file)
            assert "1 Übergabe zu quittieren" in screen_text(app)  # the case waits in the inbox
            await pilot.press("a")  # acknowledged from the inbox, after the confirmation naming the person
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot, 6)
            assert _rows(aa_db, "SELECT status FROM handover") == [("accepted",)]
            await open_case(pilot, case_id)
            await pilot.press("u", "f")  # the feedback file from the case's handover screen
            await settle(pilot)
            await _answer_prompt(pilot, feedback_file)
            assert feedback_file.exists()

    asyncio.run(agentur_imports_acknowledges_and_reports())
    assert json.loads(feedback_file.read_text(encoding="utf-8"))["format"] == "wbtui-rueckmeldung"

    async def jobcenter_reads_feedback() -> None:
        app = make_app(tmp_path, jc_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("i", "d")
            await settle(pilot)
            await _answer_prompt(pilot, feedback_file)
            text = screen_text(app)
            # the Agentur's entries are listed in the inbox, unread (•)
            lines = [line for line in text.splitlines() if "Datei, Berta" in line]
            assert any(line.lstrip().startswith("• Übergabe quitti") for line in lines), text

    asyncio.run(jobcenter_reads_feedback())
    assert _rows(jc_db, "SELECT stage FROM fbw_case WHERE id = ?", case_id.hex) == [("handed_over",)]
    assert _rows(jc_db, "SELECT status FROM handover WHERE case_id = ?", case_id.hex) == [("accepted",)]
