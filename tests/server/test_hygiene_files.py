"""What the sync server keeps and tells (issue 12, points 7 and 8): its files are private from the
start, ``hello`` names nothing of other organisations, and a purged case leaves no trace in the
server's files (SQLite: database, -wal, -shm) or rows (PostgreSQL: every srv_* table)."""

from __future__ import annotations

import os
import stat
import time
import uuid

import httpx
import pytest
from sqlalchemy import text

from common import AA_CONFIG, JC_CONFIG
from server_helpers import PEPPER, pg_database, provision, running_server, serve_process
from sync_helpers import handed_over_case, office, sync

SENTINEL = "Vorlaxbergerin"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server' / 'server.db'}"
    else:
        with pg_database() as url:
            yield url


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_server_files_are_created_0600_in_a_0700_directory(tmp_path):
    """server.db was created 0644 (and its -wal and -shm with it): every local account could read it."""
    data = tmp_path / "srv"  # does not exist yet: `wbtui serve` creates it
    env = {"WBTUI_DATA_DIR": str(data), "WBTUI_SERVER_DB": None, "WBTUI_SERVER_PEPPER": None}
    with serve_process(None, env=env, umask=0o022) as url:  # a permissive umask, as a service manager may set
        assert httpx.get(f"{url}/health").status_code == 200
        assert (
            httpx.post(f"{url}/sync/v1/hello", json={}, headers={"Authorization": "Bearer wbt_x.y"}).status_code == 401
        )
        files = {p.name: _mode(p) for p in data.iterdir()}
    assert _mode(data) == 0o700
    assert files == dict.fromkeys(["server.db", "server.db-wal", "server.db-shm", "server.pepper"], 0o600)


def test_server_files_of_an_older_version_are_tightened(tmp_path):
    data = tmp_path / "srv"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    for name in ("server.db", "server.pepper"):
        (data / name).touch()
        os.chmod(data / name, 0o644)
    (data / "server.pepper").write_text("0" * 64, encoding="utf-8")
    env = {"WBTUI_DATA_DIR": str(data), "WBTUI_SERVER_DB": None, "WBTUI_SERVER_PEPPER": None}
    with serve_process(None, env=env, umask=0o022) as url:
        assert httpx.get(f"{url}/health").status_code == 200
        modes = {p.name: _mode(p) for p in data.iterdir()}
    # the files are tightened; a directory wbtui did not create itself keeps its mode (README "Where
    # things live": wbtui never changes the mode of a directory it did not create)
    assert set(modes.values()) == {0o600}, modes
    assert _mode(data) == 0o755


def test_hello_reveals_nothing_about_other_organisations(server):
    """hello listed every organisation (names and ids) to any token."""
    from sqlmodel import Session, select

    from wbtui.server.models import SrvOrg, SrvUser

    url, engine = server
    tokens = provision(engine)
    body = {"protocol": 1, "schema_version": 1, "device_id": "d1", "node_id": "n1"}
    answer = httpx.post(f"{url}/sync/v1/hello", json=body, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"})
    assert answer.status_code == 200
    hello = answer.json()
    assert set(hello) == {
        "protocol", "schema", "action", "server_hlc", "org_id", "org_kind", "org_name", "role", "login", "team", "limits"
    }  # fmt: skip
    with Session(engine) as s:
        orgs = {o.name: o.id for o in s.exec(select(SrvOrg))}
        logins = {u.login for u in s.exec(select(SrvUser))}
    assert (hello["org_id"], hello["org_kind"], hello["role"], hello["login"]) == (
        orgs["Jobcenter Musterstadt"],
        "jobcenter_ge",
        "jc_ifk",
        "ifk.ida",
    )
    others = [
        *(n for n in orgs if n != "Jobcenter Musterstadt"),
        *(i for n, i in orgs.items() if n != "Jobcenter Musterstadt"),
    ]
    for other in [*others, *(login for login in logins if login != "ifk.ida")]:
        assert other not in answer.text


def _traces(engine, needle: str) -> int:
    """Where a text is left on the server: SQLite — bytes of the database, -wal and -shm files;
    PostgreSQL — rows of every srv_* table (as text)."""
    from wbtui.server.store import sqlite_path

    if engine.dialect.name == "sqlite":
        path = sqlite_path(str(engine.url))
        hits = 0
        for suffix in ("", "-wal", "-shm"):
            part = path.parent / (path.name + suffix)
            if part.exists():
                hits += part.read_bytes().count(needle.encode())
        return hits
    with engine.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'srv\\_%'")
            )
        ]
        return sum(
            conn.execute(text(f"SELECT COUNT(*) FROM {t} AS r WHERE r::text LIKE :n"), {"n": f"%{needle}%"}).scalar()
            for t in tables
        )


def _purge_command(case_id: str) -> dict:
    """What a DSB's retention run queues (services.retention.queue_purge), as pushed."""
    return {
        "change_id": uuid.uuid4().hex,
        "entity": "command",
        "row_id": uuid.uuid4().hex,
        "case_id": case_id,
        "op": "command",
        "hlc": f"{int(time.time() * 1000):016d}-0000-dsbdevice",
        "name": "case.purge",
        "args": {"case_id": case_id, "reason": "retention"},
    }


def test_a_purged_persons_name_is_nowhere_in_the_servers_files_or_rows(db_url, tmp_path):
    """A purged name stayed in the SQLite server's file and WAL; the server refused the DSB's purge."""
    from wbtui.server.admin import add_user, issue_token
    from wbtui.server.store import scrub
    from wbtui.sync.client import enable

    with running_server(db_url) as (url, engine):
        tokens = provision(engine)
        add_user(engine, "dsb.dora", "Jobcenter Musterstadt", "dsb")
        dsb = issue_token(engine, PEPPER, "dsb.dora", ["push"], 30)[1]
        jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
        aa_store, _aa = office(tmp_path, "aa", AA_CONFIG, url)
        for store in (jc_store, aa_store):
            enable(store)
        case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, SENTINEL)  # the Agentur's feed has it too
        jc.record_contact(case_id, f"Telefonat mit Frau {SENTINEL}")
        jc.update_fields(case_id, {"availability": f"{SENTINEL}: vormittags"})
        jc.update_fields(case_id, {"availability": f"{SENTINEL}: nachmittags"})  # an overwritten value, too
        jc.close(case_id, "moved")  # retention erases closed cases only
        assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
        scrub(engine)  # SQLite: into the database file, as the automatic checkpoint of a busy server does
        assert _traces(engine, SENTINEL) > 0

        refused = httpx.post(  # a DSB may push exactly the purge: no field write
            f"{url}/sync/v1/push",
            json={
                "device_id": "dsb1",
                "batch_id": uuid.uuid4().hex,
                "schema_version": 2,
                "changes": [{**_purge_command(case_id.hex), "name": "handover.revoke"}],
            },
            headers={"Authorization": f"Bearer {dsb}"},
        )
        assert refused.json()["results"][0]["status"] == "rejected"
        answer = httpx.post(
            f"{url}/sync/v1/push",
            json={
                "device_id": "dsb1",
                "batch_id": uuid.uuid4().hex,
                "schema_version": 2,
                "changes": [_purge_command(case_id.hex)],
            },
            headers={"Authorization": f"Bearer {dsb}"},
        )
        assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied", answer.text
        assert _traces(engine, SENTINEL) == 0
        assert _traces(engine, "Telefonat mit Frau") == 0
        assert sync(aa_store, url, tokens["aa.anton"]).dropped == 1  # and the devices erase it too
        for store in (jc_store, aa_store):
            store.close()
