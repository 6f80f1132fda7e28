"""A VT100-class terminal gets plain ASCII on every screen (issue 14, point 10): wbtui's own symbols, the
catalogs' quotes and dashes and Textual's own drawing (borders, scroll bars, the key bar's Enter sign)."""

from __future__ import annotations

import asyncio
import unicodedata

from rich.cells import cell_len

from tui_helpers import build_store, make_app, screen_text, settle


def symbols(text: str) -> set[str]:
    """What a VT100 could not show: anything beyond ASCII but letters (names, umlauts) and § (legal texts)."""
    return {c for c in text if not c.isascii() and c != "§" and unicodedata.category(c)[0] not in "LM"}


def test_the_ascii_stand_ins_keep_every_column_in_place():
    from wbtui.widgets.ascii import to_ascii

    drawn = "╭─╮│╰╯┃━▁▄▆█▏▕ „Zitat“ – Şahin · § 69 SGB X … ✓ ✗ ▾ → ⏎ • 🔎"
    plain = to_ascii(drawn)
    assert symbols(plain) == set()
    assert cell_len(plain) == cell_len(drawn)
    assert "Şahin" in plain and "§ 69 SGB X" in plain and '"Zitat"' in plain


def test_every_screen_is_plain_ascii_on_a_vt100(tmp_path, monkeypatch):
    from wbtui.widgets import glyphs

    monkeypatch.setenv("TERM", "vt100")
    glyphs.ascii_only.cache_clear()
    db = build_store(tmp_path, cases=40)
    seen: dict[str, set[str]] = {}

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            # a screen of each kind of drawing: wbtui's symbols (✓ ✗ → …), catalog quotes and dashes, Textual's
            # borders, scroll bars, the key bar's Enter sign, the palette's search sign and half blocks
            walk = [
                ("board", ()), ("case", ("enter",)), ("status pick list", ("h", "down", "enter")),
                ("handover", ("escape", "escape", "u")), ("follow-ups", ("escape", "escape", "w")),
                ("help", ("f1",)), ("palette", ("f1", "ctrl+p")), ("unsaved changes", ("escape", "escape", "n", "1", "escape")),
            ]  # fmt: skip
            for name, keys in walk:
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
                seen[name] = symbols(screen_text(app))

    try:
        asyncio.run(run())
    finally:
        glyphs.ascii_only.cache_clear()
    assert {name: found for name, found in seen.items() if found} == {}
