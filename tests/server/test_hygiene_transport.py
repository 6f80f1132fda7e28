"""Transport hygiene of the sync server (issue 12, point 8), each test named after the defect it
guards against, on the real server over loopback HTTP, on SQLite and PostgreSQL where a database is
involved: chunked bodies, log lines, /health under load, TCP_NODELAY, plain HTTP, Retry-After."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from common import COMPLETE_CASE, JC_CONFIG
from server_helpers import PEPPER, pg_database, provision, running_app, running_server, serve_process
from sync_helpers import office, q

SENTINEL = "Quxenbrecht"
MIB = 1024 * 1024


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        with pg_database() as url:
            yield url


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _hello(url: str, token: str) -> httpx.Response:
    body = {"protocol": 1, "schema_version": 1, "device_id": "d1", "node_id": "n1"}
    return httpx.post(f"{url}/sync/v1/hello", json=body, headers=_auth(token), timeout=10)


def _streamed(body: bytes, chunk: int = 64 * 1024):
    """A body without Content-Length: httpx sends it chunked, as it arrives."""
    for i in range(0, len(body), chunk):
        yield body[i : i + chunk]


def test_a_chunked_body_over_one_mebibyte_gets_413(db_url):
    """Without Content-Length the limit held nowhere: a valid 2 MiB push was read whole and processed."""
    with running_server(db_url) as (url, engine):
        tokens = provision(engine)
        padding = "x" * (2 * MIB)
        big = json.dumps({"device_id": "d1", "batch_id": "b1", "schema_version": 1, "changes": [{"pad": padding}]})
        response = httpx.post(
            f"{url}/sync/v1/push", content=_streamed(big.encode()), headers=_auth(tokens["ifk.ida"]), timeout=30
        )
        assert "content-length" not in response.request.headers  # really chunked
        assert (response.status_code, response.json()) == (413, {"detail": "request too large"})
        small = json.dumps({"device_id": "d1", "batch_id": "b2", "schema_version": 1, "changes": []})
        fine = httpx.post(f"{url}/sync/v1/push", content=_streamed(small.encode()), headers=_auth(tokens["ifk.ida"]))
        assert fine.status_code == 200 and fine.json()["results"] == []  # a chunked body under the limit is served
        for _ in range(70):  # every refused request left its in-flight slot (the limit is 64)
            assert _hello(url, tokens["ifk.ida"]).status_code == 200


def _break_field_writes(engine) -> None:
    """The database fails while a push is written — with the row's value in the driver's message,
    as PostgreSQL's own errors carry it (``DETAIL: Failing row contains (…)``)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE FUNCTION simulated_failure() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION 'simulated failure writing %', NEW.value; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER simulated_failure BEFORE INSERT ON srv_field"
                    " FOR EACH ROW EXECUTE FUNCTION simulated_failure()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER simulated_failure BEFORE INSERT ON srv_field"
                    " BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END"
                )
            )


def _repair_field_writes(engine) -> None:
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(
            text("DROP TRIGGER simulated_failure" + (" ON srv_field" if engine.dialect.name == "postgresql" else ""))
        )


def test_a_500_logs_no_sql_parameters_and_no_sozialdaten(db_url, tmp_path):
    """A 500 on the SQLite server logged every SQL parameter (names, addresses), and uvicorn printed
    any exception's message. PostgreSQL runs with two workers (their logging is set up in each process)."""
    from wbtui.server.store import init_schema, make_engine
    from wbtui.sync.client import SyncClient, SyncError, enable

    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    workers = ("--workers", "2") if engine.dialect.name == "postgresql" else ()
    log = tmp_path / "server.log"
    store = None
    try:
        with open(log, "wb") as out, serve_process(db_url, *workers, output=out) as url:
            store, jc = office(tmp_path, "jc", JC_CONFIG, url)
            case_id = jc.create_case({**COMPLETE_CASE, "family_name": SENTINEL, "kundennummer": "123A987654"})
            jc.record_contact(case_id, f"Gespräch mit {SENTINEL} in der Lindenstraße 7")
            enable(store)
            _break_field_writes(engine)
            client = SyncClient(store, url, tokens["ifk.ida"])
            try:
                with pytest.raises(SyncError) as failed:
                    client.sync()
            finally:
                client.close()
            assert failed.value.key == "err.sync_http" and failed.value.params["status"] == 500
            raw = httpx.post(
                f"{url}/sync/v1/push",
                json={"device_id": "d1", "batch_id": "b1", "schema_version": 1, "changes": []},
                headers=_auth(tokens["ifk.ida"]),
            )
            assert raw.status_code == 200  # the server goes on serving
            _repair_field_writes(engine)
            client = SyncClient(store, url, tokens["ifk.ida"])
            try:
                assert client.sync().rejected == 0  # nothing was lost: the outbox is pushed now
            finally:
                client.close()
            assert q(store, "SELECT COUNT(*) FROM outbox WHERE state != 'sent'") == [(0,)]
    finally:
        if store is not None:
            store.close()
        engine.dispose()
    output = log.read_bytes()
    assert b"internal error in POST /sync/v1/push" in output  # the failure is logged: where, not with what
    if engine.dialect.name == "postgresql":
        assert b"(SQLSTATE P0001)" in output  # the database's code (raise_exception), never its message
    assert SENTINEL.encode() not in output and b"123A987654" not in output and b"Lindenstra" not in output
    assert b'HTTP/1.1" 200' not in output and b"/sync/v1/pull" not in output  # no access log
    assert tokens["ifk.ida"].split(".")[1].encode() not in output


def _hold_slots(app, url: str, count: int) -> tuple[threading.Event, list[threading.Thread]]:
    """``count`` requests in flight until the returned event is set (each retried until it got a slot)."""
    gate, inside = threading.Event(), threading.Semaphore(0)

    @app.get("/slow")
    def slow() -> dict:
        inside.release()
        gate.wait(15)
        return {"ok": True}

    def hold() -> None:
        while httpx.get(f"{url}/slow", timeout=20).status_code == 429:
            time.sleep(0.01)

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    for _ in range(count):
        assert inside.acquire(timeout=10)
    return gate, threads


def test_health_is_outside_the_in_flight_limit(db_url):
    """/health counted against the in-flight limit: load balancers took a busy server for a dead one."""
    from wbtui.server.app import create_app
    from wbtui.server.store import init_schema, make_engine

    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    app = create_app(engine, PEPPER, max_in_flight=2)
    try:
        with running_app(app) as (url, _server):
            gate, held = _hold_slots(app, url, 2)
            busy = _hello(url, tokens["ifk.ida"])
            assert busy.status_code == 429 and busy.headers["Retry-After"] == "1"  # the server is full ...
            assert [httpx.get(f"{url}/health").status_code for _ in range(5)] == [200] * 5  # ... and alive
            gate.set()
            for thread in held:
                thread.join()
            assert _hello(url, tokens["ifk.ida"]).status_code == 200
    finally:
        engine.dispose()


def test_tcp_nodelay_on_connections_of_a_listening_socket_bound_as_for_several_workers():
    """With --workers N uvicorn binds the socket itself (protocol number 0) and asyncio then leaves
    Nagle on: every keep-alive request waited ~40 ms for the delayed ACK. The server's protocol sets
    TCP_NODELAY on every connection (figures: bench/bench_concurrency.py, /health at 1 and 2 workers)."""
    import uvicorn
    from fastapi import FastAPI

    from wbtui.server import transport

    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    settings = transport.options("127.0.0.1", 0, None, None)
    settings["log_config"] = None  # the test process keeps its own logging
    config = uvicorn.Config(app, **settings)
    listening = config.bind_socket()  # exactly as uvicorn's supervisor does for its worker processes
    assert listening.proto != socket.IPPROTO_TCP  # the case asyncio's own TCP_NODELAY skips
    port = listening.getsockname()[1]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 20
        while not server.started and time.time() < deadline:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as keep_alive:
            for _ in range(3):
                assert keep_alive.get("/health").status_code == 200
            connections = list(server.server_state.connections)
            assert connections
            for connection in connections:
                sock = connection.transport.get_extra_info("socket")
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listening.close()


def test_the_client_refuses_plain_http_to_another_host_and_syncs_over_loopback(tmp_path):
    """http:// sync URLs were accepted for any host: the token and Sozialdaten went over the network in clear."""
    from common import run_cli
    from wbtui.sync.client import SyncClient, SyncError

    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, engine):
        tokens = provision(engine)
        store, jc = office(tmp_path, "jc", JC_CONFIG, url)
        jc.create_case(COMPLETE_CASE)
        port = url.rsplit(":", 1)[1]
        for insecure in (f"http://sync.jobcenter.example:{port}", f"http://192.0.2.10:{port}", "ftp://127.0.0.1"):
            with pytest.raises(SyncError) as refused:
                SyncClient(store, insecure, tokens["ifk.ida"])
            assert refused.value.key == "err.sync_insecure"
        store.close()
        cfg = tmp_path / "remote.toml"
        cfg.write_text(
            JC_CONFIG.format(lang="de") + f'\n[sync]\nurl = "http://sync.jobcenter.example:{port}"\n', encoding="utf-8"
        )
        env = {"WBTUI_CONFIG": str(cfg), "WBTUI_DB": str(store.path), "WBTUI_TOKEN": tokens["ifk.ida"]}
        refused = run_cli("sync", env=env)
        assert refused.returncode == 1 and "nicht per HTTPS" in refused.stderr, refused.stderr
        assert json.loads(run_cli("sync", "status", "--json", env=env).stdout)["pending"] > 0  # nothing sent
        env["WBTUI_CONFIG"] = str(tmp_path / "jc.toml")  # the same office on http://127.0.0.1: allowed
        done = run_cli("sync", "--json", env=env)
        assert done.returncode == 0 and json.loads(done.stdout)["pushed"] > 0, done.stderr


def test_the_client_waits_out_429_as_retry_after_says_with_backoff_and_completes(db_url, tmp_path):
    """On 429 the client failed the whole sync instead of waiting as the server asked."""
    from wbtui.server.app import create_app
    from wbtui.server.store import init_schema, make_engine
    from wbtui.sync.client import SyncClient, enable

    engine = make_engine(db_url)
    init_schema(engine)
    tokens = provision(engine)
    app = create_app(engine, PEPPER, max_in_flight=1)
    waits: list[float] = []
    gate = threading.Event()

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # the server is busy for two rounds, then free
            gate.set()
        time.sleep(seconds)

    try:
        with running_app(app) as (url, _server):
            store, jc = office(tmp_path, "jc", JC_CONFIG, url)
            case_id = jc.create_case(COMPLETE_CASE)
            enable(store)
            gate, held = _hold_slots(app, url, 1)
            client = SyncClient(store, url, tokens["ifk.ida"], sleep=sleep)
            try:
                summary = client.sync()
            finally:
                client.close()
            held[0].join()
            store.close()
        assert waits == [1.0, 1.5]  # Retry-After: 1, then backed off
        assert summary.pushed > 0 and summary.rejected == 0
        from sqlalchemy import text

        with engine.connect() as conn:
            grants = conn.execute(
                text("SELECT COUNT(*) FROM srv_grant WHERE case_id = :c"), {"c": case_id.hex}
            ).scalar()
        assert grants == 1  # the case reached the server
    finally:
        engine.dispose()
