"""The synced field definitions (domain/entities.py) match the local tables, and check what they promise."""

from __future__ import annotations

import pytest

from wbtui.domain.entities import ENTITIES, check_json, check_row, check_value

# references that mean nothing on another replica, and columns derived by triggers
LOCAL_ONLY = {
    "id", "jobcenter_org_id", "agentur_org_id", "owner_user_id", "from_org_id", "to_org_id", "org_id",
    "sort_name", "search_text", "consent_id", "conference_id",
}  # fmt: skip


def test_every_synced_entity_matches_its_local_table():
    from wbtui.data import models

    tables = {m.__tablename__: m for m in vars(models).values() if getattr(m, "__tablename__", None)}
    for name, entity in ENTITIES.items():
        columns = {c.name for c in tables[entity.table].__table__.columns} - LOCAL_ONLY
        assert set(entity.cols) == columns, name


def test_a_pushed_row_without_a_not_null_column_was_quarantined_on_every_device__now_the_server_requires_it(store):
    """The server's rule for a new row names every column a device's table declares NOT NULL without a
    default: a row the server accepted is a row every device can store."""
    import sqlite3

    from wbtui.domain.entities import PRESENT

    con = sqlite3.connect(store.path)
    try:
        for name, entity in ENTITIES.items():
            info = con.execute(f"PRAGMA table_info({entity.table})").fetchall()
            not_null = {r[1] for r in info if r[3] and r[4] is None and not r[5]} - LOCAL_ONLY
            kind = con.execute("SELECT type FROM sqlite_master WHERE name = ?", (entity.table,)).fetchone()[0]
            if kind == "view":  # the timeline (data/timeline.py): its insert trigger requires these
                from wbtui.data.timeline import NOT_NULL

                not_null = set(NOT_NULL) - LOCAL_ONLY
            needed = {n for n, col in entity.cols.items() if col.required} | PRESENT.get(name, frozenset())
            assert not_null == needed, name
    finally:
        con.close()


@pytest.mark.parametrize(
    ("entity", "name", "value", "reason"),
    [
        ("person", "family_name", "x" * 201, "too_long"),
        ("person", "family_name", "Bad\x1b]52;c;aGk=\x07", "control_characters"),
        ("person", "family_name", "Zeile\nzwei", "control_characters"),
        ("person", "kundennummer", "123", "format"),
        ("case", "stage", "nowhere", "value"),
        ("case", "max_commute_km", 10**9, "range"),
        ("case", "max_commute_km", "10", "type"),
        ("case", "voucher_valid_until", "31.12.2026", "format"),
        ("consent", "recipients", ["agentur", "geheimdienst"], "value"),
        ("obstacle", "code", "R-KIN; DROP", "format"),
        ("handover", "package", {"\x1b]0;title\x07": 1}, "control_characters"),
        ("handover", "package", {"a": {"b": {"c": {"d": {"e": 1}}}}}, "too_deep"),
        ("event", "payload", {"n": 10**30}, "range"),
        ("case", "no_such_field", 1, "unknown_field"),
    ],
)
def test_values_outside_the_definition_are_named(entity, name, value, reason):
    assert check_value(entity, name, value) == reason


def test_ordinary_values_pass():
    assert check_value("person", "family_name", "Łukasiewicz-Öztürk") is None
    assert check_value("case", "appointment_at", "2026-12-03 09:00:00.000000") is None
    assert check_value("case", "legacy_jc_funded", 0) is None
    assert check_value("obstacle", "note", "zwei\nZeilen") is None
    assert check_json({"person": {"family_name": "Ğül"}, "obstacles": [{"code": "R-KIN"}]}) is None


def test_a_new_row_needs_its_required_fields_and_a_health_obstacle_stays_art9():
    assert check_row("person", {"family_name": "X"}, new=True) == {
        "kundennummer": "required",
        "given_names": "required",
        "needs_interpreter": "required",
        "created_at": "required",
        "updated_at": "required",
    }
    assert check_row(
        "obstacle", {"case_id": "a" * 32, "code": "L-GES", "status": "offen", "art9": False}, new=False
    ) == {"art9": "art9_flag"}
