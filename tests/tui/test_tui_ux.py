"""A caseworker's day at 80x24 (issue 14): no lost input, safe one-key actions, pick lists, refusals that
name the reason, the hint for closed cases, the palette in German."""

from __future__ import annotations

import asyncio
import sqlite3

from textual import events
from textual.widgets import DataTable

from common import COMPLETE_CASE, TODAY
from tui_helpers import build_store, make_app, make_config, screen_text, services_for, settle, typed_out


def burst(app, keys: str) -> None:
    """Keys arriving faster than a screen opens: all posted before any is handled (a fast typist, a
    terminal delivering a buffer at once, a loaded host)."""
    names = {"\t": ("tab", None), "\n": ("enter", None)}
    for ch in keys:
        key, char = names.get(ch, (ch, ch))
        app.post_message(events.Key(key, char))


def test_keys_typed_while_the_intake_opens_reach_its_fields_in_order(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            burst(app, "n123A456789\t12345BG1234567\tMuster")
            await typed_out(pilot)
            screen = app.screen
            assert type(screen).__name__ == "IntakeScreen"
            assert screen.query_one("#f-kundennummer").value == "123A456789"
            assert screen.query_one("#f-bg_nummer").value == "12345BG1234567"
            assert screen.query_one("#f-family_name").value == "Muster"

    asyncio.run(run())


def test_esc_on_a_changed_form_asks_keep_discard_or_save(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            await pilot.press("escape")  # nothing typed: leaves at once
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"
            await pilot.press("n")
            await settle(pilot)
            await pilot.press(*"123A45")
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "Ask" and "Ungespeicherte Änderungen" in screen_text(app)
            await pilot.press("w")  # keep editing: everything still there
            await settle(pilot)
            assert app.screen.query_one("#f-kundennummer").value == "123A45"
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("v")  # discard
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"

    asyncio.run(run())


def test_esc_then_save_keeps_the_form_when_it_is_invalid(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("n", *"123")
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("s")  # save: refused (incomplete), the form and its content stay
            await settle(pilot)
            assert type(app.screen).__name__ == "IntakeScreen"
            assert app.screen.query_one("#f-kundennummer").value == "123"
            assert any("Bitte korrigieren" in n.message for n in app._notifications)

    asyncio.run(run())


def test_handover_send_asks_and_a_refusal_names_the_open_obstacles(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "legal_basis": "sgb_x_69"})
    jc.move(case_id, "obstacles_in_clarification")
    jc.add_obstacle(case_id, "R-KIN")
    store.close()

    async def run() -> None:
        from wbtui.screens.handover import HandoverScreen

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            app.push_screen(HandoverScreen(case_id.hex))
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            message = app._notifications.last if hasattr(app._notifications, "last") else list(app._notifications)[-1]
            assert (
                "Offene Hemmnisse: Kinderbetreuung nicht gesichert (R-KIN)" in message.message
            )  # the reason, by title
            assert "vorbereitet" not in message.message
            assert type(app.screen).__name__ == "HandoverScreen"

    asyncio.run(run())
    store, jc = services_for(db, tmp_path)
    jc.set_obstacle(case_id, "R-KIN", status="geloest")
    store.close()

    async def send(answer: str) -> str:
        from wbtui.screens.handover import HandoverScreen

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(HandoverScreen(case_id.hex))
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert "Wie geht die Übergabe an die Agentur?" in screen_text(app)  # the channel first
            await pilot.press("g")
            await settle(pilot)
            text = screen_text(app)
            assert "Übergabe an die Agentur senden?" in text and "Beispiel, Berta (123A456789)" in text
            await pilot.press(answer)
            await settle(pilot, 6)
        con = sqlite3.connect(db)
        stage = con.execute("SELECT stage FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
        con.close()
        return stage

    assert asyncio.run(send("n")) == "obstacles_in_clarification"  # cancelled: nothing reached the Agentur
    assert asyncio.run(send("j")) == "handed_over"


def test_acknowledge_asks_names_the_person_and_keeps_the_cursor_in_place(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    ids = []
    for n, name in enumerate(("Anna", "Bert", "Carla", "Dieter")):
        case_id = jc.create_case(
            {**COMPLETE_CASE, "kundennummer": f"123A00000{n}", "family_name": "Aaquit", "given_names": name}
        )
        jc.update_fields(case_id, {"legal_basis": "sgb_x_69"})
        jc.move(case_id, "ready_for_handover")
        jc.send_handover(case_id)
        ids.append(case_id.hex)
    store.close()

    def stage(case_hex: str) -> str:
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT stage FROM fbw_case WHERE id = ?", (case_hex,)).fetchone()[0]
        finally:
            con.close()

    def handover_status(case_hex: str) -> str:
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT status FROM handover WHERE case_id = ?", (case_hex,)).fetchone()[0]
        finally:
            con.close()

    async def run() -> None:
        app = make_app(tmp_path, db, "aa")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            keys = [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]
            bert = next(i for i, k in enumerate(keys) if k.endswith(ids[1]))
            table.move_cursor(row=bert)
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert "Übergabe quittieren?" in screen_text(app) and "Aaquit, Bert" in screen_text(app)
            await pilot.press("a")  # a second "a" acknowledges nothing: only j or Enter do
            await settle(pilot)
            assert stage(ids[1]) == "handed_over"
            await pilot.press("j")
            await settle(pilot, 6)
            assert handover_status(ids[1]) == "accepted" and stage(ids[1]) == "handed_over"  # S5 needs a date
            assert table.cursor_row == bert  # the row that took Bert's place, not the first row
            assert table.coordinate_to_cell_key((bert, 0)).row_key.value.endswith(ids[2])
            assert stage(ids[0]) == "handed_over"

    asyncio.run(run())


def test_marking_a_follow_up_done_asks_first(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_task(case_id, "Unterlagen anfordern", "ifk.ida", TODAY)
    store.close()

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("w")
            await settle(pilot)
            assert "Unterlagen anfordern" in screen_text(app)  # the task's text is on screen at 80 columns
            await pilot.press("d")
            await settle(pilot)
            assert "Wiedervorlage erledigt?" in screen_text(app)
            await pilot.press("n")
            await settle(pilot)
            assert "Unterlagen anfordern" in screen_text(app)
            await pilot.press("d", "j")
            await settle(pilot, 6)
            assert "Unterlagen anfordern" not in screen_text(app)

    asyncio.run(run())


def test_obstacle_status_is_visible_at_80_columns_and_set_from_a_pick_list(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_obstacle(case_id, "R-KIN", service="Familienbüro der Stadt Musterstadt, Kita-Platzvergabe")
    store.close()

    async def run() -> None:
        from wbtui.screens.obstacles import ObstacleScreen

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(ObstacleScreen(case_id.hex))
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            row = table.get_row_index("R-KIN")
            table.move_cursor(row=row)
            await settle(pilot)
            text = screen_text(app)
            line = next(li for li in text.splitlines() if "R-KIN" in li and "offen" in li)
            assert line.index("offen") < line.index("R-KIN")  # the status first, always on screen
            assert "Familienbüro der Stadt Musterstadt, Kita-Platzvergabe" in text  # whole in the detail line
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "PickList"
            assert all(s in screen_text(app) for s in ("in Bearbeitung", "gelöst", "nicht lösbar", "nicht relevant"))
            await pilot.press("3")  # gelöst
            await settle(pilot, 6)
            assert table.cursor_row == row
            assert "gelöst" in screen_text(app)
            assert all(len(li) <= 80 for li in screen_text(app).splitlines())

    asyncio.run(run())
    con = sqlite3.connect(db)
    row = con.execute("SELECT status FROM obstacle WHERE code = ? AND case_id = ?", ("R-KIN", case_id.hex)).fetchone()
    assert row[0] == "geloest"
    con.close()


def test_closing_a_case_asks_what_happens_to_its_open_follow_ups(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_task(case_id, "Nachfassen", "ifk.ida", TODAY)
    store.close()

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.open_case(type("M", (), {"case_id": case_id.hex})())
            await settle(pilot)
            await pilot.press("g")
            await settle(pilot)
            options = app.screen.query_one("#targets")
            options.highlighted = options.get_option_index("closed")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press(*"umgezogen")  # typing opens the close reason's pick list; found by its alias
            await settle(pilot)
            assert "verzogen" in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("f10")
            await settle(pilot)
            text = screen_text(app)
            assert "Fall abschließen?" in text and "1 Wiedervorlage offen" in text
            await pilot.press("o")  # close, keep the follow-up open
            await settle(pilot, 6)

    asyncio.run(run())
    con = sqlite3.connect(db)
    assert con.execute("SELECT stage, close_reason FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone() == (
        "closed",
        "moved",
    )
    assert con.execute("SELECT status FROM task WHERE title = 'Nachfassen'").fetchone()[0] == "offen"
    con.close()


def test_a_search_that_finds_only_closed_cases_says_so(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "family_name": "Zzgeschlossen"})
    jc.close(case_id, "moved")
    store.close()

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("slash", *"zzgesch", "enter")
            await settle(pilot, 6)
            text = screen_text(app)
            assert "0 von 6 Fällen" in text and "1 abgeschlossener Fall passt – z zeigt abgeschlossene" in text
            await pilot.press("z")
            await settle(pilot, 6)
            assert "Zzgeschlossen" in screen_text(app)

    asyncio.run(run())


def test_palette_lists_each_command_once_and_finds_german_words(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from wbtui.screens.commands import collect

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            titles = [c.title for c in collect(app, app.screen)]
            assert len(titles) == len(set(titles)) and "Eingang" in titles
            # a caseworker is not offered steering or the audit trail (refused for the role); a team lead is
            assert "Steuerung (Teamleitung)" not in titles and "Zugriffsprotokoll (Datenschutz)" not in titles
            caseworker, app.config = app.config, make_config(tmp_path, "lead")
            assert "Steuerung (Teamleitung)" in [c.title for c in collect(app, app.screen)]
            app.config = caseworker
            assert not any("." in c.help and "board." in c.help for c in collect(app, app.screen))
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"hilfe")
            await pilot.pause(0.6)
            await settle(pilot)
            text = screen_text(app)
            assert "Tasten" in text and "Taste F1" in text
            await pilot.press(*"xq")
            await pilot.pause(0.6)
            await settle(pilot)
            text = screen_text(app)
            assert "No matches" not in text and "Kein Befehl passt" in text
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("f1")
            await settle(pilot)
            text = screen_text(app)
            for english in ("Scroll", "Cursor up", "Page Right", "Select"):
                assert english not in text, english

    asyncio.run(run())


def test_a_stale_session_lock_is_taken_over_with_a_note(tmp_path):
    from wbtui.data.store import SessionLock

    db = tmp_path / "store.db"
    lock_file = tmp_path / "store.db.lock"
    lock_file.write_text("999999999", encoding="ascii")  # a process that no longer exists
    lock = SessionLock(db).acquire()
    try:
        assert lock.taken_over_from == 999999999
    finally:
        lock.release()
    assert lock_file.read_text(encoding="ascii") == ""  # a clean end leaves nothing to take over
    again = SessionLock(db).acquire()
    assert again.taken_over_from is None
    again.release()


def test_the_lock_taken_over_is_told_on_the_board(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from wbtui.app import WbtuiApp
        from wbtui.i18n import t

        notice = t("ux.lock_taken_over", pid=4242)
        app = WbtuiApp(make_config(tmp_path, "jc"), db=db, today=TODAY, notice=notice)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            assert [n.message for n in app._notifications] == [notice]
            assert "Prozess 4242" in notice

    asyncio.run(run())
