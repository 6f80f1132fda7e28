"""Findings of the independent new-user tester (issues #14/#15), each through the real screens at 80x24."""

from __future__ import annotations

import asyncio

from common import COMPLETE_CASE, TODAY
from tui_helpers import make_app, make_config, screen_text, settle


def _jc_case(tmp_path, kdnr: str = "123A000042"):
    """A Jobcenter store with one case ready to hand over (S3), and the case's id."""
    from wbtui.data.store import open_store
    from wbtui.domain.process import Stage
    from wbtui.services import Services

    db = tmp_path / "jc.db"
    store = open_store(db)
    jc = Services(store, make_config(tmp_path, "jc"), today=TODAY)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": kdnr, "family_name": "Datei"})
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.move(case_id, Stage.READY)
    return db, store, jc, case_id


async def _answer_prompt(pilot, value: str) -> None:
    app = pilot.app
    assert type(app.screen).__name__ == "Prompt", type(app.screen).__name__
    app.screen.query_one("#prompt").value = value
    await pilot.press("enter")
    await settle(pilot, 6)


def test_h1_board_shows_case_read_from_handover_file_at_once(tmp_path):
    from wbtui.data.store import open_store
    from wbtui.services import Services

    _db, store, jc, case_id = _jc_case(tmp_path)
    handover_file = tmp_path / "uebergabe.json"
    store.close()
    aa_db = tmp_path / "aa.db"  # a fresh Agentur: its store is made when wbtui starts
    from wbtui.services import exchange

    store = open_store(_db)
    jc = Services(store, make_config(tmp_path, "jc"), today=TODAY)
    jc.send_handover(case_id, channel="file_export")
    exchange.write(exchange.build(jc, case_id), handover_file)
    store.close()

    async def agentur_reads_the_file() -> None:
        app = make_app(tmp_path, aa_db, "aa")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "Datei, Berta" not in screen_text(app)
            await pilot.press("i", "d")
            await settle(pilot)
            await _answer_prompt(pilot, str(handover_file))
            await pilot.press("escape")
            await settle(pilot, 6)
            text = screen_text(app)
            assert "Datei, Berta" in text, text

    asyncio.run(agentur_reads_the_file())


def test_h3_handover_file_asks_path_first_and_esc_sends_nothing(tmp_path):
    import sqlite3

    from wbtui.messages import OpenCase

    db, store, _jc, case_id = _jc_case(tmp_path)
    store.close()
    target = tmp_path / "uebergabe.json"

    def stage() -> str:
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT stage FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
        finally:
            con.close()

    async def send_twice() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            app.post_message(OpenCase(case_id.hex))
            await settle(pilot)
            await pilot.press("u", "s")
            await settle(pilot)
            assert "Übergabedatei" in screen_text(app)  # the channel dialog names the file as the key bar does
            await pilot.press("d")
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot)
            text = screen_text(app)
            assert "Übergabedatei speichern unter (.json" in text, text
            await pilot.press("escape")  # cancelled: nothing sent, no file
            await settle(pilot)
            assert stage() == "ready_for_handover" and not target.exists()
            await pilot.press("s", "d")
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot)
            await _answer_prompt(pilot, str(target))
            assert stage() == "handed_over" and target.exists()
            assert any("Übergabe gesendet" in str(n.message) for n in app._notifications)

    asyncio.run(send_twice())
