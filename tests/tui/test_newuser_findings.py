"""Findings of the independent new-user tester (issues #14/#15), each through the real screens at 80x24."""

from __future__ import annotations

import asyncio

from common import COMPLETE_CASE, TODAY
from tui_helpers import make_app, make_config, open_case, screen_text, services_for, settle


def _jc_case(tmp_path, kdnr: str = "123A000042"):
    """A Jobcenter store with one case ready to hand over (S3), and the case's id."""
    from wbtui.domain.process import Stage

    db = tmp_path / "jc.db"
    store, jc = services_for(db, tmp_path)
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

    _db, store, jc, case_id = _jc_case(tmp_path)
    handover_file = tmp_path / "uebergabe.json"
    store.close()
    aa_db = tmp_path / "aa.db"  # a fresh Agentur: its store is made when wbtui starts
    from wbtui.services import exchange

    store, jc = services_for(_db, tmp_path)
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
            await open_case(pilot, case_id)
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


def test_m3_m1_small_forms_start_on_date_fit_80x24_and_keep_focus_after_a_pick(tmp_path):
    from wbtui.widgets.choice import ChoiceField

    db, store, _jc, case_id = _jc_case(tmp_path)
    store.close()

    async def pick_here(pilot) -> None:
        """Open the focused pick list and take its highlighted entry: focus stays on the pick field."""
        app = pilot.app
        field = app.focused
        assert isinstance(field, ChoiceField), field
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is field, app.focused

    async def walk() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("t", "n")
            await settle(pilot)
            await pilot.press(*"01.12.2026 10:00")  # typed at once: lands in the date, not in a pick list
            await settle(pilot)
            assert app.focused.id == "in-when" and app.focused.value == "01.12.2026 10:00"
            text = screen_text(app)
            assert "Gesprächspartner" in text and "Strg+S oder F10: speichern" in text, text
            await pilot.press("tab")
            await pick_here(pilot)
            await pilot.press("tab")
            assert app.focused.id == "in-place"
            await pilot.press("escape", "escape")
            await settle(pilot)
            for key, last in (("a", "Anerkennung"), ("n", "bis")):
                await pilot.press("q", key)
                await settle(pilot)
                text = screen_text(app)
                assert last in text and "Strg+S oder F10: speichern" in text, text
                await pilot.press("escape", "escape")
                await settle(pilot)

    asyncio.run(walk())


def test_m4_tui_inbox_wrong_path_says_why_in_german_and_keeps_the_path(tmp_path):
    from wbtui.data.store import open_store
    from wbtui.services import Services

    db = tmp_path / "aa.db"
    store = open_store(db)
    Services(store, make_config(tmp_path, "aa"), today=TODAY).actor  # noqa: B018 - the Agentur's own office
    store.close()
    typed = str(tmp_path / "fehlt.json")

    async def wrong_path() -> None:
        app = make_app(tmp_path, db, "aa")
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("i", "d")
            await settle(pilot)
            await _answer_prompt(pilot, typed)
            messages = " ".join(str(n.message) for n in app._notifications)
            assert "die Datei gibt es nicht" in messages and "Error" not in messages, messages
            assert type(app.screen).__name__ == "Prompt" and app.screen.query_one("#prompt").value == typed

    asyncio.run(wrong_path())


def test_low_review_date_invalid_keeps_the_prompt_with_the_typed_date(tmp_path):

    db = tmp_path / "jc.db"
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000043", "family_name": "Hemmnis"})
    code = next(iter(jc.catalog.by_group().values()))[0].code  # the checklist's first obstacle
    jc.add_obstacle(case_id, code)
    store.close()

    async def review() -> None:
        from textual.widgets import DataTable

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("h")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            table.move_cursor(row=table.get_row_index(code))
            await pilot.press("r")
            await settle(pilot)
            await _answer_prompt(pilot, "31.02.2026")
            assert type(app.screen).__name__ == "Prompt" and app.screen.query_one("#prompt").value == "31.02.2026"
            assert any(n.severity == "error" for n in app._notifications)

    asyncio.run(review())


def test_low_closed_case_is_not_im_plan_and_qualification_kldb_picker_title(tmp_path):

    db = tmp_path / "jc.db"
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000044", "family_name": "Zu"})
    jc.close(case_id, "moved")
    open_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000045", "family_name": "Offen"})
    store.close()

    async def look() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            text = screen_text(app)
            assert "Abgeschlossen" in text and "im Plan" not in text, text
            await pilot.press("q")  # a closed case is not written: its qualifications offer no form
            await settle(pilot)
            assert "a Abschluss" not in screen_text(app) and "Qualifikation und Berufserfahrung" in screen_text(app)
            await open_case(pilot, open_id)
            await pilot.press("q", "a")
            await settle(pilot)
            await pilot.press("tab", "enter")  # the occupation's pick list
            await settle(pilot)
            text = screen_text(app)
            assert "Beruf (KldB 2010)" in text and "Zielberuf" not in text, text

    asyncio.run(look())


def test_low_obstacle_group_headings_are_no_cursor_stops(tmp_path):
    from textual.widgets import DataTable

    from wbtui.widgets.safe import cursor_key

    db, store, _jc, case_id = _jc_case(tmp_path)
    store.close()

    async def walk_down_and_up() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("h")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            seen = [cursor_key(table)]
            for key in ["down"] * 12 + ["up"] * 12:
                await pilot.press(key)
                await settle(pilot, 1)
                seen.append(cursor_key(table))
            assert not [k for k in seen if k and k.startswith("group:")], seen
            assert len(set(seen)) > 8  # the cursor did move over the groups' boundaries

    asyncio.run(walk_down_and_up())
