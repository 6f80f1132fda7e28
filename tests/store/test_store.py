"""Store: migrations from an older schema, pragmas, file modes, concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
from sqlmodel import SQLModel

import wbtui.data.models  # noqa: F401 - registers the tables
from common import COMPLETE_CASE
from wbtui.data.store import latest_version, migrate, open_store
from wbtui.domain.errors import StoreError
from wbtui.i18n import describe


def test_migrated_schema_matches_models(store):
    con = store.raw()
    for table in SQLModel.metadata.sorted_tables:
        # a table's rowid is not among its columns; the timeline view names its own (its insertion order)
        cols = {r[1] for r in con.execute(f"PRAGMA table_info({table.name})")} - {"rowid"}
        assert cols == {c.name for c in table.columns}, table.name
    assert con.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    con.close()


def test_pragmas(store):
    con = store.raw(readonly=False)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert con.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    con.close()


def test_upgrade_from_version_1_keeps_data(tmp_path, jc_config):
    path = tmp_path / "old.db"
    migrate(path, target=1)
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO organisation (id, kind, name, created_at) VALUES (lower(hex(randomblob(16))), 'jobcenter_ge', 'Alt-JC', '2024-01-01 00:00:00.000000')"
    )
    con.execute(
        "INSERT INTO person (id, kundennummer, family_name, given_names, needs_interpreter, created_at, updated_at)"
        " VALUES (lower(hex(randomblob(16))), '123A000001', 'Altfall', 'Anna', 0, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')"
    )
    con.execute(
        "INSERT INTO fbw_case (id, person_id, stage, stage_since, legacy_jc_funded, created_at, updated_at)"
        " SELECT lower(hex(randomblob(16))), id, 'in_training', '2024-01-01 00:00:00.000000', 1, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000' FROM person"
    )
    con.commit()
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not con.execute("SELECT name FROM sqlite_master WHERE name = 'store_meta'").fetchone()
    con.close()
    store = open_store(path)
    con = store.raw()
    assert con.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    assert con.execute("SELECT family_name FROM person").fetchone()[0] == "Altfall"
    assert con.execute("SELECT stage, legacy_jc_funded FROM fbw_case").fetchone() == ("in_training", 1)
    assert con.execute("SELECT COUNT(*) FROM store_meta WHERE key = 'store_id'").fetchone()[0] == 1
    con.close()
    from wbtui.services import Services

    services = Services(store, jc_config)
    case_id = services.resolve("123A000001")
    services.record_contact(case_id, "nach Migration")
    store.close()


def test_store_from_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 999")
    con.close()
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert "999" in describe(err.value)


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_store(path)


def test_T7_files_private_even_with_lax_umask(tmp_path, jc_config):
    old = os.umask(0o022)
    try:
        path = tmp_path / "deep" / "dir" / "wbtui.db"
        store = open_store(path)
        from wbtui.services import Services

        Services(store, jc_config).create_case(COMPLETE_CASE)
        store.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for f in path.parent.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0, f


WRITER = textwrap.dedent("""
    import sys
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services
    store = open_store(sys.argv[1])
    services = Services(store, load(None))
    prefix = int(sys.argv[2])
    for i in range(40):
        cid = services.create_case({"kundennummer": f"{prefix:03d}A{i:06d}", "family_name": "Writer", "given_names": str(prefix)})
        services.add_task(cid, "check", None, __import__("datetime").date(2027, 1, 1))
    print("ok")
""")


def test_T8_two_processes_writing_do_not_corrupt(tmp_path):
    path = tmp_path / "shared.db"
    open_store(path).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for n in (101, 202, 303)
    ]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert out.strip() == "ok"
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0] == 120
    assert con.execute("SELECT COUNT(*) FROM task").fetchone()[0] == 120
    assert con.execute("SELECT COUNT(*) FROM case_event WHERE type = 'case_created'").fetchone()[0] == 120
    con.close()
