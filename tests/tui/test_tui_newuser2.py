"""Findings of the second independent new-user walk (German, 80x24), each through the real screens: a small
dialog keeps what was typed when its input is refused, and the screens follow the step just taken."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3

import pytest

from common import COMPLETE_CASE, TODAY
from tui_helpers import make_app, open_case, screen_text, services_for, settle, store_with_case


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One store for the module (copied per test): a Jobcenter case in S1 and one sent to the Agentur over
    the shared system (S4, handover "sent")."""
    from wbtui.domain.process import Stage

    path = tmp_path_factory.mktemp("newuser2")
    db, fresh = store_with_case(path, cases=0)
    store, jc = services_for(db, path)
    try:
        sent = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000077", "family_name": "Quittung"})
        jc.add_consent(sent, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"],
                       given_on=TODAY)  # fmt: skip
        jc.move(sent, Stage.READY)
        jc.send_handover(sent, channel="shared_system")
        for title in ("Koch", "Maler", "Tischler"):
            jc.add_work_episode(fresh, title)
    finally:
        store.close()
    return db, fresh, sent


def _copy(base, tmp_path):
    db, fresh, sent = base
    shutil.copy(db, tmp_path / "tui.db")
    return tmp_path / "tui.db", fresh, sent


def _handover_row(db, case_id) -> tuple[str, str | None]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT status, query_text FROM handover WHERE case_id = ?", (case_id.hex,)).fetchone()
    finally:
        con.close()


def _errors(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def test_1_empty_query_in_the_inbox_keeps_the_prompt_open_and_sends_nothing(base, tmp_path):
    """Enter on an empty Rückfrage closed the dialog silently; the next keys ran as inbox commands and the
    Jobcenter got the query cut to "ift prüfen". Now the prompt stays, says why, and sends the whole text."""
    db, _fresh, case_id = _copy(base, tmp_path)

    async def run() -> None:
        from textual.widgets import DataTable

        app = make_app(tmp_path, db, "aa")
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            table.move_cursor(row=next(i for i, k in enumerate(table.rows) if k.value.startswith("tui.inbox.received")))
            await pilot.press("r", "enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "Prompt", type(app.screen).__name__
            assert any("braucht einen Text" in m for m in _errors(app)), _errors(app)
            assert _handover_row(db, case_id) == ("sent", None)
            await pilot.press(*"Akte?", "enter")  # typed on: into the prompt, not to the inbox's keys
            await settle(pilot, 6)
            assert type(app.screen).__name__ == "InboxScreen", type(app.screen).__name__
        assert _handover_row(db, case_id) == ("query", "Akte?")

    asyncio.run(run())


def test_2_small_dialogs_keep_their_input_on_a_refusal(base, tmp_path):
    """Wiedervorlage with a wrong due date, an appointment of a kind the stage does not allow, and a period
    of work ending before it began: each dialog closed and lost what was typed. Now each stays, as typed."""
    db, case_id, _sent = _copy(base, tmp_path)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("w", "N", "enter", *"32.12", "enter")
            await settle(pilot)
            screen = app.screen
            assert type(screen).__name__ == "TaskPrompt", type(screen).__name__
            assert screen.query_one("#task-title").value == "N" and _errors(app)
            await pilot.press("escape")
            await settle(pilot)

            # S1: an Absolventengespräch (the Jobcenter's first kind) is refused by the services, in a worker
            await pilot.press("t", "n")
            await settle(pilot)
            screen = app.screen
            screen.query_one("#in-when").value = "01.12.2026 10:00"
            screen.query_one("#in-place").value = "Raum 1"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert type(screen).__name__ == "AppointmentForm", type(screen).__name__
            assert screen.query_one("#in-when").value == "01.12.2026 10:00"
            assert screen.query_one("#in-place").value == "Raum 1"
            assert _errors(app)
            await pilot.press("escape", "escape")
            await settle(pilot)

            await pilot.press("q", "n")
            await settle(pilot)
            screen = app.screen
            for key, value in (("title", "Lager"), ("from", "01.05.2015"), ("until", "01.01.2012")):
                screen.query_one(f"#in-{key}").value = value
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert type(screen).__name__ == "HistoryForm", type(screen).__name__
            assert screen.query_one("#in-from").value == "01.05.2015"
            assert screen.query_one("#in-until").value == "01.01.2012"
            # finding 3: the work's own wording, not the absence's
            assert any("Ende der Tätigkeit liegt vor ihrem Beginn" in m for m in _errors(app)), _errors(app)
            screen.query_one("#in-until").value = "31.12.2016"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert type(app.screen).__name__ == "HistoryScreen", type(app.screen).__name__
            assert "Lager" in screen_text(app)

    asyncio.run(run())


def test_4_a_saved_consent_form_is_not_changed_and_says_how_to_tick(base, tmp_path):
    """After ctrl+s the consent form kept its values and counted as changed: Esc offered to save the same
    consent again. Now Esc leaves at once and the consent is recorded once. (Low: nothing said that the
    Leertaste ticks a box in the groups.)"""
    db, case_id, _sent = _copy(base, tmp_path)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("i")
            await settle(pilot)
            app.screen.query_one("#groups").focus()
            await settle(pilot)
            assert "Leertaste kreuzt an (Pfeiltasten wählen)" in screen_text(app), screen_text(app)
            app.screen.query_one("#given").value = "01.06.2026"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen", type(app.screen).__name__

    asyncio.run(run())
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM consent WHERE given_on LIKE '2026-06-01%'").fetchone()[0] == 1
    finally:
        con.close()


def test_5_after_an_edit_the_cursor_stays_on_the_edited_row(base, tmp_path):
    """Qualifikationen: after e and ctrl+s the cursor jumped to the first row, so the next x meant another."""
    db, case_id, _sent = _copy(base, tmp_path)

    async def run() -> None:
        from textual.widgets import DataTable

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("q")
            await settle(pilot)
            await pilot.press("down", "e", "ctrl+e", *"in", "ctrl+s")  # Maler -> Malerin
            await settle(pilot, 6)
            table = app.screen.query_one(DataTable)
            assert table.cursor_row == 1
            assert "Malerin" in app.screen.describe_row(table.coordinate_to_cell_key(table.cursor_coordinate)
                                                        .row_key.value).plain  # fmt: skip

    asyncio.run(run())


def test_6_after_the_acknowledgement_the_handover_screen_follows(base, tmp_path):
    """After a/j the Agentur's handover screen still said "wartet auf Quittung" and offered a and r."""
    db, _fresh, case_id = _copy(base, tmp_path)

    async def run() -> None:
        app = make_app(tmp_path, db, "aa")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "z Abgeschl." in screen_text(app)  # low: the board's key bar names z (closed cases)
            await open_case(pilot, case_id)
            await pilot.press("u")
            await settle(pilot)
            before = screen_text(app)
            assert "wartet auf Quittung" in before and "Quittieren" in before, before
            await pilot.press("a", "j")
            await settle(pilot, 6)
            text = screen_text(app)
            assert "wartet auf Quittung" not in text and "quittiert" in text, text
            assert "Quittieren" not in text and "Rückfrage" not in text.splitlines()[-1], text
            assert "s Senden" not in text

    asyncio.run(run())
