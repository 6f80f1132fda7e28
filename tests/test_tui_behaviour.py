"""TUI behaviour that a caseworker relies on: remappable keys, help, palette, errors keep input."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from tui_helpers import build_store, make_app, screen_text, settle


def test_bindings_have_ids_and_remap_from_config(tmp_path):
    db = build_store(tmp_path, cases=5)
    from wbtui.config import load

    cfg_path = tmp_path / "keys.toml"
    cfg_path.write_text('[user]\nlogin = "ifk.ida"\nrole = "jc_ifk"\n[keys]\n"board.new" = "x"\n', encoding="utf-8")

    async def run() -> None:
        from wbtui.app import WbtuiApp
        from conftest import TODAY

        app = WbtuiApp(load(cfg_path), db=db, today=TODAY)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for active in app.screen.active_bindings.values():
                own = [b for cls in type(active.node).__mro__ if cls.__module__.startswith("wbtui") for b in cls.__dict__.get("BINDINGS", [])]
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
            assert "Fallliste / case list" in screen_text(app)
            await pilot.press("f1")
            await settle(pilot)
            assert "Fallliste / case list" not in screen_text(app)

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
