"""Issue #16, store size: migration 0017 stores the timeline's rows by case (WITHOUT ROWID, one index
fewer) and drops indexes that another index's first column already serves.

A store written by the release before (schema 16) keeps every row of every table and every event with its
values and its insertion order (the view's rowid, the tie-breaker of events of the same time)."""

from __future__ import annotations

import sqlite3

from common import COMPLETE_CASE, TODAY, office_at_schema

BEFORE = 16  # the schema this migration starts from
SKIP = {"event_log", "timeline_seq", "sqlite_stat1", "sqlite_sequence"}  # the rebuilt storage; statistics


def _dump(path) -> dict[str, list]:
    """Every row of every table (but the timeline's storage) and every event as the view gives it."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables if t not in SKIP}
        out["case_event"] = con.execute("SELECT * FROM case_event ORDER BY rowid").fetchall()
        return out
    finally:
        con.close()


def test_a_store_of_schema_16_keeps_every_row_and_event_through_0017(tmp_path):
    from wbtui.data.store import latest_version, migrate
    from wbtui.data.timeline import insert_events

    store, jc = office_at_schema(tmp_path, BEFORE)
    first = jc.create_case(COMPLETE_CASE)
    jc.add_consent(first, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.add_obstacle(first, "R-KIN", status="in_bearbeitung")
    jc.move(first, "ready_for_handover")
    jc.send_handover(first)
    others = [
        jc.create_case({**COMPLETE_CASE, "kundennummer": f"{200 + n}B567890", "family_name": f"Fall{n}"})
        for n in range(5)
    ]
    jc.move(others[0], "obstacles_in_clarification")
    before = _dump(store.path)
    store.close()
    assert len(before["case_event"]) >= 10 and before["fbw_case"] and before["handover"]

    assert migrate(store.path) == (BEFORE, latest_version())

    assert _dump(store.path) == before  # every row, every event with its values and rowid
    con = sqlite3.connect(store.path, isolation_level=None)
    try:
        schema = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        assert "WITHOUT ROWID" in schema["event_log"] and "ix_event_log_case" not in schema
        assert not {"ix_obstacle_case_id", "ix_appointment_case_id", "ix_task_case_id"} & set(schema)
        plan = " ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN SELECT case_id FROM case_event WHERE id = 'x'"))
        assert "ux_event_log_id (id=?)" in plan  # a lookup by event id (sync, feedback) stays an index lookup
        plan = " ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN SELECT * FROM case_event WHERE case_id = 'x'"))
        assert "PRIMARY KEY (case_key=?)" in plan  # a case's timeline is a range of the table
        last = before["case_event"][-1][0]
        # new events come after the old ones, through the view (services) and in bulk (demo, bootstrap)
        con.execute(
            "INSERT INTO case_event (id, case_id, at, type, from_stage, to_stage, actor, org_id, payload)"
            " VALUES ('e1', ?, '2026-01-01 10:00:00.000000', 'contact', NULL, NULL, 'x', NULL, '{}')",
            (first.hex,),
        )
        con.execute("BEGIN")
        insert_events(con, [("e2", first.hex, "2026-01-01 10:00:00.000000", "contact", None, None, "x", None, "{}")])
        con.execute("COMMIT")
        rows = con.execute("SELECT rowid, id FROM case_event WHERE rowid > ? ORDER BY rowid", (last,)).fetchall()
        assert rows == [(last + 1, "e1"), (last + 2, "e2")]
    finally:
        con.close()
    jc.move(others[1], "obstacles_in_clarification")  # the services write on the migrated store, in order
    newest = _dump(store.path)["case_event"][-1]
    assert (newest[0], newest[2], newest[4], newest[6]) == (
        last + 3,
        others[1].hex,
        "stage_changed",
        "obstacles_in_clarification",
    )
