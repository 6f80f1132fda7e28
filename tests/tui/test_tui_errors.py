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
