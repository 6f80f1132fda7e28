"""An unexpected error in the TUI: the traceback goes to the log file (without Sozialdaten), the caseworker
reads one line naming the log — in an action's worker, in the sync worker and in the event loop."""

from __future__ import annotations

import asyncio

from tui_helpers import build_store, make_app, settle

SENTINEL = "Zwetschgenbaum"


def _log_text(tmp_path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").glob("*.log*"))


def test_an_action_that_fails_is_logged_with_its_traceback_and_named_in_one_line(tmp_path, monkeypatch):
    from wbtui import logs

    logs.setup(tmp_path / "logs")
    db = build_store(tmp_path, cases=5)
    app = make_app(tmp_path, db)
    shown: list[str] = []

    def bug() -> None:
        raise KeyError(f"no entry for {SENTINEL!r}")

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            monkeypatch.setattr(app, "say", lambda message, error=False: shown.append(message))
            app.do(bug)
            await settle(pilot)

    try:
        asyncio.run(run())
    finally:
        logs.shutdown()
    log = _log_text(tmp_path)
    assert "Traceback" in log and "KeyError" in log and "in bug" in log
    assert SENTINEL not in log
    assert len(shown) == 1 and "KeyError" in shown[0] and str(tmp_path / "logs") in shown[0]


def test_a_crash_of_the_event_loop_is_logged_and_leaves_one_line(tmp_path, capfd):
    from wbtui import logs

    logs.setup(tmp_path / "logs")
    db = build_store(tmp_path, cases=5)
    app = make_app(tmp_path, db)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)

            def explode() -> None:
                raise ValueError(f"bad value {SENTINEL}")

            app.call_later(explode)
            await pilot.pause()

    try:
        asyncio.run(run())
    except ValueError:
        pass  # run_test re-raises the app's exception after the app has ended
    finally:
        logs.shutdown()
    log = _log_text(tmp_path)
    assert "Traceback" in log and "ValueError" in log and "in explode" in log
    assert SENTINEL not in log
    assert app.return_code == 1
    captured = capfd.readouterr()
    printed = " ".join((captured.out + captured.err).split())  # the line as the terminal shows it (wrapped)
    assert "ValueError" in printed and "logs" in printed and SENTINEL not in printed


def test_a_bug_in_the_sync_worker_is_logged_not_reported_as_offline_only(tmp_path, monkeypatch):
    """Network trouble says "offline"; a programming error also says so on the line, but is logged with
    its traceback and named once (it used to vanish behind "offline")."""
    from common import JC_CONFIG
    from wbtui import logs
    from wbtui.app import WbtuiApp
    from wbtui.config import load

    logs.setup(tmp_path / "logs")
    db = build_store(tmp_path, cases=5)
    config = tmp_path / "jc-sync.toml"
    config.write_text(JC_CONFIG.format(lang="de") + '\n[sync]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    monkeypatch.setenv("WBTUI_TOKEN", "not-a-real-token")

    def broken_client(*_args, **_kwargs):
        raise AttributeError(f"client set-up bug near {SENTINEL}")

    monkeypatch.setattr("wbtui.services.sync.open_client", broken_client)
    app = WbtuiApp(load(config), db=db)
    shown: list[str] = []

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            monkeypatch.setattr(app, "say", lambda message, error=False: shown.append(message))
            await pilot.press("f5")
            await settle(pilot, rounds=8)

    try:
        asyncio.run(run())
    finally:
        logs.shutdown()
    log = _log_text(tmp_path)
    assert "AttributeError" in log and "in broken_client" in log and SENTINEL not in log
    assert any("AttributeError" in line for line in shown)
    assert "offline" in app.sync_line
