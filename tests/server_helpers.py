"""Run the real sync server on loopback over HTTP, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager

PG_ADMIN = os.environ.get("WBTUI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PEPPER = b"test-pepper-not-a-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def pg_database():
    import psycopg

    name = f"wbtui_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_app(app, **config):
    """Any ASGI app under uvicorn on loopback, in a thread; yields its URL and the uvicorn server."""
    import uvicorn

    port = free_port()
    settings = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False, **config}
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_server(db_url: str, pepper: bytes = PEPPER, **app_options):
    """The real sync server (``create_app``) on loopback over HTTP; yields its URL and its engine."""
    from wbtui.server.app import create_app
    from wbtui.server.store import init_schema, make_engine

    engine = make_engine(db_url)
    init_schema(engine)
    try:
        with running_app(create_app(engine, pepper, **app_options)) as (url, _server):
            yield url, engine
    finally:
        engine.dispose()


def provision(engine) -> dict[str, str]:
    """Two Jobcenters and one Agentur with a user and a token each."""
    from wbtui.server.admin import add_org, add_user, issue_token

    add_org(engine, "Jobcenter Musterstadt", "jobcenter_ge")
    add_org(engine, "Agentur für Arbeit Musterstadt", "agentur")
    add_org(engine, "Jobcenter Nordland", "jobcenter_zkt")
    add_user(engine, "ifk.ida", "Jobcenter Musterstadt", "jc_ifk")
    add_user(engine, "aa.anton", "Agentur für Arbeit Musterstadt", "aa_beratung")
    add_user(engine, "ifk.nora", "Jobcenter Nordland", "jc_ifk")
    tokens = {}
    for login in ("ifk.ida", "aa.anton", "ifk.nora"):
        tokens[login] = issue_token(engine, PEPPER, login, ["read", "push"], 30)[1]
    tokens["ida-read"] = issue_token(engine, PEPPER, "ifk.ida", ["read"], 30)[1]
    return tokens


def wait_healthy(url: str, timeout: float, *, verify=True) -> bool:
    """Poll ``GET /health`` until it answers 200 or ``timeout`` seconds have passed."""
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/health", verify=verify).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False


@contextmanager
def serve_process(
    db_url: str | None, *extra: str, output=None, verify=True, scheme: str = "http", env=None, umask=None
):
    """`wbtui serve` in its own process (the real command), yielding its URL once /health answers.
    ``db_url`` None: the default SQLite file and pepper file in the data directory (``env`` adds to or,
    with None values, removes from the environment; ``umask`` is the process's at start)."""
    import subprocess
    import sys

    port = free_port()
    full = dict(os.environ, WBTUI_SERVER_PEPPER=PEPPER.decode())
    if db_url is not None:
        full["WBTUI_SERVER_DB"] = db_url
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    sink = output if output is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "wbtui", "serve", "--port", str(port), *extra],
        env=full,
        stdout=sink,
        stderr=subprocess.STDOUT,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        # up to 3 minutes on a busy machine (several workers import the app each), less if the process ends
        deadline = time.time() + 180
        while time.time() < deadline and proc.poll() is None and not wait_healthy(url, 1, verify=verify):
            pass
        yield url
    finally:
        proc.terminate()
        # workers finish what they serve first; on a loaded machine that, and the supervisor's pending
        # health check (server/transport.py), takes longer than an idle one's two seconds
        proc.wait(timeout=90)


@contextmanager
def upload_as_before():
    """Seed a server as one before attack 2 (F3) took a Jobcenter store's first upload: the other office's
    acts in it too (cases in every stage with the Agentur's values, a demo store that holds both offices'
    work). Only for building a test's starting state: the rule itself is tests/server/test_attack2_write_side.py's."""
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("wbtui.server.push.upload_write_refusal", lambda *_a, **_k: None)
        patch.setattr("wbtui.server.write_checks.upload_event_refusal", lambda *_a, **_k: None)
        yield
