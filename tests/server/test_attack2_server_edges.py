"""Attack 2, the findings at the server's edge (F7, F8, F9c-e), one test each, named after the finding: the
real server over HTTP on loopback, an attacker pushing and asking with raw requests."""

from __future__ import annotations

import uuid

import httpx
import pytest
from authz_helpers import new_case_changes, push, server_value
from sqlalchemy import text

from server_helpers import PEPPER, provision, running_server
from wbtui.sync.protocol import SCHEMA_VERSION


def _hello(url: str, header: str, *, source: str = "127.0.0.1", **extra) -> httpx.Response:
    body = {"protocol": 1, "schema_version": SCHEMA_VERSION, "device_id": "d1", "node_id": "n1", **extra}
    # another loopback address stands for another client (the server sees 127.0.0.x as the caller)
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=10) as client:
        return client.post(f"{url}/sync/v1/hello", json=body, headers={"Authorization": header})


def test_F7_a_change_id_twice_in_one_transaction__refused_as_validation_at_once_and_nothing_kept(server):
    url, engine = server
    tokens = provision(engine)
    case_id = uuid.uuid4().hex
    changes = new_case_changes(case_id)
    twice = [*changes, {**changes[-1], "row_id": uuid.uuid4().hex}]  # the last change id again, same tx
    answer = push(url, tokens["ifk.ida"], twice)
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [("rejected", "validation")] * len(twice)
    assert results[-1]["detail"] == {"field": "change_id", "problem": "repeated"}
    assert server_value(engine, "case", case_id, "stage")[0] is None
    again = push(url, tokens["ifk.ida"], twice).json()["results"]  # the retry: the same answer, kept once per id
    assert [(r["status"], r["reason"]) for r in again] == [("rejected", "validation")] * len(twice)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT COUNT(*) FROM srv_applied")).scalar()
    assert kept == len(changes)


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """One server for the edge tests (each uses its own addresses): provisioned once."""
    with running_server(f"sqlite:///{tmp_path_factory.mktemp('edges') / 'server.db'}") as (url, engine):
        yield url, engine, provision(engine)


def test_F8_wrong_secrets_from_elsewhere_never_lock_out_the_holder_and_malformed_headers_never_lock_a_valid_token(
    sqlite_server,
):
    url, _engine, tokens = sqlite_server
    good = tokens["ifk.ida"]
    token_id = good.split(".")[0]
    attacker = [_hello(url, f"Bearer {token_id}.wrong-{i}", source="127.0.0.2").status_code for i in range(6)]
    assert attacker == [401] * 5 + [429]  # the attacker's own address is locked
    assert _hello(url, f"Bearer {good}", source="127.0.0.2").status_code == 429  # brute force stops there
    assert _hello(url, f"Bearer {good}").status_code == 200  # the holder, elsewhere, keeps working
    # a proxy address: malformed headers throttle it, a valid token behind it is still served
    nat = "127.0.0.3"
    assert [_hello(url, "Bearer nonsense", source=nat).status_code for _ in range(5)] == [401] * 5
    assert _hello(url, "Bearer nonsense", source=nat).status_code == 429
    assert _hello(url, "Bearer wbt_0000000000000000.guess", source=nat).status_code == 429
    assert _hello(url, f"Bearer {tokens['aa.anton']}", source=nat).status_code == 200
    assert _hello(url, f"Bearer {good}", source=nat).status_code == 200


def test_F9c_F9d_F9e_a_huge_schema_version_long_hello_values_and_a_misfit_roles_snapshot__refused(sqlite_server):
    from sqlmodel import Session

    from wbtui.server.admin import issue_token
    from wbtui.server.models import SrvOrg, SrvUser

    url, engine, tokens = sqlite_server
    header = f"Bearer {tokens['ifk.ida']}"
    huge = "9" * 400
    raw = httpx.post(f"{url}/sync/v1/push", content=f'{{"device_id": "d", "batch_id": "b", "schema_version": {huge}, "changes": []}}',
                     headers={"Authorization": header, "Content-Type": "application/json"})  # fmt: skip
    assert raw.status_code == 400 and huge not in raw.text
    old = httpx.post(f"{url}/sync/v1/push", json={"device_id": "d", "batch_id": "b", "schema_version": 99, "changes": []},
                     headers={"Authorization": header})  # fmt: skip
    assert old.status_code == 426 and old.json()["action"] == "upgrade_required"
    for name, length in (("cursor", 201), ("hlc", 101), ("app_version", 65)):
        assert _hello(url, header, **{name: "x" * length}).status_code == 400, name
    assert _hello(url, header, app_version="1.0", cursor="x" * 200).status_code == 200
    # a Jobcenter role in an Agentur (as an older database may hold it): no snapshot, as no pull, no verify
    with Session(engine) as s:
        agentur = s.query(SrvOrg).filter(SrvOrg.kind == "agentur").one()
        s.add(SrvUser(id=uuid.uuid4().hex, org_id=agentur.id, login="ifk.misfit", role="jc_ifk"))
        s.commit()
    misfit = {"Authorization": f"Bearer {issue_token(engine, PEPPER, 'ifk.misfit', ['read', 'push'], 30)[1]}"}
    assert httpx.get(f"{url}/sync/v1/snapshot", headers=misfit).status_code == 403
    assert httpx.get(f"{url}/sync/v1/pull", headers=misfit).status_code == 403
    assert httpx.get(f"{url}/sync/v1/snapshot", headers={"Authorization": header}).status_code == 200
