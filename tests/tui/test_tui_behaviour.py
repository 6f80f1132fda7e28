"""TUI behaviour that a caseworker relies on: remappable keys, help, palette, errors keep input."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from tui_helpers import build_store, make_app, screen_text, services_for, settle


def test_bindings_have_ids_and_remap_from_config(tmp_path):
    db = build_store(tmp_path, cases=5)
    from wbtui.config import load

    cfg_path = tmp_path / "keys.toml"
    cfg_path.write_text('[user]\nlogin = "ifk.ida"\nrole = "jc_ifk"\n[keys]\n"board.new" = "x"\n', encoding="utf-8")

    async def run() -> None:
        from common import TODAY
        from wbtui.app import WbtuiApp

        app = WbtuiApp(load(cfg_path), db=db, today=TODAY)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for active in app.screen.active_bindings.values():
                own = [
                    b
                    for cls in type(active.node).__mro__
                    if cls.__module__.startswith("wbtui")
                    for b in cls.__dict__.get("BINDINGS", [])
                ]
                if active.binding in own:
                    assert active.binding.id, active.binding.key
            await pilot.press("n")  # the old key no longer opens the intake
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"
            await pilot.press("x")
            await settle(pilot)
            assert type(app.screen).__name__ == "IntakeScreen"

    asyncio.run(run())


def test_every_screen_binding_has_an_id():
    import importlib
    import pkgutil

    import wbtui.screens
    import wbtui.widgets

    for package in (wbtui.screens, wbtui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for obj in vars(module).values():
                if not isinstance(obj, type) or not obj.__module__.startswith("wbtui"):
                    continue
                for binding in obj.__dict__.get("BINDINGS", []):
                    if hasattr(binding, "id"):
                        assert binding.id, (obj, binding.key)


def test_invalid_intake_keeps_content_and_says_why(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(100, 40), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            for key in ("1", "2", "3"):
                await pilot.press(key)
            await pilot.press("tab", "tab", "M", "u", "tab", "E")
            await pilot.press("f10")
            await settle(pilot)
            assert type(app.screen).__name__ == "IntakeScreen"
            assert app.screen.query_one("#f-kundennummer").value == "123"
            assert app.screen.query_one("#f-family_name").value == "Mu"
            assert "Ungültige Kundennummer" in screen_text(app)

    asyncio.run(run())


def test_refused_transition_shows_reason_and_keeps_dialog(tmp_path):
    db = build_store(tmp_path, cases=30)

    async def run() -> None:
        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("g")
            await settle(pilot)
            text = screen_text(app)
            assert "✗" in text or "✓" in text
            assert type(app.screen).__name__ == "MoveScreen"

    asyncio.run(run())


def test_f1_shows_help_for_focused_widget(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f1")
            await settle(pilot)
            assert "Fallliste" in screen_text(app)
            await pilot.press("f1")
            await settle(pilot)
            assert "Fallliste" not in screen_text(app)

    asyncio.run(run())


def test_english_everywhere_though_imported_in_german(tmp_path):
    """Screens imported while German was set (a process that started in German) speak English once the
    language is English: footer, help panel and its key list, palette commands and their help, toasts."""
    import wbtui.screens.board
    import wbtui.screens.case_detail  # noqa: F401

    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from textual.command import CommandInput

        app = make_app(tmp_path, db, "jc", lang="en")
        # tall enough for the help panel's whole key list (it grew with the history key "q")
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("enter")  # a case: its own keys in the footer
            await settle(pilot)
            await pilot.press("f1")
            await settle(pilot)
            text = screen_text(app)
            assert "Next steps" in text and "Training type: Adaptation training" in text, text
            assert "g next step" in text and "Print protocol" in text and "g Step  e Intake" in text, text
            for german in ("Schritt", "Erfassung", "Drucken", "Hemmnisse", "Einwilligung", "offen", "Anpassung"):
                assert german not in text, german
            from wbtui.screens.commands import collect

            commands = {c.title: c.help for c in collect(app, app.screen)}
            assert commands["Keys"] == "Hide the keys and widget help panel"
            assert commands["New case"] == "Intake and need assessment · key n"
            assert commands["Step"] == "Key: g"
            app.action_help_quit()
            await settle(pilot)
            assert any(n.message == "Press ^q to quit the app" for n in app._notifications)
            await pilot.press("ctrl+p")
            await settle(pilot)
            assert app.screen.query_one(CommandInput).placeholder == "Search for commands…"

    asyncio.run(run())


def test_no_color_is_honoured(tmp_path, monkeypatch):
    db = build_store(tmp_path, cases=5)
    monkeypatch.setenv("NO_COLOR", "1")

    async def run() -> None:
        import re

        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            svg = app.export_screenshot()
        # #c5c8c6 is the SVG exporter's own default foreground, not a colour of the app
        colours = set(re.findall(r"fill: (#[0-9a-f]{6})", svg)) - {"#c5c8c6"}
        greys = {c for c in colours if c[1:3] == c[3:5] == c[5:7]}
        assert colours == greys, colours - greys

    asyncio.run(run())


def test_exits_when_terminal_goes_away(tmp_path):
    """A real TUI under a pty receives SIGHUP (SSH dropped) and exits by itself, cleanly."""
    import pty

    db = build_store(tmp_path, cases=5)
    env = dict(os.environ, WBTUI_DB=str(db), TERM="xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:  # child: the real wbtui entry point
        os.execve(sys.executable, [sys.executable, "-m", "wbtui"], env)
    try:
        deadline = time.time() + 20
        seen = b""
        while time.time() < deadline and b"Kunde" not in seen:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
        assert b"Kunde" in seen, seen[-400:]
        os.kill(pid, signal.SIGHUP)
        deadline = time.time() + 15
        status = None
        while time.time() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:
                os.read(fd, 65536)
            except OSError:
                pass
            time.sleep(0.1)
        assert status is not None and os.WIFEXITED(status), status
        assert b"Traceback" not in seen
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)


def test_print_key_writes_handover_sheet_pdf_and_asks_before_replacing(tmp_path):
    import sqlite3

    db = build_store(tmp_path, cases=60)
    con = sqlite3.connect(db)
    case_id = con.execute("SELECT case_id FROM handover ORDER BY sent_at LIMIT 1").fetchone()[0]
    con.close()
    target = tmp_path / "out" / "bogen.pdf"
    target.parent.mkdir()

    async def run() -> None:
        from wbtui.screens.case_detail import CaseDetailScreen

        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(CaseDetailScreen(case_id))
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            prompt = app.screen.query_one("#prompt")
            assert prompt.value.endswith(".pdf") and "Uebergabebogen-" in prompt.value
            prompt.value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            assert target.read_bytes().startswith(b"%PDF-") and (target.stat().st_mode & 0o777) == 0o600
            assert type(app.screen).__name__ == "CaseDetailScreen"
            await pilot.press("p")
            await settle(pilot)
            app.screen.query_one("#prompt").value = str(target)
            target.write_bytes(b"old")
            await pilot.press("enter")
            await settle(pilot)
            assert "Die Datei gibt es schon – ersetzen?" in screen_text(app)  # asked, no CLI advice (--force)
            await pilot.press("n")
            await settle(pilot)
            assert target.read_bytes() == b"old"
            await pilot.press("p")
            await settle(pilot)
            app.screen.query_one("#prompt").value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("j")
            await settle(pilot, 6)
            assert target.read_bytes().startswith(b"%PDF-")
            assert not any("--force" in str(n.message) for n in app._notifications)

    asyncio.run(run())


def test_team_screen_charts_match_the_report_figures(tmp_path):
    from common import TODAY
    from tui_helpers import make_config
    from wbtui.data.store import open_store
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import report

    db = build_store(tmp_path, cases=200)
    store = open_store(db)
    con = store.raw()
    config = make_config(tmp_path)
    exact = report.compute(con, TimerEngine(TODAY, config.timers, config.calendar()))
    figures = report.suppressed(exact)  # the screen shows what every export shows
    con.close()
    store.close()

    async def run() -> None:
        app = make_app(tmp_path, db, "lead")
        async with app.run_test(size=(100, 60)) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert type(app.screen).__name__ == "TeamScreen"
            text = screen_text(app)
            total = report.protect(sum(exact["stages"].values()))
            assert f"{total} Fälle" in text and "Fälle je Stufe" in text and "█" in text
            step = figures["durations_workdays"]["handed_over->counselled"]
            assert f"Median {step['median'] or '–'} · p90 {step['p90'] or '–'} · n={step['n']}" in text
            funnel = figures["funnel"]
            assert (
                f"{funnel['handed_over']}  ({round(funnel['handed_over'] / funnel['need_identified'] * 100)} %)" in text
            )
            await pilot.press("escape")
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"

    asyncio.run(run())


def test_steering_screen_showed_exact_small_counts_and_opened_for_jc_ifk__now_protected_and_team_lead_only(tmp_path):
    """One S2 case: the screen says <3 where it said 1, as ``report --format csv`` does; jc_ifk is refused."""
    from common import COMPLETE_CASE

    db = tmp_path / "one.db"
    store, ifk = services_for(db, tmp_path)
    ifk.move(ifk.create_case(COMPLETE_CASE), "obstacles_in_clarification")
    store.close()

    async def run(side: str) -> str:
        app = make_app(tmp_path, db, side)
        async with app.run_test(size=(100, 60), notifications=True) as pilot:
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            said = " ".join(str(n.message) for n in app._notifications)
            return type(app.screen).__name__ + "\n" + screen_text(app) + "\n" + said

    refused = asyncio.run(run("jc"))
    assert not refused.startswith("TeamScreen") and "Teamleitung" in refused
    shown = asyncio.run(run("lead"))
    assert shown.startswith("TeamScreen")
    s2_line = next(line for line in shown.splitlines() if "S2 " in line)
    assert "<3" in s2_line and not s2_line.rstrip().endswith(" 1")
    assert "<3 Fälle" in shown


def test_bar_chart_scales_to_the_largest_value_in_eighths():
    from wbtui.widgets.charts import bar, bar_chart

    assert bar(10, 10, 8) == "█" * 8
    assert bar(5, 10, 8) == "█" * 4
    assert bar(1, 16, 2) == "▏"  # the smallest value still shows
    assert bar(0, 10, 8) == "" and bar(3, 0, 8) == ""
    chart = bar_chart(
        [("[b]x[/b]", 4, "4"), ("lang " * 10, 2, "2"), ("leer", None, "–")], total=23, label_width=10
    ).plain
    lines = chart.splitlines()
    assert lines[0].startswith("  [b]x[/b]") and "████████ 4" in lines[0]
    assert "…" in lines[1] and "████ " in lines[1] and lines[2].rstrip().endswith("–")


def test_break_glass_prompt_in_the_tui_opens_the_case_only_with_a_reason(tmp_path):
    import sqlite3

    from common import JC_CONFIG, TODAY
    from wbtui.app import WbtuiApp
    from wbtui.config import load

    db = build_store(tmp_path, cases=30)
    cfg = tmp_path / "nord.toml"
    cfg.write_text(JC_CONFIG.format(lang="de") + 'team = "Team Nord"\n', encoding="utf-8")
    con = sqlite3.connect(db)  # every case belongs to a colleague of "Team FbW"
    con.execute("UPDATE fbw_case SET owner_login = 'ifk.kim', owner_team = 'Team FbW'")
    kundennummer = con.execute("SELECT kundennummer FROM person LIMIT 1").fetchone()[0]
    con.commit()
    con.close()

    async def run() -> None:
        app = WbtuiApp(load(cfg), db=db, today=TODAY)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert "0 von 0" in screen_text(app)  # no other team's names on the board
            await pilot.press("slash")  # the exact Kundennummer names the case: Enter asks for a reason
            for ch in kundennummer:
                await pilot.press(ch)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "Prompt"
            assert "Grund für den Zugriff" in screen_text(app)
            await pilot.press("escape")  # no reason: back to the list, nothing shown
            await settle(pilot)
            assert type(app.screen).__name__ == "BoardScreen"
            await pilot.press("slash", "enter")
            await settle(pilot)
            for ch in "Vertretung laut Plan":
                await pilot.press("space" if ch == " " else ch)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            assert app.screen.detail is not None

    asyncio.run(run())
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT a.actor, a.reason, n.text FROM audit_log a JOIN audit_note n ON n.entry_id = a.id"
        " WHERE a.action = 'break_glass'"
    ).fetchall()  # the reason's text is kept beside the chain, deleted with the case (README "Audit trail")
    con.close()
    assert rows == [("ifk.ida", "note", "Vertretung laut Plan")]


def test_T20_idle_lock_hides_every_case_and_only_the_login_unlocks(tmp_path):
    db = build_store(tmp_path, cases=20)

    async def run() -> None:
        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            detail = app.screen.detail
            name = detail["person"]["family_name"]
            assert name in screen_text(app)
            now = app.clock()
            app.clock = lambda: now  # frozen clock
            app.last_input = now - 14 * 60  # set right before each check: no stray event can move it in between
            app.lock_if_idle()
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"  # 14 minutes: not yet
            app.last_input = now - 15 * 60
            app.lock_if_idle()
            await settle(pilot)
            assert type(app.screen).__name__ == "LockScreen"
            text = screen_text(app)
            assert "Gesperrt" in text and name not in text and detail["person"]["kundennummer"] not in text
            for key in ("f2", "ctrl+p", "escape"):
                await pilot.press(key)  # no way around the lock
                await settle(pilot)
                assert type(app.screen).__name__ == "LockScreen"
            for ch in "falsch":
                await pilot.press(ch)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "LockScreen" and "stimmt nicht" in screen_text(app)
            for ch in "ifk.ida":
                await pilot.press("full_stop" if ch == "." else ch)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen" and name in screen_text(app)

    asyncio.run(run())


def test_consent_manager_records_revokes_and_shows_what_is_blocked(tmp_path):
    import sqlite3

    db = build_store(tmp_path, cases=3)
    from common import COMPLETE_CASE, TODAY

    store, jc = services_for(db, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A999999", "legal_basis": None})
    store.close()

    async def run() -> None:
        from wbtui.screens.consent import ConsentScreen

        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(ConsentScreen(case_id.hex))
            await settle(pilot)
            text = screen_text(app)
            assert "✗ Übergabe an die Agentur blockiert" in text and "✗ Fallkonferenz mit Dritten blockiert" in text
            await pilot.press(
                "f10"
            )  # defaults: Übergabe, Agentur, Stammdaten/Qualifikation/Hemmnisse, schriftlich, today
            await settle(pilot)
            text = screen_text(app)
            assert "✓ Übergabe: Einwilligung oder § 69 SGB X liegt vor" in text and "gültig" in text
            app.screen.query_one("#consents").focus()
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert "Einwilligung widerrufen?" in screen_text(app)  # asked first: it cannot be taken back
            await pilot.press("j")
            await settle(pilot)
            assert "widerrufen" in screen_text(app) and "✗ Übergabe an die Agentur blockiert" in screen_text(app)

    asyncio.run(run())
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT purpose, recipients, data_groups, revoked_on FROM consent WHERE person_id ="
        " (SELECT person_id FROM fbw_case WHERE id = ?)",
        (case_id.hex,),
    ).fetchall()
    con.close()
    assert rows == [("fbw_uebergabe", '["agentur"]', '["hemmnisse", "qualifikation", "stammdaten"]', TODAY.isoformat())]


def test_dsb_sees_the_audit_trail_in_the_tui_and_a_caseworker_does_not(tmp_path):
    from common import TODAY
    from wbtui.app import WbtuiApp
    from wbtui.config import load

    db = build_store(tmp_path, cases=10)

    async def caseworker() -> None:
        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("enter")  # a read that the DSB will see
            await settle(pilot)
            await pilot.press("f8")
            await settle(pilot)
            assert type(app.screen).__name__ != "AuditScreen"
            assert any("Berechtigung" in str(n.message) for n in app._notifications)

    async def dsb() -> None:
        cfg = tmp_path / "dsb.toml"
        cfg.write_text('[user]\nname = "Dora"\nlogin = "dsb.dora"\nrole = "dsb"\n', encoding="utf-8")
        app = WbtuiApp(load(cfg), db=db, today=TODAY)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            await pilot.press("f8")
            await settle(pilot)
            assert type(app.screen).__name__ == "AuditScreen"
            text = screen_text(app)
            assert "unverändert" in text and "ifk.ida · Integration" in text and "gelesen" in text
            assert "dsb.dora · Datenschut" in text  # opening the trail is itself on the record
            for code in ("(jc_ifk)", " read ", "fbw_case", "actor=", "T0", "(dsb)"):  # issue 14: no codes
                assert code not in text, code

    asyncio.run(caseworker())
    asyncio.run(dsb())


def test_list_tables_are_full_width_in_the_first_frame_painted_after_a_reload():
    """A frame painted between filling a table and the table's next idle moment (a busy host)
    must already show whole names: DataTable measures auto-width columns only when idle and
    keeps the cells it painted before, cut to the header's width (seen in CI as 'Übe', 'Wiśn')."""
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable

    from wbtui.widgets.tables import fill_table

    class One(App):
        CSS = "DataTable { height: 1fr; }"  # laid out before any row arrives, as on the list screens

        def compose(self):
            yield DataTable()

    rows = [
        ((Text("Übergabe erhalten"), Text("Wiśniewska, Monika")), "a"),
        ((Text("Rückfrage"), Text("Demir, Laura")), "b"),
    ]

    async def run() -> None:
        app = One()
        async with app.run_test(size=(80, 10)) as pilot:
            table = app.query_one(DataTable)
            await pilot.pause()
            for _ in range(2):  # the first fill, then a reload of the same screen
                fill_table(table, ["Art", "Name"], rows)
                early = screen_text(app)  # painted before the table's Idle handler ran
                await pilot.pause()
                late = screen_text(app)
                for text in (early, late):
                    assert "Übergabe erhalten" in text and "Wiśniewska, Monika" in text, text
                assert early == late

    asyncio.run(run())


def test_list_screens_fill_their_tables_only_through_fill_table():
    """The width rule above holds for every list screen only if none adds rows on its own."""
    from pathlib import Path

    import wbtui

    root = Path(wbtui.__file__).parent
    direct = [
        f"{path.relative_to(root)}: {needle}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "tables.py"
        for needle in (".add_row(", ".add_rows(", ".add_column(", ".add_columns(")
        if needle in path.read_text(encoding="utf-8")
    ]
    assert direct == []


def test_board_names_the_role_when_no_user_name_is_configured(tmp_path):
    """The built-in user name is German text; without a configured name the board shows the role, translated."""
    from wbtui.config import load
    from wbtui.i18n import set_language
    from wbtui.screens.board import user_label

    path = tmp_path / "role-only.toml"
    path.write_text('[user]\nlogin = "aa.anton"\nrole = "aa_beratung"\n', encoding="utf-8")
    set_language("en")
    assert user_label(load(path)) == "Agentur counsellor"
    path.write_text('[user]\nname = "Anton Berater"\nrole = "aa_beratung"\n', encoding="utf-8")
    assert user_label(load(path)) == "Anton Berater"


def test_screens_style_through_the_app_stylesheet():
    """One stylesheet (wbtui.tcss, App.CSS_PATH) for the app and its screens; DEFAULT_CSS only in reusable widgets."""
    import importlib
    import pkgutil

    import wbtui.screens
    from wbtui.app import WbtuiApp

    assert WbtuiApp.CSS_PATH.name == "wbtui.tcss" and WbtuiApp.CSS_PATH.is_file() and not WbtuiApp.CSS
    for info in pkgutil.iter_modules(wbtui.screens.__path__):
        module = importlib.import_module(f"wbtui.screens.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                assert "DEFAULT_CSS" not in obj.__dict__, obj
