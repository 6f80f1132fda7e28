"""Stored text never acts as markup or terminal control on any screen (threats F1-F4, T1-T3).

The hostile values are written straight into the store, as a sync or import bug would,
so these tests exercise the render-time defences, not only input cleaning."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

from common import TODAY
from tui_helpers import EVIL_GIVEN, EVIL_NAME, build_store, make_app, screen_text, settle

KDNR = "999Z000001"


def plant(db) -> str:
    """Create one case through the services, then overwrite its text with hostile values."""
    from tui_helpers import make_config
    from wbtui.data.store import open_store
    from wbtui.services import Services

    store = open_store(db)
    services = Services(store, make_config(db.parent, "jc"), today=TODAY)
    case_id = services.create_case(
        {
            "kundennummer": KDNR,
            "family_name": "Aaaron",
            "given_names": "X",
            "birth_date": "1990-01-01",
            "phone": "0151 1",
            "target_kldb": "52122",
            "training_type": "umschulung",
            "schedule": "vollzeit",
            "necessity_reason": "integration",
            "legal_basis": "sgb_x_69",
        }
    )
    services.add_obstacle(case_id, "R-SCH", status="in_bearbeitung")
    services.add_task(case_id, "placeholder", "ifk.ida", date(2026, 11, 1))
    services.move(case_id, "ready_for_handover")
    services.send_handover(case_id)
    store.close()
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE person SET family_name = ?, given_names = ? WHERE kundennummer = ?", (EVIL_NAME, EVIL_GIVEN, KDNR)
    )
    con.execute("UPDATE obstacle SET service = ? WHERE code = 'R-SCH'", ("[@click=app.quit]Stelle[/]\x1b[2J",))
    con.execute(
        "UPDATE task SET title = ? WHERE title = 'placeholder'", ("[bold]Aufgabe[/bold] \x9b31m [@click=app.bell]x[/]",)
    )
    con.execute(
        "UPDATE handover SET status = 'query', query_text = ? WHERE case_id = ?",
        ("[link='https://phish.example']Rückfrage[/link]\x1b]0;T\x07", case_id.hex),
    )
    con.execute("UPDATE fbw_case SET stage = 'ready_for_handover' WHERE id = ?", (case_id.hex,))
    con.commit()
    con.close()
    return case_id.hex


def assert_literal(text: str, *fragments: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    for fragment in fragments:
        assert fragment in text, fragment


def test_T1_T2_hostile_text_is_literal_on_every_screen(tmp_path):
    db = build_store(tmp_path, cases=20)
    plant(db)

    async def run() -> None:
        app = make_app(tmp_path, db, "jc")
        quits = []
        original_exit = app.exit
        app.exit = lambda *a, **k: quits.append(a) or original_exit(*a, **k)
        async with app.run_test(size=(220, 50)) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            for ch in "999Z":
                await pilot.press(ch)
            await pilot.press("enter")
            await settle(pilot, 6)
            assert_literal(screen_text(app), EVIL_NAME)
            await pilot.click("CaseList", offset=(8, 0))  # click right on the "[@click=app.quit]" text
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot, 6)
            assert type(app.screen).__name__ == "CaseDetailScreen"
            detail = screen_text(app)
            assert_literal(
                detail,
                EVIL_NAME,
                "[bold]Aufgabe[/bold]",
                "[@click=app.bell]x[/]",
                "[link='https://phish.example']Rückfrage[/link]",
            )
            await pilot.click("#head1", offset=(3, 0))
            await pilot.click("#tasks", offset=(20, 1))
            await settle(pilot)

            await pilot.press("h")
            await settle(pilot)
            assert_literal(screen_text(app), "[@click=app.quit]Stelle[/]")

            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("u")
            await settle(pilot, 6)
            assert_literal(screen_text(app), EVIL_NAME, "[link='https://phish.example']Rückfrage[/link]")
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("w")
            await settle(pilot)
            await pilot.press("t")  # team view shows every owner's follow-ups
            await settle(pilot)
            assert_literal(screen_text(app), "[bold]Aufgabe[/bold]")
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            assert_literal(screen_text(app), EVIL_NAME, "[link='https://phish.example']Rückfrage[/link]")
            assert app.is_running and not quits
            assert not list(tmp_path.glob("*.svg"))  # no screenshot written by an injected action

    asyncio.run(run())


def test_T3_pasted_escape_sequences_are_dropped(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        from textual import events

        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            field = app.screen.query_one("#f-family_name")
            field.focus()
            await pilot.pause()
            field.post_message(events.Paste("Mül\x1b]52;c;ZXZpbA==\x07ler\x9b2J"))
            await settle(pilot)
            assert field.value == "Mül]52;c;ZXZpbA==ler2J"
            assert "\x1b" not in field.value

    asyncio.run(run())


def test_F6_screenshot_command_is_not_offered(tmp_path):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db, "jc")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Screenshot" not in titles and "Fallliste" in titles

    asyncio.run(run())


def _run_under_pty(argv: list[str], env: dict, until: bytes, keys: list[bytes], timeout: float = 25) -> bytes:
    """Run a real process on a pseudo-terminal; return every byte it wrote (what a terminal would receive)."""
    import os
    import pty
    import signal
    import time

    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    seen = b""
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and until not in seen:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
        assert until in seen, seen[-400:]
        for key in keys:
            os.write(fd, key)
            time.sleep(0.8)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        return seen
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def test_T3_no_escape_sequence_from_data_reaches_the_terminal(tmp_path):
    """The planted ESC ] 52 (clipboard), ESC ] 0 (title), C1 CSI and ESC [ 2J never reach the pty."""
    import os
    import sys

    db = build_store(tmp_path, cases=5)
    plant(db)
    env = dict(os.environ, WBTUI_DB=str(db), TERM="xterm-256color")  # no WBTUI_CONFIG: the defaults
    out = _run_under_pty([sys.executable, "-m", "wbtui"], env, b"Kunde", [b"\x1b[B" * 6, b"\r", b"\x11"])
    assert b"999Z000001" in out or b"Klick" in out  # the planted case was on screen
    for payload in (b"\x1b]52", b"\x1b]0;T", b"\xc2\x9b31m", b"\x9b31m", b"\x1b]8;;https://phish"):
        assert payload not in out, payload


def test_T4_crash_output_shows_no_local_variables(tmp_path):
    """A handler that crashes with a secret in a local variable: the terminal shows a short message, not the secret."""
    import os
    import sys

    db = build_store(tmp_path, cases=3)
    script = tmp_path / "crash.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\nfrom textual.binding import Binding\nfrom wbtui.app import WbtuiApp\nfrom wbtui.config import load\n"
        "class Crashing(WbtuiApp):\n"
        "    BINDINGS = [*WbtuiApp.BINDINGS, Binding('f9', 'explode', 'x', id='test.explode')]\n"
        "    def action_explode(self):\n"
        "        api_token = 'TOKEN-SECRET-4711'\n"
        "        diagnose = 'F32.1 mittelgradige Episode'\n"
        "        raise RuntimeError('boom')\n"
        "Crashing(load(None), db=Path(sys.argv[1])).run()\n",
        encoding="utf-8",
    )
    env = dict(os.environ, TERM="xterm-256color")  # no WBTUI_CONFIG: the defaults
    out = _run_under_pty([sys.executable, str(script), str(db)], env, b"Kunde", [b"\x1b[20~"])
    assert b"TOKEN-SECRET-4711" not in out and b"F32.1" not in out
    assert b"RuntimeError" in out or b"Interner Fehler" in out  # the user is told something went wrong


MARKUPISH = "[]/\\@=:'\"#!~|*_`<>() "


def _markup_text():
    from hypothesis import strategies as st

    return st.text(alphabet=st.one_of(st.sampled_from(list(MARKUPISH)), st.characters(codec="utf-8")), max_size=60)


def test_T2_any_text_renders_literally_without_error():
    """Hypothesis: arbitrary text full of brackets and backslashes is shown exactly (after control stripping), never parsed."""
    from hypothesis import given, settings
    from rich.console import Console

    from wbtui.domain.text import clean
    from wbtui.widgets.safe import safe, safe_block

    @settings(max_examples=300, deadline=None)
    @given(_markup_text())
    def check(value: str) -> None:
        console = Console(width=400, color_system=None, record=True, legacy_windows=False, soft_wrap=True)
        console.print(safe(value), end="")
        assert console.export_text().rstrip("\n") == clean(value).rstrip()
        block = safe_block(value)
        assert block.plain == clean(value, multiline=True)
        assert not block.spans  # no style came from the data

    check()


def test_T2_generated_hostile_names_show_exactly_on_the_board_and_detail(tmp_path):
    """Names drawn by Hypothesis, stored raw, rendered by the real list and case view."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from wbtui.domain.text import clean

    db = build_store(tmp_path, cases=1)
    case_id = plant(db)
    names = []

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.text(alphabet=st.sampled_from(list("[]/@=ab'\\ ")), min_size=3, max_size=24).filter(
            lambda s: clean(s).strip() == s and "  " not in s
        )
    )
    def collect(value):
        names.append(value)

    collect()
    sample = [n for n in names if len(n.strip()) >= 3][:6] or ["[b]x[/b]"]

    async def run() -> None:
        for value in sample:
            con = sqlite3.connect(db)
            con.execute("UPDATE person SET family_name = ?, given_names = 'Q' WHERE kundennummer = ?", (value, KDNR))
            con.commit()
            con.close()
            app = make_app(tmp_path, db, "jc")
            async with app.run_test(size=(160, 40)) as pilot:
                await settle(pilot)
                from wbtui.screens.case_detail import CaseDetailScreen

                app.push_screen(CaseDetailScreen(case_id))
                await settle(pilot)
                text = screen_text(app)
                assert f"{value}, Q" in text, (value, text[:400])

    asyncio.run(run())
