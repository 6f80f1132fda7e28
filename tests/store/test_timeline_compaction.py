"""Issue #16, store size: the timeline moved into compact rows (migration 0013, wbtui.data.timeline).

A store written before the migration keeps every event with every value; it still takes writes, refuses
changes to the timeline, deletes a case without a trace, and syncs with the server afterwards."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import provision
from sync_helpers import q, sync
from wbtui.data.store import COMPACTED_TIMELINE, latest_version

EVENT_COLUMNS = "id, case_id, at, type, from_stage, to_stage, actor, org_id, payload"


def _old_office(tmp_path, name: str, config: str, url: str | None = None):
    """An office on a store of the schema before the compaction, written through the services."""
    from wbtui.config import load
    from wbtui.data.store import COMPACTED_TIMELINE, Store, _ensure_identity, migrate
    from wbtui.services import Services

    path = tmp_path / f"{name}.db"
    assert migrate(path, target=COMPACTED_TIMELINE - 1) == (0, COMPACTED_TIMELINE - 1)
    _later_columns(path)
    store = Store(path)
    _ensure_identity(store)
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(config.format(lang="de") + (f'\n[sync]\nurl = "{url}"\n' if url else ""), encoding="utf-8")
    return store, Services(store, load(cfg), today=TODAY)


def _later_columns(path) -> None:
    """The columns later migrations add (after the compaction): this release's services write them. The
    migration runner adds a column only once, so migrating the store afterwards still works."""
    from wbtui.data import migrations

    con = sqlite3.connect(path)
    try:
        for version, _name, sql in migrations.available():
            if version > COMPACTED_TIMELINE:
                for statement in migrations.statements(sql):
                    if " ADD COLUMN " in statement.upper():
                        con.execute(statement)
        con.commit()
    finally:
        con.close()


def _events(path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT {EVENT_COLUMNS} FROM case_event ORDER BY at, rowid").fetchall()
    finally:
        con.close()


def _a_history(jc) -> str:
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    return case_id


def test_migrating_an_old_store_keeps_every_event_and_value_and_shrinks_the_timeline(tmp_path):
    from wbtui.data.store import migrate

    store, jc = _old_office(tmp_path, "jc", JC_CONFIG)
    case_id = _a_history(jc)
    other = jc.create_case({**COMPLETE_CASE, "kundennummer": "234B567890", "family_name": "Zweite"})
    before = _events(store.path)
    detail_before = jc.read_case(case_id, _engine(jc))["timeline"]
    store.close()
    assert len(before) >= 6 and {"case_created", "handover_sent"} <= {e[3] for e in before}

    assert migrate(store.path) == (COMPACTED_TIMELINE - 1, latest_version())

    assert _events(store.path) == before  # every event, every value, in the same order (ties included)
    con = sqlite3.connect(store.path)
    kind = dict(con.execute("SELECT name, type FROM sqlite_master WHERE name IN ('case_event', 'event_log')"))
    stored = con.execute("SELECT typeof(at), typeof(case_key), typeof(type_w) FROM event_log LIMIT 1").fetchone()
    con.close()
    assert kind == {"case_event": "view", "event_log": "table"}
    assert stored == ("integer", "integer", "integer")  # no text ids, times or words in the rows
    assert jc.read_case(case_id, _engine(jc))["timeline"] == detail_before
    # a write after the migration lands in the compact rows and reads back as written
    jc.move(other, "obstacles_in_clarification")
    new = [e for e in _events(store.path) if e not in before]
    assert [(e[1], e[3], e[4], e[5]) for e in new] == [
        (other.hex, "stage_changed", "need_identified", "obstacles_in_clarification")
    ]


def _engine(services):
    from wbtui.domain.timers import TimerEngine

    return TimerEngine(TODAY, services.config.timers, services.config.calendar())


def test_the_compact_timeline_is_still_append_only_and_checked(tmp_path):
    store, jc = _old_office(tmp_path, "jc", JC_CONFIG)
    case_id = jc.create_case(COMPLETE_CASE)
    from wbtui.data.store import migrate

    migrate(store.path)
    con = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("UPDATE case_event SET type = 'forged'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("UPDATE event_log SET type_w = 1")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):  # an event of a case that is not there
            con.execute(
                f"INSERT INTO case_event ({EVENT_COLUMNS}) VALUES ('e1', 'nocase', '2026-01-01 10:00:00.000000',"
                " 'contact', NULL, NULL, 'x', NULL, '{}')"
            )
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):  # a case with a timeline stays
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("DELETE FROM fbw_case WHERE id = ?", (case_id.hex,))
        # an event id arrives twice (the feed echoes a device's own event): kept once
        row = ("e2", case_id.hex, "2026-01-02 09:30:00.123456", "contact", None, None, "x", None, '{"k": "ä"}')
        for _ in range(2):
            con.execute(f"INSERT OR IGNORE INTO case_event ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", row)
        assert con.execute(f"SELECT {EVENT_COLUMNS} FROM case_event WHERE id = 'e2'").fetchall() == [row]
        # a time in another format is kept as written
        odd = ("e3", case_id.hex, "2026-01-03T08:00:00+00:00", "contact", None, None, None, None, "{}")
        con.execute(f"INSERT INTO case_event ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", odd)
        assert con.execute(f"SELECT {EVENT_COLUMNS} FROM case_event WHERE id = 'e3'").fetchall() == [odd]
    finally:
        con.close()


def test_deleting_a_case_leaves_no_key_of_it_in_the_timeline(tmp_path):
    from wbtui.data.erase import delete_case
    from wbtui.data.store import open_store

    store = open_store(tmp_path / "d.db")
    from wbtui.config import load
    from wbtui.services import Services

    cfg = tmp_path / "jc.toml"
    cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
    jc = Services(store, load(cfg), today=TODAY)
    case_id = _a_history(jc)
    kept = jc.create_case({**COMPLETE_CASE, "kundennummer": "234B567890", "family_name": "Zweite"})
    events = len(q(store, "SELECT id FROM case_event WHERE case_id = ?", case_id.hex))
    counts: dict[str, int] = {}
    with store.transaction() as con:
        delete_case(con, case_id.hex, counts)
    assert counts["case_event"] == events > 3
    assert q(store, "SELECT count(*) FROM timeline_ref WHERE ref = ?", case_id.hex) == [(0,)]
    assert q(store, "SELECT count(*) FROM case_event WHERE case_id = ?", kept.hex) == [(1,)]


def test_an_old_store_syncs_its_timeline_after_the_migration(server, tmp_path):
    """Sync still works: the migrated Jobcenter store sends its history, the Agentur's store receives it."""
    from wbtui.data.store import migrate, open_store
    from wbtui.services import Services
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    old, jc = _old_office(tmp_path, "jc", JC_CONFIG, url)
    case_id = _a_history(jc)
    old.close()
    assert migrate(old.path) == (COMPACTED_TIMELINE - 1, latest_version())
    jc_store = open_store(old.path)
    jc = Services(jc_store, jc.config, today=TODAY)
    aa_dir = tmp_path / "aa"
    aa_dir.mkdir()
    aa_store = open_store(aa_dir / "aa.db")
    from wbtui.config import load

    (aa_dir / "aa.toml").write_text(AA_CONFIG.format(lang="de") + f'\n[sync]\nurl = "{url}"\n', encoding="utf-8")
    aa = Services(aa_store, load(aa_dir / "aa.toml"), today=TODAY)
    for store in (jc_store, aa_store):
        enable(store)
    summary = sync(jc_store, url, tokens["ifk.ida"])
    assert summary.pushed > 5 and summary.rejected == 0, summary.reasons
    assert sync(aa_store, url, tokens["aa.anton"]).grants == 1
    aa.ack_handover(case_id)
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert sync(jc_store, url, tokens["ifk.ida"]).pulled > 0
    jc_types = [
        r[0] for r in q(jc_store, "SELECT type FROM case_event WHERE case_id = ? ORDER BY at, rowid", case_id.hex)
    ]
    assert "handover_received" in jc_types and jc_types.count("handover_sent") == 1
    shared = q(aa_store, "SELECT id, at, type FROM case_event WHERE type = 'handover_sent'")
    assert shared == q(jc_store, "SELECT id, at, type FROM case_event WHERE type = 'handover_sent'")
    assert date.fromisoformat(shared[0][1][:10]) <= TODAY
