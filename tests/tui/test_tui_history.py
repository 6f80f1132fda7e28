"""Qualifications and work history were CLI-only: now ``q`` in a case lists them and adds them through a
form (the occupation picked by words of its KldB title, the recognition from its pick list) — at 80x24."""

from __future__ import annotations

import asyncio

from common import COMPLETE_CASE, TODAY
from tui_helpers import build_store, make_app, screen_text, settle


def test_qualifications_and_work_history_are_entered_in_the_tui(tmp_path):
    from tui_helpers import make_config
    from wbtui.data.store import open_store
    from wbtui.messages import OpenCase
    from wbtui.services import Services

    db = build_store(tmp_path, cases=3)
    store = open_store(db)
    case_id = Services(store, make_config(tmp_path, "jc"), today=TODAY).create_case(
        {**COMPLETE_CASE, "kundennummer": "123A000009", "family_name": "Quali"}
    )
    store.close()

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.post_message(OpenCase(case_id.hex))
            await settle(pilot)
            await pilot.press("q")
            await settle(pilot)
            assert "Qualifikation und Berufserfahrung" in screen_text(app)
            assert "Noch keine Abschlüsse" in screen_text(app)
            await pilot.press("a")
            await settle(pilot)
            await pilot.press(*"Verkäuferin", "enter")  # the title, then the occupation by words of its title
            await settle(pilot)
            await pilot.press(*"62102")  # the start of the code narrows the list as words of the title do
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen.query_one("#in-kldb").value == "62102"
            app.screen.query_one("#in-year").value = "2008"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert type(app.screen).__name__ == "HistoryScreen"
            assert "Verkäuferin" in screen_text(app) and "2008" in screen_text(app)
            await pilot.press("n")
            await settle(pilot)
            app.screen.query_one("#in-title").value = "Lagerhelferin"
            app.screen.query_one("#in-from").value = "01.03.2015"
            app.screen.query_one("#in-until").value = "30.06.2019"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            text = screen_text(app)
            assert "Lagerhelferin" in text and "01.03.2015" in text

    asyncio.run(run())
    store = open_store(db)
    con = store.raw()
    quals = con.execute("SELECT title, kldb_code, year FROM vocational_qualification").fetchall()
    work = con.execute("SELECT title, date_from, date_to FROM work_episode").fetchall()
    con.close()
    store.close()
    assert quals == [("Verkäuferin", "62102", 2008)]
    assert work == [("Lagerhelferin", "2015-03-01", "2019-06-30")]
