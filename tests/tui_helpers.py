"""Helpers for TUI tests: a demo store, an app factory and a settle() that waits for workers."""

from __future__ import annotations

import uuid
from pathlib import Path

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, LEAD_CONFIG, TODAY

EVIL_NAME = "[@click=app.quit]Klick[/]"
EVIL_GIVEN = "Max\x1b]52;c;ZXZpbA==\x07 [link='https://phish.example']Akte[/link] [red]"


def make_config(tmp_path: Path, side: str = "jc", lang: str = "de"):
    from wbtui.config import load

    text = {"jc": JC_CONFIG, "aa": AA_CONFIG, "lead": LEAD_CONFIG}[side].format(lang=lang)
    path = tmp_path / f"{side}-{lang}.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


def build_store(tmp_path: Path, cases: int = 300, seed: int = 7) -> Path:
    from wbtui.data.store import open_store
    from wbtui.services import Services, demo

    db = tmp_path / "tui.db"
    store = open_store(db)
    Services(store, make_config(tmp_path, "jc"), today=TODAY).actor  # noqa: B018 - create office and user
    con = store.raw(readonly=False)
    demo.generate(con, cases, seed=seed, today=TODAY, home_login="ifk.ida")
    con.close()
    store.close()
    return db


def services_for(db: Path, tmp_path: Path, side: str = "jc"):
    """The store at ``db`` and one office's services on it (close the store before an app opens it)."""
    from wbtui.data.store import open_store
    from wbtui.services import Services

    store = open_store(db)
    return store, Services(store, make_config(tmp_path, side), today=TODAY)


def store_with_case(tmp_path: Path, *, cases: int = 5, **fields: object) -> tuple[Path, uuid.UUID]:
    """A demo store of ``cases`` cases (none: a fresh store) and one complete Jobcenter case of its own (S1,
    ``fields`` over :data:`common.COMPLETE_CASE`), the store closed; returns its path and the case's id."""
    db = build_store(tmp_path, cases=cases) if cases else tmp_path / "tui.db"
    store, jc = services_for(db, tmp_path)
    try:
        return db, jc.create_case({**COMPLETE_CASE, **fields})
    finally:
        store.close()


async def open_case(pilot, case_id: uuid.UUID | str) -> None:
    """Open a case's detail screen as Enter on the board does, and wait until it shows."""
    from wbtui.messages import OpenCase

    pilot.app.post_message(OpenCase(case_id if isinstance(case_id, str) else case_id.hex))
    await settle(pilot)


def make_app(tmp_path: Path, db: Path, side: str = "jc", lang: str = "de"):
    from wbtui.app import WbtuiApp
    from wbtui.i18n import set_language

    set_language(lang)
    return WbtuiApp(make_config(tmp_path, side, lang), db=db, today=TODAY)


async def settle(pilot, rounds: int = 4) -> None:
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def typed_out(pilot, rounds: int = 5000) -> None:
    """Wait until every key posted so far has been handed on by the type-ahead gate (screens/typeahead.py)
    and its effects have run: the app's queue holds no key still to be seen and the gate holds none."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if not app._typed and app._message_queue.empty():
            break
    await settle(pilot)


def screen_text(app) -> str:
    """Plain text of the current screen (what a user reads)."""
    import re
    from html import unescape

    svg = app.export_screenshot()
    lines: dict[float, list[tuple[float, str]]] = {}
    for attrs, body in re.findall(r"<text([^>]*)>(.*?)</text>", svg, flags=re.S):
        x = re.search(r'\bx="([0-9.]+)"', attrs)
        y = re.search(r'\by="([0-9.]+)"', attrs)
        if not x or not y:
            continue
        text = unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")
        lines.setdefault(float(y.group(1)), []).append((float(x.group(1)), text))
    return "\n".join("".join(t for _, t in sorted(parts)) for _, parts in sorted(lines.items()))
