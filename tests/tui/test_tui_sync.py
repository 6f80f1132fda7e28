"""The TUI syncs in the background, shows its state, and lets a person review conflicts."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC

from common import COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import provision, running_server
from tui_helpers import screen_text, settle


async def sync_now(app, pilot, done) -> None:
    """F5, then wait (bounded) until the background sync has done what ``done`` checks."""
    await settle(pilot)
    await pilot.press("f5")
    deadline = time.monotonic() + 30  # generous: a loaded CI machine syncs slowly
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if done():
            break
    await settle(pilot)


def test_background_sync_status_and_conflict_review(tmp_path, monkeypatch):
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services

    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, engine):
        tokens = provision(engine)
        monkeypatch.setenv("WBTUI_TOKEN", tokens["ifk.ida"])
        cfg_path = tmp_path / "jc.toml"
        cfg_path.write_text(JC_CONFIG.format(lang="de") + f'\n[sync]\nurl = "{url}"\n', encoding="utf-8")
        db = tmp_path / "jc.db"
        store = open_store(db)
        Services(store, load(cfg_path), today=TODAY).create_case(COMPLETE_CASE)
        store.close()
        con = sqlite3.connect(db)
        con.execute(
            "INSERT INTO sync_conflict(conflict_id, entity, row_id, field, kind, kept_value, lost_value, created_at)"
            " VALUES ('c1', 'case', 'x', 'availability', 'concurrent_edit', '\"vormittags\"', '\"[red]nur Dienstag\"', '2026-11-25')"
        )
        con.commit()
        con.close()

        async def run() -> None:
            from wbtui.app import WbtuiApp

            app = WbtuiApp(load(cfg_path), db=db, today=TODAY)
            async with app.run_test(size=(120, 30)) as pilot:
                await sync_now(app, pilot, lambda: "online" in app.sync_line)
                assert "online" in app.sync_line and "0 ausstehend" in app.sync_line
                assert "⇅ online" in screen_text(app)
                await pilot.press("f6")
                await settle(pilot)
                text = screen_text(app)
                assert "vormittags" in text and "[red]nur Dienstag" in text and "1 offener Konflikt" in text
                await pilot.press("k")
                await settle(pilot)
                assert "0 offene Konflikte" in screen_text(app)

        asyncio.run(run())
    with engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT COUNT(*) FROM srv_field WHERE entity = 'case'")).scalar() > 5


def test_background_sync_after_compaction_starts_again_and_says_so(tmp_path, monkeypatch):
    """The device was away while the server compacted its feed: F5 re-reads it, drops nothing it may keep,
    and tells the caseworker."""
    from datetime import datetime, timedelta

    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.server.compaction import compact
    from wbtui.services import Services
    from wbtui.sync.client import SyncClient, enable

    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, engine):
        tokens = provision(engine)
        monkeypatch.setenv("WBTUI_TOKEN", tokens["ifk.ida"])
        cfg_path = tmp_path / "jc.toml"
        cfg_path.write_text(JC_CONFIG.format(lang="de") + f'\n[sync]\nurl = "{url}"\n', encoding="utf-8")
        other = open_store(tmp_path / "other.db")  # the colleague's device of the same Jobcenter
        services = Services(other, load(cfg_path), today=TODAY)
        enable(other)
        case_id = services.create_case(COMPLETE_CASE)

        def push_other() -> None:
            client = SyncClient(other, url, tokens["ifk.ida"])
            client.sync()
            client.close()

        push_other()
        db = tmp_path / "jc.db"
        mine = open_store(db)
        enable(mine)
        client = SyncClient(mine, url, tokens["ifk.ida"])
        client.sync()  # this device is now at the end of the feed ...
        client.close()
        mine.close()
        for i in range(4):  # ... and then away while the colleague works and the server compacts
            services.update_fields(case_id, {"target_title": f"Zwischenstand {i}"})
            push_other()
        compact(engine, keep_days=0, now=datetime.now(UTC) + timedelta(seconds=2))

        async def run() -> None:
            from wbtui.app import WbtuiApp

            app = WbtuiApp(load(cfg_path), db=db, today=TODAY)
            async with app.run_test(size=(120, 30)) as pilot:
                await sync_now(app, pilot, lambda: any("neu abgeglichen" in n.message for n in app._notifications))
                assert any("Bestand neu abgeglichen, 0 nicht mehr" in n.message for n in app._notifications)
                assert "online" in app.sync_line

        asyncio.run(run())
        con = sqlite3.connect(db)
        assert con.execute("SELECT target_title FROM fbw_case").fetchall() == [("Zwischenstand 3",)]
        con.close()


def test_a_conflict_of_a_kind_this_version_does_not_know_is_listed_as_plain_text(tmp_path):
    """The kind of a pulled conflict is the server's word (sync/merge.py): one this version has no label for is
    shown as stored, never as markup (a bug found by mypy: the screen passed rich Text to Text() and showed nothing)."""
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services

    cfg_path = tmp_path / "jc.toml"
    cfg_path.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
    db = tmp_path / "jc.db"
    store = open_store(db)
    Services(store, load(cfg_path), today=TODAY).create_case(COMPLETE_CASE)
    store.close()
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO sync_conflict(conflict_id, entity, row_id, field, kind, kept_value, lost_value, created_at)"
        " VALUES ('c1', 'case', 'x', 'availability', '[b]newer_kind', '\"vormittags\"', '\"nachmittags\"', '2026-11-25')"
    )
    con.commit()
    con.close()

    async def run() -> None:
        from wbtui.app import WbtuiApp

        app = WbtuiApp(load(cfg_path), db=db, today=TODAY)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            await pilot.press("f6")
            await settle(pilot)
            text = screen_text(app)
            assert "[b]newer_kind" in text and "nachmittags" in text and "1 offener Konflikt" in text

    asyncio.run(run())
