"""``wbtui sync conflicts`` and ``wbtui sync resolve``: the conflict review of the TUI (F6) on the command
line, through the same service; reading the conflicts and resolving one are audited."""

from __future__ import annotations

import json
import sqlite3

import pytest

from common import run_cli, write_config

EDIT = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
REFUSED = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


@pytest.fixture
def case_with_conflicts(tmp_path, jc_env):
    made = run_cli("case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", "--json", env=jc_env)
    case_id = json.loads(made.stdout)["id"]
    con = sqlite3.connect(tmp_path / "data" / "wbtui.db")
    con.executemany(
        "INSERT INTO sync_conflict(conflict_id, entity, row_id, field, kind, kept_value, lost_value, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                EDIT,
                "case",
                case_id,
                "availability",
                "concurrent_edit",
                '"vormittags"',
                '"[red]nur Dienstag"',
                None,
                "1",
            ),
            (REFUSED, "case", case_id, None, "rejected_write", None, '{"stage": {"v": "closed"}}', "forbidden", "2"),
        ],
    )
    con.commit()
    con.close()
    return case_id


def _db(tmp_path, sql: str) -> list:
    con = sqlite3.connect(tmp_path / "data" / "wbtui.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_list_take_keep_with_audit_entries(tmp_path, jc_env, case_with_conflicts):
    listed = run_cli("sync", "conflicts", "--json", env=jc_env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["count"] == 2 and [c["id"] for c in data["conflicts"]] == [EDIT, REFUSED]
    first = data["conflicts"][0]
    assert first["kept"] == "vormittags" and first["lost"] == "[red]nur Dienstag" and first["takeable"] is True
    assert first["case_ref"] == case_with_conflicts[:8] and data["conflicts"][1]["takeable"] is False
    text = run_cli("sync", "conflicts", env=jc_env).stdout
    assert "[red]nur Dienstag" in text and "2 offene Konflikte" in text

    refused = run_cli("sync", "resolve", REFUSED[:8], "--take-lost", env=jc_env)
    assert refused.returncode == 1 and "nicht übernehmen" in refused.stderr
    taken = run_cli("sync", "resolve", EDIT[:8], "--take-lost", env=jc_env)
    assert taken.returncode == 0 and EDIT[:8] in taken.stdout, taken.stderr
    assert _db(tmp_path, "SELECT availability FROM fbw_case") == [("[red]nur Dienstag",)]
    kept = run_cli("sync", "resolve", REFUSED, "--keep", env=jc_env)
    assert kept.returncode == 0, kept.stderr
    assert _db(tmp_path, "SELECT status FROM sync_conflict ORDER BY created_at") == [("resolved",), ("resolved",)]
    assert json.loads(run_cli("sync", "conflicts", "--json", env=jc_env).stdout)["count"] == 0

    entries = _db(
        tmp_path, "SELECT action, object_id, detail FROM audit_log WHERE object_type = 'sync_conflict' ORDER BY seq"
    )
    assert [(a, o, d) for a, o, d in entries if a == "update"] == [
        ("update", EDIT, "take_lost; concurrent_edit"),
        ("update", REFUSED, "keep; rejected_write"),
    ]
    assert sum(1 for a, _o, _d in entries if a == "list") == 3  # every listing of values is audited


def test_unknown_conflict_and_roles_without_case_access(tmp_path, jc_env, case_with_conflicts):
    missing = run_cli("sync", "resolve", "00000000", "--keep", env=jc_env)
    assert missing.returncode == 3 and "Konflikt nicht gefunden" in missing.stderr
    dsb = {"WBTUI_CONFIG": str(write_config(tmp_path, '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n', "dsb.toml"))}
    assert run_cli("sync", "conflicts", env=dsb).returncode == 5
    assert run_cli("sync", "resolve", EDIT, "--keep", env=dsb).returncode == 5
    assert _db(tmp_path, "SELECT COUNT(*) FROM sync_conflict WHERE status = 'open'") == [(2,)]
    usage = run_cli("sync", "resolve", EDIT, env=jc_env)
    assert usage.returncode == 2  # keep or take: the choice is not defaulted
