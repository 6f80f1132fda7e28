"""Qualifications and work history were CLI-only: now ``q`` in a case lists them, adds and corrects them
through a form (the occupation picked by words of its KldB title, the recognition and the country from pick
lists) — at 80x24."""

from __future__ import annotations

import asyncio

from common import TODAY
from tui_helpers import make_app, open_case, screen_text, settle, store_with_case


def test_qualifications_and_work_history_are_entered_in_the_tui(tmp_path):
    from wbtui.data.store import open_store

    db, case_id = store_with_case(tmp_path, cases=0, kundennummer="123A000009", family_name="Quali")

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
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
            # correct the qualification (Enter on its row): the country from its pick list, in German
            await pilot.press("home", "enter")
            await settle(pilot)
            assert app.screen.query_one("#in-title").value == "Verkäuferin"  # the form holds the row's values
            assert app.screen.query_one("#in-year").value == "2008"
            assert app.screen.query_one("#in-country_name").display is False
            app.screen.query_one("#in-country").focus()
            await pilot.press(*"syr")
            await settle(pilot)
            await pilot.press("enter", "ctrl+s")
            await settle(pilot, 6)
            assert "Syrien" in screen_text(app)
            # "anderes Land": its name typed in a field of its own
            await pilot.press("home", "e")
            await settle(pilot)
            app.screen.query_one("#in-country").value = "other"
            await settle(pilot)
            assert app.screen.query_one("#in-country_name").display is True
            app.screen.query_one("#in-country_name").value = "Jemen"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert "Jemen" in screen_text(app)
            # the period of work removed: asked once, naming it
            await pilot.press("home", "down", "x")
            await settle(pilot)
            assert type(app.screen).__name__ == "Ask" and "Lagerhelferin" in screen_text(app)
            await pilot.press("j")
            await settle(pilot, 6)
            assert "Lagerhelferin" not in screen_text(app) and "Jemen" in screen_text(app)

    asyncio.run(run())
    store = open_store(db)
    con = store.raw()
    quals = con.execute("SELECT title, kldb_code, year, country FROM vocational_qualification").fetchall()
    work = con.execute("SELECT title, date_from, date_to, removed_on FROM work_episode").fetchall()
    con.close()
    store.close()
    assert quals == [("Verkäuferin", "62102", 2008, "Jemen")]
    assert work == [("Lagerhelferin", "2015-03-01", "2019-06-30", TODAY.isoformat())]  # marked, synced as such
