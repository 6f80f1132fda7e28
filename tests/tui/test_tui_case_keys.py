"""The case's keys at 80x24 (third round): every key the office may use is in the key bar, a pick in the
next-step dialog keeps the focus on its field, the step's toast names the step, an appointment on a day off
is saved with a warning naming the day."""

from __future__ import annotations

import asyncio

from tui_helpers import make_app, make_config, open_case, screen_text, settle, store_with_case


def key_bar(app) -> str:
    from wbtui.widgets.keybar import KeyBar

    return str(app.screen.query_one(KeyBar).render())


def test_the_key_bar_lists_every_key_the_office_may_use_and_a_step_keeps_focus_and_names_itself(tmp_path):
    from wbtui.i18n import set_language
    from wbtui.widgets.choice import ChoiceField

    db, case_id = store_with_case(tmp_path, cases=0)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            detail = app.screen
            keys = key_bar(app)
            for item in ("P Protokoll drucken", "v Übergeben an…", "q Qualifikation", "e Erfassung"):
                assert item in keys, (item, keys)
            assert "Gutschein" not in keys  # voucher and course: not the Jobcenter's in S1
            assert "Esc Zurück" in screen_text(app)  # the bar wraps: nothing cut off at 80 columns
            # the Agentur with a voucher issued: b, not e, not v (it neither edits the intake nor assigns)
            jobcenter, app.config = app.config, make_config(tmp_path, "aa")
            detail.detail = {**detail.detail, "stage": "voucher_issued"}
            detail.refresh_bindings()
            await settle(pilot)
            keys = key_bar(app)
            assert "b Gutschein/Maßnahme" in keys and "Erfassung" not in keys and "Übergeben" not in keys, keys
            set_language("en")  # the same keys from the English catalog
            detail.refresh_bindings()
            await settle(pilot)
            keys = key_bar(app)
            assert "b Voucher/course" in keys and "P Print protocol" in keys and "q Qualification" in keys, keys
            set_language("de")
            await pilot.press("q")  # the Agentur reads qualifications, records none: no form keys
            await settle(pilot)
            keys = key_bar(app)
            assert "Esc Zurück" in keys and "Abschluss" not in keys and "Entfernen" not in keys, keys
            await pilot.press("escape")
            await settle(pilot)
            app.config = jobcenter
            detail.reload()
            await settle(pilot)

            await pilot.press("t", "n")  # an appointment on a Saturday: saved, with a warning naming the day
            await settle(pilot)
            await pilot.press(*"28.11.2026 10:00", "tab", *"fallk")
            await settle(pilot)
            await pilot.press("enter", "ctrl+s")
            await settle(pilot, 6)
            toasts = [(str(n.message), n.severity) for n in app._notifications]
            assert toasts == [("Termin gespeichert. Achtung: Der 28.11.2026 ist ein Samstag, kein Arbeitstag.",
                               "warning")], toasts  # fmt: skip
            assert "28.11.2026 10:00" in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)

            await pilot.press("g")
            await settle(pilot)
            app.screen.query_one("#targets").highlighted = len(app.screen.steps)  # "X Abgeschlossen"
            await pilot.press("enter")
            await settle(pilot)
            field = app.focused
            assert isinstance(field, ChoiceField) and field.id == "in-reason"
            await pilot.press(*"verzogen")  # typing opens the pick list, narrowed
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.focused is field and field.value == "moved"  # stays on the field (one rule)
            assert type(app.screen).__name__ == "MoveScreen"
            await pilot.press("tab")
            assert app.focused.id == "in-note"
            await pilot.press("f10")
            await settle(pilot)
            await pilot.press("j")  # closing cannot be undone: asked once more
            await settle(pilot, 6)
            toasts = [str(n.message) for n in app._notifications]
            assert "Schritt ausgeführt: X Abgeschlossen." in toasts, toasts

    asyncio.run(run())
