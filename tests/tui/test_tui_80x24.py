"""80x24 checks that a snapshot cannot hold (issue 14, point 5): screens whose content carries the time of
the test run, and lines that must be whole at the thin client's size."""

from __future__ import annotations

import asyncio

from common import TODAY
from tui_helpers import build_store, screen_text, settle


def test_the_audit_trail_shows_time_who_action_and_object_and_its_check_whole_at_80x24(tmp_path):
    from wbtui.app import WbtuiApp
    from wbtui.config import load
    from wbtui.i18n import set_language

    set_language("de")
    db = build_store(tmp_path, cases=5)
    cfg = tmp_path / "dsb.toml"
    cfg.write_text(
        '[office]\nname = "Jobcenter Musterstadt"\nkind = "jobcenter_ge"\n'
        '[user]\nname = "Dora Datenschutz"\nlogin = "dsb.dora"\nrole = "dsb"\n',
        encoding="utf-8",
    )

    async def run() -> None:
        app = WbtuiApp(load(cfg), db=db, today=TODAY)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("f8")
            await settle(pilot)
            assert type(app.screen).__name__ == "AuditScreen"
            text = screen_text(app)
            header = next(line for line in text.splitlines() if "Zeit" in line)
            assert all(word in header for word in ("Wer", "Aktion", "Objekt"))
            check = " ".join(str(app.screen.query_one("#audit-status").render()).split())
            assert check.startswith("Protokoll") and check in " ".join(text.split())  # whole, if wrapped
            assert "dsb.dora" in text and "team_inbox" not in text

    asyncio.run(run())


def test_no_list_needs_sideways_scrolling_at_80x24_or_60x20(tmp_path):
    """Issue 14, points 1 and 5: what a caseworker acts on is never off to the right. Every table of every
    list screen fits its width (the whole row is in the detail line under it)."""
    from wbtui.app import WbtuiApp
    from wbtui.config import load

    db = build_store(tmp_path, cases=60)
    dsb = tmp_path / "dsb.toml"
    dsb.write_text('[user]\nname = "Dora Datenschutz"\nlogin = "dsb.dora"\nrole = "dsb"\n', encoding="utf-8")
    walks = {
        "jc": [("enter", "h"), ("escape", "i"), ("escape", "t"), ("escape", "escape", "w"), ("escape", "i"),
               ("escape", "e"), ("escape", "f6")],
        "aa": [("i",), ("escape", "enter", "t")],
        "dsb": [("f8",)],
    }  # fmt: skip
    wide: list[tuple] = []

    async def run(side: str, size: tuple[int, int]) -> None:
        from tui_helpers import make_app

        app = WbtuiApp(load(dsb), db=db, today=TODAY) if side == "dsb" else make_app(tmp_path, db, side)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for keys in walks[side]:
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
                for table in app.screen.query("DataTable"):
                    if table.max_scroll_x > 0:
                        wide.append((side, size, type(app.screen).__name__, table.max_scroll_x))

    for side in walks:
        for size in ((80, 24), (60, 20)):
            asyncio.run(run(side, size))
    assert wide == [], wide
