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
            await pilot.resize_terminal(60, 20)  # and nothing off to the right at 60 columns either
            await pilot.pause()
            assert app.screen.query_one("DataTable").max_scroll_x == 0

    asyncio.run(run())


def test_no_list_needs_sideways_scrolling_at_80x24_or_60x20(tmp_path):
    """Issue 14, points 1 and 5: what a caseworker acts on is never off to the right. Every table of every
    list screen fits its width (the whole row is in the detail line under it)."""
    db = build_store(tmp_path, cases=60)
    walks = {
        "jc": [
            ("enter", "h"),
            ("escape", "i"),
            ("escape", "t"),
            ("escape", "escape", "w"),
            ("escape", "i"),
            ("escape", "e"),
            ("escape", "f6"),
        ],
        "aa": [("i",)],
    }  # fmt: skip  (the DSB's audit trail: the test above)
    wide: list[tuple] = []

    async def run(side: str) -> None:
        from tui_helpers import make_app

        app = make_app(tmp_path, db, side)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for keys in walks[side]:
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot, 2)
                for size in ((80, 24), (60, 20)):  # filled at 80, then narrowed: the tables refit
                    if size != app.size:
                        await pilot.resize_terminal(*size)
                        await pilot.pause()
                    for table in app.screen.query("DataTable"):
                        if table.max_scroll_x > 0:
                            wide.append((side, size, type(app.screen).__name__, table.max_scroll_x))
                await pilot.resize_terminal(80, 24)

    for side in walks:
        asyncio.run(run(side))
    assert wide == [], wide
