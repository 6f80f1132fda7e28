"""Issue 15 in the TUI: the target occupation picked by name in the intake, the team inbox (take and hand
on many at once), the Agentur's voucher and course form, the steering export — at 80x24 with Pilot."""

from __future__ import annotations

import asyncio

from common import COMPLETE_CASE, TODAY
from tui_helpers import build_store, make_app, open_case, screen_text, services_for, settle


def test_the_target_occupation_had_to_be_typed_as_a_code__now_found_by_words_and_its_title_filled_in(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            app.screen.query_one("#f-target_kldb").focus()
            await settle(pilot)
            await pilot.press(*"berufskraftfahrer lkw")  # words of the title, in any order
            await settle(pilot)
            assert "52122" in screen_text(app)  # the list narrowed to the occupation by words of its title
            await pilot.press("enter")
            await settle(pilot)
            form = app.screen
            assert form.query_one("#f-target_kldb").value == "52122"
            assert form.query_one("#f-target_title").value.startswith("Berufskraftfahrer")

    asyncio.run(run())


def test_unassigned_cases_had_no_place_in_the_tui__now_the_team_inbox_takes_them_marked_in_bulk(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    first = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000001", "family_name": "Eingang"})
    second = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000002", "family_name": "Eingang"})
    jc.reassign([first, second], None)
    store.close()

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert type(app.screen).__name__ == "TeamInboxScreen"
            assert "Team-Eingang" in screen_text(app) and "Eingang, Berta" in screen_text(app)
            await pilot.press("space", "down", "space", "t")
            await settle(pilot, 6)
            assert "Eingang, Berta" not in screen_text(app)

    asyncio.run(run())
    store, jc = services_for(db, tmp_path)
    con = store.raw()
    owners = con.execute("SELECT owner_login FROM fbw_case WHERE id IN (?, ?)", (first.hex, second.hex)).fetchall()
    con.close()
    store.close()
    assert owners == [("ifk.ida",), ("ifk.ida",)]


def test_voucher_and_course_details_had_no_form__now_the_agentur_fills_them_in_the_case(tmp_path):
    from datetime import UTC, date, datetime

    from wbtui.domain.process import Stage, TransitionInput

    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    _store2, aa = services_for(db, tmp_path, "aa")
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000003", "family_name": "Kurs"})
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.move(case_id, Stage.READY)
    jc.send_handover(case_id)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 24, 9, tzinfo=UTC))
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    aa.move(case_id, Stage.VOUCHER_ISSUED, TransitionInput(valid_until=date(2027, 2, 1)))
    store.close()
    _store2.close()

    async def run() -> None:
        app = make_app(tmp_path, db, "aa")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.post_message(__import__("wbtui.messages", fromlist=["OpenCase"]).OpenCase(case_id.hex))
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            assert "Bildungsgutschein und Maßnahme" in screen_text(app)
            app.screen.query_one("#f-voucher_number").value = "BGS-1"
            app.screen.query_one("#f-provider_name").value = "Bildungswerk Muster"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)
            assert type(app.screen).__name__ == "CaseDetailScreen"

    asyncio.run(run())
    store, _ = services_for(db, tmp_path)
    con = store.raw()
    saved = con.execute("SELECT voucher_number, provider_name FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()
    con.close()
    store.close()
    assert saved == ("BGS-1", "Bildungswerk Muster")


def test_the_steering_figures_could_not_leave_the_team_lead_screen__now_x_exports_them(tmp_path):
    db = build_store(tmp_path, cases=40)
    target = tmp_path / "steuerung.csv"

    async def run() -> None:
        app = make_app(tmp_path, db, "lead")  # the steering figures are the team lead's
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("x")
            await settle(pilot)
            app.screen.query_one("#prompt").value = str(target)
            await pilot.press("enter")
            await settle(pilot, 6)

    asyncio.run(run())
    body = target.read_text(encoding="utf-8")
    assert body.startswith("Bereich;Schlüssel;Monat;Wert;Bezeichnung")
    assert "Nach Bearbeiter:in" in body and "Dauern in Arbeitstagen" in body
    assert (target.stat().st_mode & 0o777) == 0o600


def test_the_conference_form_had_no_place_time_or_minutes__now_they_reach_the_protocol(tmp_path):
    db = build_store(tmp_path, cases=5)
    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000009", "family_name": "Protokoll"})
    store.close()

    async def run() -> None:

        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            await pilot.press("k")
            await settle(pilot)
            form = app.screen
            form.query_one("#p-name-0").value = "Ida Ifk"
            form.query_one("#p-role-0").value = "jc_ifk"
            form.query_one("#p-org-0").value = "Jobcenter Musterstadt"
            form.query_one("#d-code-0").value = "continue_as_planned"
            form.query_one("#d-owner-0").value = "ifk.ida"
            form.query_one("#d-due-0").value = "10.12.2026"
            form.query_one("#place").value = "Raum 2.14"
            form.query_one("#start-time").value = "10:30"
            form.query_one("#m-status").value = "Kurs läuft"
            form.query_one("#distribution").value = "Agentur für Arbeit; Akte"
            await pilot.press("ctrl+s")
            await settle(pilot, 6)

    asyncio.run(run())
    store, jc = services_for(db, tmp_path)
    from wbtui.services.documents import conference_protocol

    text = conference_protocol(jc, case_id)
    store.close()
    assert "Ort: Raum 2.14" in text and "Uhrzeit: 10:30 Uhr" in text and "Kurs läuft" in text
    assert "1. Agentur für Arbeit" in text and "2. Akte" in text


def test_the_team_lead_could_set_a_colleagues_absence_only_on_the_command_line__now_in_the_team_inbox(tmp_path):
    """``a`` in the team inbox: the team lead is asked for whom first; the absence then routes new work."""
    from wbtui.data.store import open_store

    db = build_store(tmp_path, cases=3)

    async def run() -> None:
        app = make_app(tmp_path, db, "lead")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            for value in ("ifk.ole", "01.12.2026", "12.12.2026", "ifk.max"):
                assert type(app.screen).__name__ == "Prompt"
                app.screen.query_one("#prompt").value = value
                await pilot.press("enter")
                await settle(pilot)
            await settle(pilot, 6)

    asyncio.run(run())
    store = open_store(db)
    con = store.raw()
    rows = con.execute("SELECT login, deputy, date_from, date_until, created_by FROM absence").fetchall()
    con.close()
    store.close()
    assert rows == [("ifk.ole", "ifk.max", "2026-12-01", "2026-12-12", "tl.tina")]
