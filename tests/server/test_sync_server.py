"""The real server over real HTTP on loopback, on SQLite and on PostgreSQL: handover and feedback
travel between organisations; nobody sees or writes what is not theirs; pushes are idempotent."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import UTC, date, datetime

import httpx
import pytest
from authz_helpers import closed_long_ago

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import pg_database, provision, running_server, wait_healthy
from sync_helpers import files_contain, handed_over_case, office, q, sync

OTHER_JC = JC_CONFIG.replace("Jobcenter Musterstadt", "Jobcenter Nordland").replace("ifk.ida", "ifk.nora")


def test_handover_and_feedback_travel_between_offices(server, tmp_path):
    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    nord_store, nord = office(tmp_path, "nord", OTHER_JC, url)
    from wbtui.sync.client import enable

    for store in (jc_store, aa_store, nord_store):
        enable(store)

    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "hemmnisse"],
        given_on=TODAY,
    )
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    summary = sync(jc_store, url, tokens["ifk.ida"])
    assert summary.pushed > 5 and summary.rejected == 0, summary.reasons

    # the Agentur receives the case through the grant, without re-typing anything
    got = sync(aa_store, url, tokens["aa.anton"])
    assert got.grants == 1
    assert q(aa_store, "SELECT stage FROM fbw_case WHERE id = ?", case_id.hex) == [("handed_over",)]
    assert q(aa_store, "SELECT family_name, kundennummer FROM person") == [("Beispiel", "123A456789")]
    assert q(aa_store, "SELECT status FROM handover") == [("sent",)]
    assert q(aa_store, "SELECT code FROM obstacle") == [("R-KIN",)]

    # Agentur feedback: acknowledgement, appointment, counselling, voucher -> back at the Jobcenter
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 24, 9, tzinfo=UTC))
    aa.move(
        case_id,
        "counselled",
        __import__("wbtui.domain.process", fromlist=["TransitionInput"]).TransitionInput(outcome="foerderfaehig"),
    )
    from wbtui.domain.process import TransitionInput

    aa.move(case_id, "voucher_issued", TransitionInput(valid_until=date(2027, 2, 20)))
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    back = sync(jc_store, url, tokens["ifk.ida"])
    assert back.pulled > 0
    assert q(
        jc_store, "SELECT stage, counselling_outcome, voucher_valid_until FROM fbw_case WHERE id = ?", case_id.hex
    ) == [("voucher_issued", "foerderfaehig", "2027-02-20")]
    assert q(jc_store, "SELECT status FROM handover") == [("accepted",)]
    types = {r[0] for r in q(jc_store, "SELECT type FROM case_event WHERE case_id = ?", case_id.hex)}
    assert {"handover_received", "counselling_result", "voucher_issued"} <= types
    # the Jobcenter's timeline holds each event once, even after repeated syncs
    sync(jc_store, url, tokens["ifk.ida"])
    assert (
        q(jc_store, "SELECT COUNT(*), COUNT(DISTINCT id) FROM case_event")[0][0]
        == q(jc_store, "SELECT COUNT(DISTINCT id) FROM case_event")[0][0]
    )

    # another Jobcenter sees nothing, even with a forged cursor
    assert sync(nord_store, url, tokens["ifk.nora"]).pulled == 0
    assert q(nord_store, "SELECT COUNT(*) FROM fbw_case") == [(0,)]
    forged = base64.urlsafe_b64encode(json.dumps({"v": 1, "tx": 0, "seq": 0}).encode()).decode()
    response = httpx.get(
        f"{url}/sync/v1/pull", params={"cursor": forged}, headers={"Authorization": f"Bearer {tokens['ifk.nora']}"}
    )
    assert response.status_code == 200 and response.json()["changes"] == []

    # ... and cannot write into the case: forbidden, audited, nothing changed
    push = {
        "device_id": "x",
        "batch_id": "b",
        "schema_version": 1,
        "changes": [
            {
                "change_id": "f" * 32,
                "entity": "case",
                "row_id": case_id.hex,
                "case_id": case_id.hex,
                "op": "set",
                "hlc": f"{int(__import__('time').time() * 1000):016d}-0000-evil",
                "fields": {"stage": {"v": "closed", "base": None}},
            }
        ],
    }
    response = httpx.post(f"{url}/sync/v1/push", json=push, headers={"Authorization": f"Bearer {tokens['ifk.nora']}"})
    assert response.json()["results"][0] == {"change_id": "f" * 32, "status": "rejected", "reason": "forbidden"}
    sync(jc_store, url, tokens["ifk.ida"])
    assert q(jc_store, "SELECT stage FROM fbw_case WHERE id = ?", case_id.hex) == [("voucher_issued",)]


def test_T12_T15_T16_push_is_idempotent_and_tokens_are_enforced(server, tmp_path):
    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    from wbtui.sync.client import enable

    enable(jc_store)
    jc.create_case(COMPLETE_CASE)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    from sqlalchemy import text

    with engine.connect() as conn:
        before = (
            conn.execute(text("SELECT COUNT(*) FROM srv_feed")).scalar(),
            conn.execute(text("SELECT COUNT(*) FROM srv_field")).scalar(),
        )
    # lost acknowledgement: everything is sent again with the same ids
    con = sqlite3.connect(jc_store.path)
    con.execute("UPDATE outbox SET state = 'pending'")
    con.commit()
    con.close()
    again = sync(jc_store, url, tokens["ifk.ida"])
    assert again.rejected == 0 and again.pushed > 0
    with engine.connect() as conn:
        after = (
            conn.execute(text("SELECT COUNT(*) FROM srv_feed")).scalar(),
            conn.execute(text("SELECT COUNT(*) FROM srv_field")).scalar(),
        )
    assert before == after

    hello = {"protocol": 1, "schema_version": 1, "device_id": "d", "node_id": "n"}
    assert httpx.post(f"{url}/sync/v1/hello", json=hello).status_code == 401
    assert (
        httpx.post(f"{url}/sync/v1/hello", json=hello, headers={"Authorization": "Bearer wbt_nope.nope"}).status_code
        == 401
    )
    read_only = {"Authorization": f"Bearer {tokens['ida-read']}"}
    assert (
        httpx.post(
            f"{url}/sync/v1/push",
            json={"device_id": "d", "batch_id": "b", "schema_version": 1, "changes": []},
            headers=read_only,
        ).status_code
        == 403
    )
    # mass assignment: unknown body fields are refused
    assert httpx.post(f"{url}/sync/v1/hello", json={**hello, "org_id": "x"}, headers=read_only).status_code == 400
    from wbtui.server.admin import revoke_token

    revoke_token(engine, tokens["ifk.ida"][4:].split(".")[0])
    assert (
        httpx.post(
            f"{url}/sync/v1/hello", json=hello, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"}
        ).status_code
        == 401
    )
    assert (
        httpx.post(
            f"{url}/sync/v1/push", content=b"x" * 2_000_000, headers={**read_only, "content-type": "application/json"}
        ).status_code
        == 413
    )


def test_T17_concurrent_edits_converge_and_free_text_conflicts_are_recorded(server, tmp_path):
    url, engine = server
    tokens = provision(engine)
    from server_helpers import PEPPER
    from wbtui.server.admin import add_user, issue_token

    add_user(engine, "ifk.ina", "Jobcenter Musterstadt", "jc_ifk")
    tokens["ifk.ina"] = issue_token(engine, PEPPER, "ifk.ina", ["read", "push"], 30)[1]
    one_store, one = office(tmp_path, "one", JC_CONFIG, url)
    two_store, two = office(tmp_path, "two", JC_CONFIG.replace("ifk.ida", "ifk.ina"), url)
    from wbtui.sync.client import enable

    enable(one_store)
    enable(two_store)
    case_id = one.create_case(COMPLETE_CASE)
    sync(one_store, url, tokens["ifk.ida"])
    sync(two_store, url, tokens["ifk.ina"])
    assert q(two_store, "SELECT COUNT(*) FROM fbw_case") == [(1,)]
    # both edit offline: the same free-text field and different plain fields
    one.update_fields(case_id, {"availability": "vormittags", "schedule": "teilzeit"})
    two.update_fields(case_id, {"availability": "nur Dienstag", "max_commute_km": "40"})
    sync(one_store, url, tokens["ifk.ida"])
    second = sync(two_store, url, tokens["ifk.ina"])
    sync(one_store, url, tokens["ifk.ida"])
    cols = "availability, schedule, max_commute_km"
    assert q(one_store, f"SELECT {cols} FROM fbw_case") == q(two_store, f"SELECT {cols} FROM fbw_case")
    assert q(one_store, "SELECT schedule, max_commute_km FROM fbw_case") == [("teilzeit", 40)]
    # the value that lost is not silently gone: a conflict record reached both offices
    assert second.conflicts == 1 or q(two_store, "SELECT COUNT(*) FROM sync_conflict")[0][0] == 1
    for store in (one_store, two_store):
        kept, lost = q(store, "SELECT kept_value, lost_value FROM sync_conflict")[0]
        assert {json.loads(kept), json.loads(lost)} == {"vormittags", "nur Dienstag"}


def test_admin_and_sync_through_the_cli(tmp_path):
    """An IT admin provisions with `wbtui server …`; a caseworker runs `wbtui sync`; offline is a clear message."""
    from common import run_cli

    server_db = tmp_path / "central.db"
    env = {"WBTUI_SERVER_DB": f"sqlite:///{server_db}", "WBTUI_SERVER_PEPPER": "cli-pepper"}
    assert run_cli("server", "org", "add", "Jobcenter Musterstadt", "--kind", "jobcenter_ge", env=env).returncode == 0
    assert (
        run_cli(
            "server", "user", "add", "ifk.ida", "--org", "Jobcenter Musterstadt", "--role", "jc_ifk", env=env
        ).returncode
        == 0
    )
    bad = run_cli("server", "user", "add", "x", "--org", "Nirgendwo", "--role", "jc_ifk", env=env)
    assert bad.returncode == 1 and "Unbekannt" in bad.stderr and "Traceback" not in bad.stderr
    issued = run_cli("server", "token", "issue", "ifk.ida", env=env)
    token = issued.stdout.strip()
    assert issued.returncode == 0 and token.startswith("wbt_")
    from sqlalchemy import create_engine, text

    stored = (
        create_engine(f"sqlite:///{server_db}").connect().execute(text("SELECT secret_hash FROM srv_token")).scalar()
    )
    assert token.split(".", 1)[1] not in stored  # only a keyed hash is stored
    # an upload window for a shared store's first upload: opened, listed, closed; never beyond a week
    assert "offen bis" in run_cli("server", "upload-window", "ifk.ida", "--hours", "48", env=env).stdout
    assert run_cli("server", "upload-window", "ifk.ida", "--hours", "169", env=env).returncode != 0
    assert "ifk.ida" in run_cli("server", "upload-window", env=env).stdout
    assert run_cli("server", "upload-window", "ifk.ida", "--close", env=env).returncode == 0
    assert "Kein Upload-Fenster" in run_cli("server", "upload-window", env=env).stdout

    from server_helpers import running_server

    with running_server(f"sqlite:///{server_db}", pepper=b"cli-pepper") as (url, _engine):
        cfg = tmp_path / "live.toml"
        cfg.write_text(JC_CONFIG.format(lang="de") + f'\n[sync]\nurl = "{url}"\n', encoding="utf-8")
        live = {"WBTUI_CONFIG": str(cfg), "WBTUI_TOKEN": token}
        assert run_cli("case", "new", "-k", "123A456789", "-n", "Cli", "-g", "Carla", env=live).returncode == 0
        done = run_cli("sync", "--json", env=live)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["pushed"] >= 3
        status = json.loads(run_cli("sync", "status", "--json", env=live).stdout)
        assert status["pending"] == 0 and status["enabled"] is True
        checked = run_cli("sync", "verify", env=live)
        assert checked.returncode == 0 and "1 Fälle geprüft, 0 abweichend" in checked.stdout, checked.stderr
    cfg = tmp_path / "c.toml"
    cfg.write_text(JC_CONFIG.format(lang="de") + '\n[sync]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    offline = run_cli("sync", env={"WBTUI_CONFIG": str(cfg), "WBTUI_TOKEN": token})
    assert offline.returncode == 1 and "nicht erreichbar" in offline.stderr and "Traceback" not in offline.stderr
    missing = run_cli("sync", env={"WBTUI_CONFIG": str(cfg), "WBTUI_TOKEN": ""})
    assert missing.returncode == 1 and "Token" in missing.stderr


def test_openapi_document_matches_the_routes(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, _engine):
        spec = httpx.get(f"{url}/openapi.json").json()
    assert set(spec["paths"]) == {
        "/health", "/sync/v1/hello", "/sync/v1/push", "/sync/v1/pull", "/sync/v1/snapshot", "/sync/v1/verify",
        "/sync/v1/anchor",
    }  # fmt: skip
    assert (
        "410" in spec["paths"]["/sync/v1/pull"]["get"]["responses"]
        and "426" in spec["paths"]["/sync/v1/push"]["post"]["responses"]
    )
    assert "post" in spec["paths"]["/sync/v1/push"] and "get" in spec["paths"]["/sync/v1/pull"]
    push_schema = spec["components"]["schemas"]["PushBody"]
    assert push_schema.get("additionalProperties") is False  # unknown fields are refused (mass assignment)


ACTORS = {  # login: (organisation, role)
    "ifk.ida": ("Jobcenter Musterstadt", "jc_ifk"),
    "tl.tom": ("Jobcenter Musterstadt", "jc_teamlead"),
    "dsb.dora": ("Jobcenter Musterstadt", "dsb"),
    "aa.anton": ("Agentur für Arbeit Musterstadt", "aa_beratung"),
    "aa.alex": ("Agentur für Arbeit Nebenan", "aa_beratung"),
    "ifk.nora": ("Jobcenter Nordland", "jc_ifk"),
}
# what the policy says: (read the case, write a field, append an event, send the handover)
POLICY = {
    "ifk.ida": (True, True, True, True),
    "tl.tom": (True, True, True, True),
    "dsb.dora": (False, False, False, False),
    "aa.anton": (
        True,
        False,
        True,
        False,
    ),  # after the handover: reads and appends, but writes no Jobcenter field and cannot re-hand it over
    "aa.alex": (False, False, False, False),  # another Agentur
    "ifk.nora": (False, False, False, False),  # another Jobcenter
}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_T14_authorization_matrix(tmp_path, backend):
    """Organisation x role x object x action: every cell checked against the policy over HTTP."""
    import contextlib
    import time
    import uuid

    from server_helpers import PEPPER
    from wbtui.server.admin import add_org, add_user, issue_token

    ctx = contextlib.ExitStack()
    url_db = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else ctx.enter_context(pg_database())
    with ctx, running_server(url_db) as (url, engine):
        for name, kind in (
            ("Jobcenter Musterstadt", "jobcenter_ge"),
            ("Agentur für Arbeit Musterstadt", "agentur"),
            ("Agentur für Arbeit Nebenan", "agentur"),
            ("Jobcenter Nordland", "jobcenter_zkt"),
        ):
            add_org(engine, name, kind)
        tokens = {}
        for login, (org, role) in ACTORS.items():
            add_user(engine, login, org, role)
            tokens[login] = issue_token(engine, PEPPER, login, ["read", "push"], 30)[1]
        jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
        from wbtui.sync.client import enable

        enable(jc_store)
        case_id = jc.create_case(COMPLETE_CASE)
        jc.add_consent(
            case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY
        )
        jc.move(case_id, "ready_for_handover")
        jc.send_handover(case_id)
        assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0

        def call(login, method, path, **kw):
            return httpx.request(
                method, f"{url}{path}", headers={"Authorization": f"Bearer {tokens[login]}"}, timeout=30, **kw
            )

        for login, (can_read, can_write, can_append, can_command) in POLICY.items():
            pulled = call(login, "GET", "/sync/v1/pull")
            sees = pulled.status_code == 200 and any(c.get("case_id") == case_id.hex for c in pulled.json()["changes"])
            assert sees == can_read, (login, "read")
            stamp = f"{int(time.time() * 1000):016d}-0000-{login.replace('.', '')}"
            changes = [
                {
                    "change_id": uuid.uuid4().hex,
                    "entity": "case",
                    "row_id": case_id.hex,
                    "case_id": case_id.hex,
                    "op": "set",
                    "hlc": stamp,
                    "fields": {"availability": {"v": f"von {login}", "base": None}},
                },
                {
                    "change_id": uuid.uuid4().hex,
                    "entity": "event",
                    "row_id": uuid.uuid4().hex,
                    "case_id": case_id.hex,
                    "op": "append",
                    "hlc": stamp,
                    "data": {
                        "case_id": case_id.hex,
                        "at": "2026-11-25 12:00:00.000000",
                        "type": "contact",
                        "actor": login,
                        "payload": {},
                    },
                },
                {
                    "change_id": uuid.uuid4().hex,
                    "entity": "command",
                    "row_id": uuid.uuid4().hex,
                    "case_id": case_id.hex,
                    "op": "command",
                    "hlc": stamp,
                    "name": "handover.send",
                    "args": {"case_id": case_id.hex, "to_org": "Agentur für Arbeit Musterstadt"},
                },
            ]
            pushed = call(
                login,
                "POST",
                "/sync/v1/push",
                json={"device_id": "d", "batch_id": "b", "schema_version": 1, "changes": changes},
            )
            results = [r["status"] for r in pushed.json()["results"]]
            assert (results[0] != "rejected") == can_write, (login, "write", results)
            assert (results[1] != "rejected") == can_append, (login, "append", results)
            assert (results[2] != "rejected") == can_command, (login, "command", results)
        from sqlalchemy import text

        with engine.connect() as conn:
            writers = {
                json.loads(v) for (v,) in conn.execute(text("SELECT value FROM srv_field WHERE field = 'availability'"))
            }
            audited = conn.execute(text("SELECT COUNT(*) FROM srv_audit WHERE kind = 'forbidden_write'")).scalar()
        assert writers <= {"von ifk.ida", "von tl.tom"}
        assert audited >= 6  # every refused write of the three outsiders left an audit entry


def test_T16_killed_client_and_restarted_server_lose_and_duplicate_nothing(tmp_path):
    """A sync process killed mid-push and a server restart: the next sync completes exactly once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from common import run_cli
    from server_helpers import PEPPER, free_port
    from wbtui.server.store import init_schema, make_engine

    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    port = free_port()
    server_env = dict(os.environ, WBTUI_SERVER_DB=db_url, WBTUI_SERVER_PEPPER=PEPPER.decode())

    def start_server():
        proc = subprocess.Popen([sys.executable, "-m", "wbtui", "serve", "--port", str(port)], env=server_env)
        # a loaded CI machine may take seconds to import the server
        assert wait_healthy(f"http://127.0.0.1:{port}", 60), "server did not start"
        return proc

    server = start_server()
    try:
        cfg = tmp_path / "jc.toml"
        cfg.write_text(JC_CONFIG.format(lang="de") + f'\n[sync]\nurl = "http://127.0.0.1:{port}"\n', encoding="utf-8")
        env = {"WBTUI_CONFIG": str(cfg), "WBTUI_TOKEN": tokens["ifk.ida"], "WBTUI_DB": str(tmp_path / "jc.db")}
        assert run_cli("demo", "--cases", "400", "-q", env=env).returncode == 0
        # kill the sync process while it pushes the initial upload
        proc = subprocess.Popen(
            [sys.executable, "-m", "wbtui", "sync", "-q"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(2.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # the server goes down and comes back on the same database
        server.terminate()
        server.wait(timeout=10)
        offline = run_cli("sync", env=env)
        assert offline.returncode == 1 and "nicht erreichbar" in offline.stderr
        server = start_server()
        done = run_cli("sync", "--json", env=env)
        assert done.returncode == 0, done.stderr
        status = json.loads(run_cli("sync", "status", "--json", env=env).stdout)
        # the demo store holds both offices' work: its cases with the Agentur's acts are refused whole (attack 2
        # F3), once, like every other change
        con = sqlite3.connect(tmp_path / "jc.db")
        refused = "SELECT case_id FROM outbox WHERE state = 'rejected'"
        refused_cases = con.execute(f"SELECT COUNT(DISTINCT case_id) FROM ({refused})").fetchone()[0]
        refused_changes = con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'").fetchone()[0]
        local_events = con.execute(f"SELECT COUNT(*) FROM case_event WHERE case_id NOT IN ({refused})").fetchone()[0]
        local_changes = con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        con.close()
        assert status["pending"] == 0 and status["rejected"] == refused_changes and refused_cases < 400
        from sqlalchemy import text

        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM srv_append")).scalar() == local_events  # each event once
            assert conn.execute(text("SELECT COUNT(*) FROM srv_applied")).scalar() == local_changes  # each change once
            owned = conn.execute(text("SELECT COUNT(*) FROM srv_grant WHERE access = 'owner'")).scalar()
            assert owned == 400 - refused_cases
    finally:
        server.terminate()
        server.wait(timeout=10)
        engine.dispose()


def test_T22_revoked_access_removes_the_case_from_the_device_and_keeps_unsent_edits_as_conflicts(server, tmp_path):
    from wbtui.server.admin import revoke_case_access
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    for store in (jc_store, aa_store):
        enable(store)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Widerrufmann")

    aa.ack_handover(case_id, appointment_at=datetime(2026, 12, 1, 9, tzinfo=UTC))  # offline, not yet pushed
    revoke_case_access(
        engine, case_id.hex, "Agentur für Arbeit Musterstadt"
    )  # the administrator removes the assignment

    summary = sync(aa_store, url, tokens["aa.anton"])
    assert summary.dropped == 1
    assert q(aa_store, "SELECT COUNT(*) FROM fbw_case") == [(0,)] and q(aa_store, "SELECT COUNT(*) FROM person") == [
        (0,)
    ]
    lost = q(aa_store, "SELECT kind FROM sync_conflict")
    assert lost and {k for (k,) in lost} == {"access_lost"}  # the edit was refused but not silently lost
    assert q(aa_store, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == [(0,)]
    aa_store.close()
    assert files_contain(aa_store, "Widerrufmann") == 0  # nothing of the person left in db, -wal or -shm
    # the Jobcenter keeps its case and can hand it over again later
    assert q(jc_store, "SELECT family_name FROM person") == [("Widerrufmann",)]


def test_jobcenter_withdraws_the_handover_and_purges_after_retention_everywhere(server, tmp_path):
    from wbtui.services import retention
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    jc2_store, _jc2 = office(tmp_path, "jc2", JC_CONFIG, url)  # a second device of the same Jobcenter
    for store in (jc_store, aa_store, jc2_store):
        enable(store)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Loeschfrau")
    assert sync(jc2_store, url, tokens["ifk.ida"]).pulled > 0
    assert q(jc2_store, "SELECT family_name FROM person") == [("Loeschfrau",)]

    jc.revoke_handover(case_id, "Maßnahme beendet")
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).dropped == 1
    assert q(aa_store, "SELECT COUNT(*) FROM fbw_case") == [(0,)]

    jc.close(case_id, "moved")  # closed on the server too: retention erases closed cases only
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    closed_long_ago(engine, case_id.hex)
    con = sqlite3.connect(jc_store.path)  # ... and long ago
    con.execute("UPDATE fbw_case SET stage = 'closed', closed_at = '2024-01-01 10:00:00' WHERE id = ?", (case_id.hex,))
    con.commit()
    con.close()
    result = retention.run(jc_store, jc.who, today=TODAY, days=365, apply=True, purge_on_server=True)
    assert result.deleted_cases == 1
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    with engine.connect() as conn:
        from sqlalchemy import text

        assert (
            conn.execute(text("SELECT COUNT(*) FROM srv_row_case WHERE case_id = :c"), {"c": case_id.hex}).scalar() == 0
        )
        assert conn.execute(text("SELECT COUNT(*) FROM srv_field WHERE value LIKE '%Loeschfrau%'")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM srv_feed WHERE payload LIKE '%Loeschfrau%'")).scalar() == 0
    assert sync(jc2_store, url, tokens["ifk.ida"]).dropped == 1  # the other device erases it too
    assert q(jc2_store, "SELECT COUNT(*) FROM person") == [(0,)]
    for store in (jc_store, jc2_store, aa_store):
        store.close()
        assert files_contain(store, "Loeschfrau") == 0


def test_divergence_check_finds_and_repairs_a_case_that_differs(server, tmp_path):
    """The divergence check: digests per case; a device whose copy drifted (here: a lost apply, made by
    hand) gets the server's snapshot of that case and matches again."""
    from wbtui.sync.client import SyncClient, local_digests

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    jc2_store, _ = office(tmp_path, "jc2", JC_CONFIG, url)
    first = jc.create_case(COMPLETE_CASE)
    second = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000002", "family_name": "Zweite"})
    jc.add_obstacle(first, "R-KIN", status="in_bearbeitung")
    sync(jc_store, url, tokens["ifk.ida"])
    sync(jc2_store, url, tokens["ifk.ida"])

    def check(store):
        client = SyncClient(store, url, tokens["ifk.ida"])
        try:
            return client.verify()
        finally:
            client.close()

    assert check(jc2_store) == {"checked": 2, "mismatched": 0, "repaired": 0, "not_held": 0}
    # the second device "lost" an update of the first case and an event of the second
    con = sqlite3.connect(jc2_store.path)
    con.execute("UPDATE fbw_case SET target_title = 'veraltet' WHERE id = ?", (first.hex,))
    con.execute(
        "UPDATE field_clock SET hlc = '0000000000000001-0000-old' WHERE row_id = ? AND field = 'target_title'",
        (first.hex,),
    )
    lost = con.execute("SELECT id FROM case_event WHERE case_id = ? LIMIT 1", (second.hex,)).fetchone()[0]
    con.commit()
    con.close()
    from wbtui.data.store import connect_raw

    raw = connect_raw(jc2_store.path)
    triggers = [  # the guards (the timeline is a view whose own triggers store and delete its rows: they stay)
        r[0]
        for r in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'case_event' AND sql LIKE '%append-only%'"
        )
    ]
    for name in triggers:  # the timeline is append-only; only this simulated loss may remove an event
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DELETE FROM case_event WHERE id = ?", (lost,))
    raw.close()
    con = sqlite3.connect(jc2_store.path)
    assert local_digests(con) != local_digests(sqlite3.connect(jc_store.path))
    con.close()

    report = check(jc2_store)
    assert report["checked"] == 2 and report["mismatched"] == 2 and report["repaired"] == 2
    assert q(jc2_store, "SELECT target_title FROM fbw_case WHERE id = ?", first.hex) == [("Berufskraftfahrerin",)]
    assert q(jc2_store, "SELECT COUNT(*) FROM case_event WHERE id = ?", lost) == [(1,)]
    assert check(jc2_store)["mismatched"] == 0
    # an organisation learns nothing about cases that are not its own
    response = httpx.post(
        f"{url}/sync/v1/verify",
        json={"schema_version": 2, "cases": {first.hex: "0" * 64}},
        headers={"Authorization": f"Bearer {tokens['ifk.nora']}"},
    )
    assert response.status_code == 200
    assert response.json() == {"checked": 0, "mismatched": [], "not_held": [first.hex], "snapshots": []}


def test_property_17_a_purged_case_is_not_brought_back_by_a_late_write(server, tmp_path):
    """A second Jobcenter device edits the case offline while the case is erased after retention:
    its late push is refused, the case stays erased on the server, and the edit is kept as a conflict."""
    from wbtui.services import retention
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    jc2_store, jc2 = office(tmp_path, "jc2", JC_CONFIG, url)
    for store in (jc_store, jc2_store):
        enable(store)
    case_id = jc.create_case({**COMPLETE_CASE, "family_name": "Spaetschreiber"})
    sync(jc_store, url, tokens["ifk.ida"])
    sync(jc2_store, url, tokens["ifk.ida"])
    jc2.update_fields(case_id, {"target_title": "Nachtrag offline"})  # not yet pushed

    jc.close(case_id, "moved")  # closed on the server too: retention erases closed cases only
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    closed_long_ago(engine, case_id.hex)
    con = sqlite3.connect(jc_store.path)  # ... and long ago
    con.execute("UPDATE fbw_case SET stage = 'closed', closed_at = '2024-01-01 10:00:00' WHERE id = ?", (case_id.hex,))
    con.commit()
    con.close()
    assert retention.run(jc_store, jc.who, today=TODAY, days=365, apply=True, purge_on_server=True).deleted_cases == 1
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0

    late = sync(jc2_store, url, tokens["ifk.ida"])
    assert late.rejected >= 1 and {r.split(":")[0] for r in late.reasons} == {"forbidden"} and late.dropped == 1
    with engine.connect() as conn:
        from sqlalchemy import text

        assert (
            conn.execute(text("SELECT COUNT(*) FROM srv_row_case WHERE case_id = :c"), {"c": case_id.hex}).scalar() == 0
        )
        assert conn.execute(text("SELECT COUNT(*) FROM srv_grant WHERE case_id = :c"), {"c": case_id.hex}).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM srv_field WHERE value LIKE '%Nachtrag%'")).scalar() == 0
    assert q(jc2_store, "SELECT COUNT(*) FROM fbw_case") == [(0,)]
    assert {k for (k,) in q(jc2_store, "SELECT kind FROM sync_conflict")} == {"access_lost"}
    # a fresh device of the office never sees it again
    jc3_store, _ = office(tmp_path, "jc3", JC_CONFIG, url)
    sync(jc3_store, url, tokens["ifk.ida"])
    assert q(jc3_store, "SELECT COUNT(*) FROM fbw_case") == [(0,)]
