"""A caseworker who opens a case and reads it (the case, its Übergabe) runs without the ORM: the TUI's
services read on the raw path and make the ORM write side only at the first write (issue #16: +30 MB)."""

from __future__ import annotations

import asyncio
import sys

from tui_helpers import make_app, open_case, screen_text, settle, store_with_case

ORM = ("sqlalchemy", "sqlmodel", "wbtui.data.models", "wbtui.services._combined", "wbtui.services.base")


def test_case_and_its_read_only_screens_open_without_the_orm(tmp_path, monkeypatch):
    import wbtui.services

    db, case_id = store_with_case(tmp_path, cases=0)
    for name in ORM:  # any import of the ORM from here on fails, also one an earlier test loaded
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delattr(wbtui.services, "Services", raising=False)  # the package caches what it loaded

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await open_case(pilot, case_id)
            assert "Nächste Schritte" in screen_text(app)  # the next steps, from the raw facts
            # the Übergabe (its check read the case through the ORM); Hemmnisse and the rest read as the case does
            for key, screen in (("u", "HandoverScreen"),):
                await pilot.press(key)
                await settle(pilot)
                assert type(app.screen).__name__ == screen
                assert not [n for n in app._notifications if n.severity == "error"], screen  # its load did not fail
                await pilot.press("escape")
                await settle(pilot)
            assert type(app.screen).__name__ == "CaseDetailScreen"
        assert not app._exception  # no worker failed on a blocked import

    asyncio.run(run())
