"""Pilot tests: the whole process from intake to completion through the keyboard alone."""

from __future__ import annotations

import asyncio
import sqlite3

from tui_helpers import build_store, make_app, screen_text, services_for, settle


def stage_of(db, kundennummer):
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT c.stage FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE p.kundennummer = ?",
            (kundennummer,),
        ).fetchone()[0]
    finally:
        con.close()


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(
            {
                " ": "space",
                ".": "full_stop",
                ";": "semicolon",
                ":": "colon",
                "-": "minus",
                "/": "slash",
                ",": "comma",
            }.get(ch, ch)
        )


async def pick_option(pilot, option_id: str) -> None:
    from textual.widgets import OptionList

    options = pilot.app.screen.query_one(OptionList)
    for _ in range(options.option_count + 1):
        if options.highlighted is not None and options.get_option_at_index(options.highlighted).id == option_id:
            break
        await pilot.press("down")
    assert options.get_option_at_index(options.highlighted).id == option_id
    await pilot.press("enter")
    await settle(pilot)


async def open_by_search(pilot, text: str) -> None:
    await pilot.press("slash")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot, 6)
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "CaseDetailScreen"


async def cursor_to(pilot, key: str) -> None:
    from textual.widgets import DataTable

    table = pilot.app.screen.query_one(DataTable)
    for _ in range(table.row_count):
        if table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == key:
            return
        await pilot.press("down")
    raise AssertionError(key)


async def fill(pilot, value: str) -> None:
    """Type ``value`` into the focused field; a pick field opens its list on the first letter and takes
    the match with Enter (widgets/choice.py), a text field is left with Tab."""
    from wbtui.widgets.choice import ChoiceField

    field = pilot.app.screen.focused
    if isinstance(field, ChoiceField):
        await type_text(pilot, value)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        if pilot.app.screen.focused is field:  # the same value again: no change, the focus stays
            await pilot.press("tab")
    else:
        await type_text(pilot, value)
        await pilot.press("tab")


async def step(pilot, target: str, *values: str, answer: str = "j") -> None:
    """The next step from the case: pick the target, fill its fields, carry it out (F10), and answer the
    confirmation of a step that reaches the other office or cannot be undone."""
    await pilot.press("g")
    await settle(pilot)
    await pick_option(pilot, target)
    for value in values:
        await fill(pilot, value)
    await settle(pilot)
    if type(pilot.app.screen).__name__ == "MoveScreen" and values:
        await pilot.press("f10")
        await settle(pilot, 6)
    if type(pilot.app.screen).__name__ == "Ask":
        await pilot.press(answer)
    await settle(pilot, 6)


INTAKE = [
    ("kundennummer", "123A456789"),
    ("family_name", "Tastatur"),
    ("given_names", "Tina"),
    ("birth_date", "12.04.1985"),
    ("phone", "0151 1234567"),
    ("target_kldb", "52122"),
    ("training_type", "umschulung"),
    ("schedule", "vollzeit"),
    ("necessity_reason", "missing_qualification"),
]


def test_full_process_by_keyboard(tmp_path):
    asyncio.run(_walk(tmp_path))
    # audit completeness over the walk: every row the two offices wrote has its entry,
    # every case the walk opened has read entries, by the person who did it
    con = sqlite3.connect(tmp_path / "tui.db")
    case_id = con.execute(
        "SELECT c.id FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE p.kundennummer = '123A456789'"
    ).fetchone()[0]
    audited = {row[0] for row in con.execute("SELECT object_id FROM audit_log WHERE action = 'create'")}
    rows = [case_id]
    for table in ("obstacle", "handover", "case_event", "appointment", "voucher"):
        rows += [r[0] for r in con.execute(f"SELECT id FROM {table} WHERE case_id = ?", (case_id,))]
    assert len(rows) > 10 and [r for r in rows if r not in audited] == []
    readers = {
        r[0] for r in con.execute("SELECT actor FROM audit_log WHERE action = 'read' AND case_id = ?", (case_id,))
    }
    assert {"ifk.ida", "aa.anton"} <= readers
    con.close()


async def _walk(tmp_path):
    db = build_store(tmp_path, cases=40)
    from wbtui.screens.intake import NEED_FIELDS, PERSON_FIELDS

    order = PERSON_FIELDS + NEED_FIELDS
    # --- Jobcenter: intake, obstacles, consent-free legal basis, handover
    app = make_app(tmp_path, db, "jc")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        values = dict(INTAKE)
        for name in order:
            if name in values:
                await fill(pilot, values[name])
            else:
                await pilot.press("tab")
        await pilot.press("f10")
        await settle(pilot, 6)
        assert type(app.screen).__name__ == "CaseDetailScreen"
        assert "Tastatur, Tina" in screen_text(app)
        await step(pilot, "obstacles_in_clarification")
        assert stage_of(db, "123A456789") == "obstacles_in_clarification"
        # obstacle checklist: record R-KIN (open) and resolve it by cycling the status
        await pilot.press("h")
        await settle(pilot)
        await cursor_to(pilot, "R-KIN")
        await pilot.press("enter")  # the status pick list, "offen" first
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "R-KIN" in screen_text(app) and "offen" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await step(pilot, "ready_for_handover")
        assert stage_of(db, "123A456789") == "obstacles_in_clarification"  # refused: open obstacle, no consent
        assert "R-KIN" in screen_text(app)  # the reason is on screen
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await cursor_to(pilot, "R-KIN")
        await pilot.press("space")  # the status pick list: 2 = in Bearbeitung
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert "in Bearbeitung" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        # legal basis § 69 SGB X through the intake form
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#f-legal_basis").focus()
        await settle(pilot)
        await fill(pilot, "69 SGB X")
        await pilot.press("f10")
        await settle(pilot, 6)
        await pilot.press("u")
        await settle(pilot)
        assert "Offene Hemmnisse" not in screen_text(app) and "✗" not in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        assert "Wie geht die Übergabe an die Agentur?" in screen_text(app)  # the channel first
        await pilot.press("g")  # the shared system
        await settle(pilot)
        assert "Übergabe an die Agentur senden?" in screen_text(app)  # asked once more
        await pilot.press("j")
        await settle(pilot, 6)
        assert stage_of(db, "123A456789") == "handed_over"
        await pilot.press("escape")
        await settle(pilot)
    # --- Agentur: inbox, acknowledge, counselling, voucher, course
    app = make_app(tmp_path, db, "aa")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert "Tastatur, Tina" in screen_text(app)
        table = app.screen.query_one("DataTable")
        while "Tastatur" not in str(table.get_row_at(table.cursor_row)[1]):
            await pilot.press("down")
        await pilot.press("a")
        await settle(pilot)
        assert "Tastatur, Tina" in screen_text(app) and "Übergabe quittieren?" in screen_text(app)
        await pilot.press("j")
        await settle(pilot, 6)
        assert stage_of(db, "123A456789") == "handed_over"  # acknowledged: S5 waits for the appointment
        await pilot.press("escape")
        await settle(pilot)
        await open_by_search(pilot, "123A456789")
        # the appointments screen: a new counselling appointment (time first, then kind, place) moves it to S5
        await pilot.press("t")
        await settle(pilot)
        assert type(app.screen).__name__ == "AppointmentsScreen"
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, "24.11.2026 09:00")
        await pilot.press("tab")  # the kind: Beratungsgespräch is preselected
        await fill(pilot, "Agentur, Raum 2.14")
        await pilot.press("f10")
        await settle(pilot, 6)
        assert stage_of(db, "123A456789") == "counselling_scheduled"
        assert "Agentur, Raum 2.14" in screen_text(app) and "geplant" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await step(pilot, "counselled", "foerderfaehig", "24.11.2026 09:00")
        assert stage_of(db, "123A456789") == "counselled"
        await step(pilot, "voucher_issued", "01.06.2027")  # more than 3 months: refused, form keeps content
        assert stage_of(db, "123A456789") == "counselled"
        await pilot.press("escape")
        await settle(pilot)
        await step(pilot, "voucher_issued", "20.02.2027")
        assert stage_of(db, "123A456789") == "voucher_issued"
        await step(pilot, "enrolment_approved", "23.11.2026", "22.11.2027", "Umschulung Berufskraftfahrer")
        await step(pilot, "in_training")
        assert stage_of(db, "123A456789") == "in_training"
    # --- Jobcenter: completion, integration, closing
    app = make_app(tmp_path, db, "jc")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await open_by_search(pilot, "123A456789")
        await step(pilot, "completed")
        await step(pilot, "integrated")
        await pilot.press("w")  # a follow-up: what, then when (two fields)
        await settle(pilot)
        await type_text(pilot, "Nachbetreuung")
        await pilot.press("enter")
        await type_text(pilot, "15.12.2026")
        await pilot.press("enter")
        await settle(pilot, 6)
        await step(pilot, "closed", "integriert", answer="e")  # close, and mark its follow-ups done
        assert stage_of(db, "123A456789") == "closed"
        con = sqlite3.connect(db)
        statuses = [r[0] for r in con.execute("SELECT t.status FROM task t WHERE t.title = 'Nachbetreuung'")]
        con.close()
        assert statuses == ["erledigt"]


def test_move_dialog_runs_the_handover_steps_as_their_commands(tmp_path):
    """Steps that domain.process.VIA_COMMAND reserves for a command (send, query, acknowledge) are carried out
    by that command from the move dialog, not refused as a plain move."""
    from common import COMPLETE_CASE
    from wbtui.domain.process import VIA_COMMAND, Stage
    from wbtui.screens.move import COMMANDS

    assert set(VIA_COMMAND.values()) <= set(COMMANDS)
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A999998", "legal_basis": "sgb_x_69"})
    jc.move(case_id, Stage.READY)
    store.close()

    async def walk(side: str, target: str, *values: str) -> None:
        app = make_app(tmp_path, db, side)
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await open_by_search(pilot, "123A999998")
            await step(pilot, target, *values)

    asyncio.run(walk("jc", "handed_over"))  # handover send
    assert stage_of(db, "123A999998") == "handed_over"
    asyncio.run(walk("aa", "ready_for_handover", "Zielberuf unklar"))  # handover query, with its text
    assert stage_of(db, "123A999998") == "ready_for_handover"
    asyncio.run(walk("jc", "handed_over"))
    asyncio.run(walk("aa", "counselling_scheduled", "02.12.2026 09:00"))  # acknowledged with its appointment
    assert stage_of(db, "123A999998") == "counselling_scheduled"
    con = sqlite3.connect(db)
    statuses = [
        row[0]
        for row in con.execute(
            "SELECT h.status || ':' || coalesce(h.query_text, '') FROM handover h WHERE h.case_id = ? ORDER BY h.sent_at, h.rowid",
            (case_id.hex,),
        )
    ]
    con.close()
    assert statuses == ["query:Zielberuf unklar", "accepted:"]
