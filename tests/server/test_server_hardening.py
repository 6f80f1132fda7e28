"""Server hardening on the real server over loopback HTTP, on SQLite and PostgreSQL:
lockout after failed logins (T13), overload and size limits (T18), no Sozialdaten in the
server's output (T19)."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest

from common import COMPLETE_CASE, JC_CONFIG
from server_helpers import PEPPER, pg_database, provision, running_app, running_server, serve_process

SENTINEL_NAME = "Zyxwortmann"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        with pg_database() as url:
            yield url


def _hello(url: str, token: str) -> httpx.Response:
    body = {"protocol": 1, "schema_version": 1, "device_id": "d1", "node_id": "n1"}
    return httpx.post(f"{url}/sync/v1/hello", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_T13_five_failed_logins_lock_the_client_and_the_token_for_fifteen_minutes(db_url):
    from sqlmodel import Session, select

    from wbtui.server.models import SrvAudit

    with running_server(db_url) as (url, engine):
        tokens = provision(engine)
        good = tokens["ifk.ida"]
        token_id = good.split(".")[0]
        statuses = [_hello(url, f"{token_id}.wrong-secret-{i}").status_code for i in range(5)]
        assert statuses == [401] * 5
        locked = _hello(url, good)  # the right token during the lock is refused too
        assert locked.status_code == 429 and 850 <= int(locked.headers["Retry-After"]) <= 900
        unknown = _hello(url, "wbt_nosuchid.secret")
        assert unknown.status_code == 429  # the address is locked as a whole
        with Session(engine) as s:
            audits = s.exec(select(SrvAudit).where(SrvAudit.kind == "lockout")).all()
        assert {a.detail for a in audits} == {"net:127.0.0.1", f"net:127.0.0.1 tok:{token_id[len('wbt_') :]}"}
        assert good.split(".")[1] not in " ".join(a.detail for a in audits)


def test_T13_same_answer_for_unknown_token_and_wrong_secret(db_url):
    with running_server(db_url) as (url, engine):
        tokens = provision(engine)
        wrong = _hello(url, tokens["ifk.ida"].split(".")[0] + ".falsch")
        unknown = _hello(url, "wbt_0000000000000000.falsch")
        assert (
            (wrong.status_code, wrong.json())
            == (unknown.status_code, unknown.json())
            == (401, {"detail": "invalid or expired token"})
        )


def test_failure_limiter_window_lock_and_expiry_with_a_frozen_clock():
    from wbtui.server.guard import FailureLimiter

    now = [1000.0]
    limiter = FailureLimiter(clock=lambda: now[0])
    for _ in range(4):
        assert limiter.fail("net:a") == []
        now[0] += 200  # 4 failures spread over 13 minutes
    assert limiter.retry_after("net:a") == 0
    now[0] += 200  # the first failure has left the 15-minute window
    assert limiter.fail("net:a") == []
    assert limiter.fail("net:a") == ["net:a"]
    assert limiter.retry_after("net:a", "tok:x") == 901
    now[0] += 899
    assert limiter.retry_after("net:a") == 2
    now[0] += 2
    assert limiter.retry_after("net:a") == 0  # the lock expires after 15 minutes


def test_T18_overload_answers_429_with_retry_after_and_loses_nothing(tmp_path):
    import threading

    from wbtui.server.app import create_app
    from wbtui.server.store import init_schema, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    init_schema(engine)
    tokens = provision(engine)
    app = create_app(engine, PEPPER, max_in_flight=2)
    gate = threading.Event()

    @app.get("/slow")
    def slow() -> dict:
        gate.wait(10)
        return {"ok": True}

    try:
        with running_app(app) as (url, _server):
            results = []
            workers = [
                threading.Thread(target=lambda: results.append(httpx.get(f"{url}/slow", timeout=15).status_code))
                for _ in range(2)
            ]
            for w in workers:
                w.start()
            time.sleep(0.5)
            busy = _hello(url, tokens["ifk.ida"])
            assert busy.status_code == 429 and busy.headers["Retry-After"] == "1"
            gate.set()
            for w in workers:
                w.join()
            assert results == [200, 200]
            assert _hello(url, tokens["ifk.ida"]).status_code == 200  # after the peak, served again
            big = httpx.post(
                f"{url}/sync/v1/push",
                content=b"x" * (2 * 1024 * 1024),
                headers={"Authorization": f"Bearer {tokens['ifk.ida']}", "Content-Type": "application/json"},
            )
            assert big.status_code == 413
    finally:
        engine.dispose()


def test_T19_the_server_process_writes_no_sozialdaten_to_its_output(db_url, tmp_path):
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.server.store import init_schema, make_engine
    from wbtui.services import Services
    from wbtui.sync.client import SyncClient, enable

    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    log = tmp_path / "server.log"
    try:
        with open(log, "wb") as out, serve_process(db_url, output=out) as url:
            cfg = tmp_path / "jc.toml"
            cfg.write_text(JC_CONFIG.format(lang="de") + f'\n[sync]\nurl = "{url}"\n', encoding="utf-8")
            store = open_store(tmp_path / "jc.db")
            jc = Services(store, load(cfg))
            case_id = jc.create_case({**COMPLETE_CASE, "family_name": SENTINEL_NAME})
            jc.record_contact(case_id, f"Gespräch mit {SENTINEL_NAME}, Kundennummer 123A456789")
            enable(store)
            client = SyncClient(store, url, tokens["ifk.ida"])
            try:
                summary = client.sync()
            finally:
                client.close()
            assert summary.pushed > 0 and summary.rejected == 0
            _hello(url, "wbt_x.falsch")  # an error path, too
            httpx.post(
                f"{url}/sync/v1/push",
                content=b'{"device_id": "' + SENTINEL_NAME.encode() + b'"',
                headers={"Authorization": f"Bearer {tokens['ifk.ida']}", "Content-Type": "application/json"},
            )
            store.close()
    finally:
        engine.dispose()
    output = log.read_bytes()
    assert SENTINEL_NAME.encode() not in output and b"123A456789" not in output
    assert tokens["ifk.ida"].split(".")[1].encode() not in output


def _certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_T11_client_refuses_an_unknown_certificate_and_trusts_the_configured_ca(tmp_path):
    import ssl

    from wbtui.data.store import open_store
    from wbtui.server.store import init_schema, make_engine
    from wbtui.sync.client import SyncClient, SyncError, enable, tls_context

    db_url = f"sqlite:///{tmp_path / 'tls.db'}"
    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    cert, key = _certificate(tmp_path)
    store = open_store(tmp_path / "jc.db")
    enable(store)
    with serve_process(
        db_url, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key), scheme="https", verify=str(cert)
    ) as url:
        client = SyncClient(store, url, tokens["ifk.ida"])  # system CAs only: the self-signed server is refused
        with pytest.raises(SyncError) as info:
            client.sync()
        client.close()
        assert info.value.key == "err.sync_certificate"
        client = SyncClient(
            store, url, tokens["ifk.ida"], verify=str(cert)
        )  # the organisation's CA bundle ([sync] ca_file)
        try:
            assert client.sync().rejected == 0
        finally:
            client.close()
        with pytest.raises(ValueError):
            SyncClient(store, url, tokens["ifk.ida"], verify=False)  # there is no way to switch checks off
        assert tls_context(None).minimum_version == ssl.TLSVersion.TLSv1_2
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(str(cert))
        old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_3
        assert httpx.get(f"{url}/health", verify=old).status_code == 200  # the server speaks TLS 1.3
    store.close()
    engine.dispose()


def test_T10_token_is_read_from_stdin_and_stored_0600_never_taken_as_an_argument(tmp_path):
    from common import run_cli

    token = "wbt_abcdef0123456789.s3cr3t-not-on-argv"
    saved = run_cli("sync", "login", input=token + "\n")
    assert saved.returncode == 0, saved.stderr
    path = saved.stdout.strip().rsplit(": ", 1)[1]
    assert (os.stat(path).st_mode & 0o777) == 0o600 and open(path).read().strip() == token
    as_argument = run_cli("sync", "login", token)
    assert (
        as_argument.returncode != 0
    )  # no command takes the token on the command line (/proc/*/cmdline is world-readable)


def test_several_worker_processes_serve_the_same_database(db_url, tmp_path):
    """`wbtui serve --workers 2`: concurrent clients through two processes, nothing lost or doubled."""
    import threading
    import uuid

    from wbtui.server.store import init_schema, make_engine

    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    with serve_process(db_url, "--workers", "2") as url:
        from authz_helpers import new_case_changes, push

        case_id = uuid.uuid4().hex
        opened = push(url, tokens["ifk.ida"], new_case_changes(case_id)).json()["results"]
        assert {r["status"] for r in opened} == {"applied"}  # the case first: the server holds rows with their case
        statuses, lock = [], threading.Lock()

        def client(i: int) -> None:
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"}, timeout=30
            ) as http:
                for n in range(10):
                    change = {
                        "change_id": uuid.uuid4().hex,
                        "entity": "event",
                        "row_id": uuid.uuid4().hex,
                        "case_id": case_id,
                        "op": "append",
                        "hlc": f"{int(time.time() * 1000):016d}-{n:04x}-w{i}",
                        "data": {
                            "case_id": case_id,
                            "type": "contact",
                            "at": "2026-11-25 10:00:00.000000",
                            "actor": "ifk.ida",
                            "payload": {},
                        },
                    }
                    r = http.post(
                        "/sync/v1/push",
                        json={
                            "device_id": f"d{i}",
                            "batch_id": uuid.uuid4().hex,
                            "schema_version": 1,
                            "changes": [change],
                        },
                    )
                    with lock:
                        statuses.append((r.status_code, r.json()["results"][0]["status"]))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert statuses == [(200, "applied")] * 80
        from sqlalchemy import text

        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT COUNT(*) FROM srv_append WHERE case_id = :c"), {"c": case_id}).scalar() == 80
            )
        pulled, cursor = [], None
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"}) as http:
            while True:
                page = http.get("/sync/v1/pull", params={"cursor": cursor} if cursor else {}).json()
                pulled += [c["row_id"] for c in page["changes"] if c["kind"] == "append"]
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
        assert len(pulled) == len(set(pulled)) == 80  # the feed holds each once, in commit order
    engine.dispose()
