"""Smaller findings of the second 80x24 round (issue 14): safe defaults, short pick lists that narrow, a key
that relabels instead of vanishing."""

from __future__ import annotations

import asyncio

from common import COMPLETE_CASE, TODAY
from tui_helpers import build_store, make_app, make_config, screen_text, settle, store_with_case, typed_out


def test_enter_on_a_confirmation_that_reaches_the_other_office_cancels(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from rich.text import Text

        from wbtui.screens.pickers import confirm

        app = make_app(tmp_path, db)
        answers: list[str | None] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(confirm("Übergabe senden?", Text("Muster, Max"), "Senden"), answers.append)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert answers == ["no"]  # Enter alone takes the safe answer
            app.push_screen(confirm("Übergabe senden?", Text("Muster, Max"), "Senden"), answers.append)
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot)
            assert answers == ["no", "yes"]  # only the named key sends

    asyncio.run(run())


def test_typing_narrows_a_short_pick_list_like_notwendigkeit(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from textual.widgets import OptionList

        from wbtui.screens.pickers import PickList
        from wbtui.widgets import labels

        app = make_app(tmp_path, db)
        chosen: list[str | None] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(PickList("Notwendigkeit", labels.choices("necessity_reason")), chosen.append)
            await settle(pilot)
            await pilot.press(*"beruf")
            await typed_out(pilot)
            options = app.screen.query_one(OptionList)
            assert options.option_count == 1  # "fehlender Berufsabschluss" only
            await pilot.press("enter")
            await settle(pilot)
            assert chosen == ["missing_qualification"]

    asyncio.run(run())


def test_the_art9_key_relabels_instead_of_vanishing_from_the_key_bar(tmp_path):
    db, case_id = store_with_case(tmp_path)

    async def run() -> None:
        from wbtui.screens.obstacles import ObstacleScreen

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(ObstacleScreen(case_id.hex))
            await settle(pilot)
            assert "a Art. 9 zeigen" in screen_text(app)
            await pilot.press("a")
            await settle(pilot)
            text = screen_text(app)
            assert "a Art. 9 ausblenden" in text and "a Art. 9 zeigen" not in text

    asyncio.run(run())


def test_the_edit_form_shows_the_birth_date_as_typed_at_intake_and_takes_it_back(tmp_path):
    """Issue 14: the edit form showed the birth date as ISO (1985-04-12); it reads TT.MM.JJJJ, as at intake,
    an unchanged form saves nothing and a date typed the same way is stored."""
    db = build_store(tmp_path, cases=5)
    from wbtui.data.store import open_store
    from wbtui.services import Services

    config = make_config(tmp_path, "jc")
    store = open_store(db)
    case_id = Services(store, config, today=TODAY).create_case(dict(COMPLETE_CASE))
    store.close()

    async def run() -> None:
        from wbtui.screens.case_detail import CaseDetailScreen

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(CaseDetailScreen(case_id.hex))
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            field = app.screen.query_one("#f-birth_date")
            assert field.value == "12.04.1985"
            assert app.screen.values() == {}  # nothing changed: nothing to save
            await pilot.press("escape")  # unchanged: Esc leaves at once
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            await pilot.press("e")
            await settle(pilot)
            field = app.screen.query_one("#f-birth_date")
            field.value = "13.04.1985"
            await settle(pilot)
            assert app.screen.query_one("#e-birth_date").display is False  # accepted as typed
            await pilot.press("escape")  # changed: Esc asks (issue 14, point 2, the edit form too)
            await settle(pilot)
            assert type(app.screen).__name__ == "Ask"
            await pilot.press("w")
            await settle(pilot)
            await pilot.press("f10")
            await settle(pilot, 8)
            assert type(app.screen).__name__ == "CaseDetailScreen"

    asyncio.run(run())
    store = open_store(db)
    con = store.raw()
    stored = con.execute(
        "SELECT p.birth_date FROM person p JOIN fbw_case c ON c.person_id = p.id WHERE c.id = ?", (case_id.hex,)
    ).fetchone()
    con.close()
    store.close()
    assert str(stored[0]).startswith("1985-04-13")


def test_the_handover_screen_offers_each_office_only_its_own_keys(tmp_path):
    """The Jobcenter's handover screen offered "a Quittieren", "r Rückfrage" and the feedback file, the
    Agentur's "s Senden": one key, the wrong office (README, permission table)."""
    db, case_id = store_with_case(tmp_path)
    keys = {}

    async def run(side: str) -> None:
        from wbtui.screens.handover import HandoverScreen

        app = make_app(tmp_path, db, side)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(HandoverScreen(case_id.hex))
            await settle(pilot)
            keys[side] = screen_text(app).splitlines()[-3:]

    asyncio.run(run("jc"))
    jc = " ".join(keys["jc"])
    assert "s Senden" in jc and "x Übergabedatei" in jc
    assert "Quittieren" not in jc and "Rückfrage" not in jc and "Rückmeldedatei" not in jc


def test_the_inbox_names_a_closed_case_s_reason_by_its_label():
    """Walk of issue 14 at the Agentur: the inbox read "Fall abgeschlossen … integrated"."""
    from wbtui.i18n import set_language
    from wbtui.screens.handover import feedback_detail

    set_language("de")
    assert feedback_detail({"reason": "integrated"}) == ["in Arbeit oder Ausbildung integriert"]
    assert feedback_detail({"reason": "abbruch_krankheit"}) == ["Krankheit"]


def test_the_agentur_is_not_offered_a_new_case_it_could_not_save(tmp_path):
    """Walk of issue 14 as the Agentur: "n Neuer Fall" was in its key bar; the form opened and only saving
    it was refused (all typed input lost). Now the key is not offered and pressing it says why at once."""
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from wbtui.screens.commands import collect

        app = make_app(tmp_path, db, "aa")
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            assert "Neuer Fall" not in screen_text(app)
            assert "Neuer Fall" not in {c.title for c in collect(app, app.screen)}
            await pilot.press("n")
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"
            app.action_new_case()
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"
            assert any("legt keine Fälle an" in str(n.message) for n in app._notifications)

    asyncio.run(run())


def test_the_agentur_is_not_offered_the_intake_form_it_could_not_save(tmp_path):
    """Walk of issue 14 as the Agentur: "e Erfassung" opened the Jobcenter's form; saving said "Telefon:
    gehört der anderen Behörde" and everything typed was lost. The Jobcenter keeps the key."""
    db = build_store(tmp_path, cases=40)
    import sqlite3

    con = sqlite3.connect(db)
    case_id = con.execute(
        "SELECT id FROM fbw_case WHERE stage IN ('handed_over', 'counselling_scheduled') ORDER BY id LIMIT 1"
    ).fetchone()[0]
    con.close()
    bars = {}

    async def run(side: str) -> None:
        from wbtui.screens.case_detail import CaseDetailScreen

        app = make_app(tmp_path, db, side)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(CaseDetailScreen(case_id))
            await settle(pilot)
            bars[side] = screen_text(app)
            await pilot.press("e")
            await settle(pilot)
            bars[side + " after e"] = type(app.screen).__name__

    asyncio.run(run("aa"))
    asyncio.run(run("jc"))
    assert "Erfassung" not in bars["aa"] and bars["aa after e"] == "CaseDetailScreen"
    assert "e Erfassung" in bars["jc"] and bars["jc after e"] == "IntakeScreen"
