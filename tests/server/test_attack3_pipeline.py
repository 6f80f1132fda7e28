"""The second attacker round (evening of 28 Nov 2026) on the pipelined push (server/pipeline.py): eight pushes
naming a change that never comes held all request threads for a minute (every office and /health waited); a
push waiting for its predecessor was applied under a token revoked during the wait; dates in the year 9999
overflowed on the server (HTTP 500); a device id took control characters. The real server over loopback HTTP
(SQLite: what is checked here is the server's threads and checks, not the database)."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
from authz_helpers import push, set_change

from server_helpers import PEPPER, provision, running_server


def test_waiting_pushes_never_hold_the_server_and_a_token_revoked_while_waiting_applies_nothing(tmp_path, monkeypatch):
    from wbtui.server import pipeline
    from wbtui.server.admin import issue_token, revoke_token

    monkeypatch.setattr(pipeline, "WAIT", 1.5)  # the wait's length is not what is tested: a short one suffices
    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, engine):
        tokens = provision(engine)
        finished: list[str] = []
        lock = threading.Lock()

        def stall(n: int) -> None:
            body = {"device_id": f"rogue{n}", "batch_id": uuid.uuid4().hex, "schema_version": 5, "changes": [],
                    "after": uuid.uuid4().hex}  # fmt: skip
            r = httpx.post(f"{url}/sync/v1/push", json=body, timeout=60,
                           headers={"Authorization": f"Bearer {tokens['ifk.nora']}"})  # fmt: skip
            with lock:
                finished.append(f"stall:{r.status_code}")

        rogues = [threading.Thread(target=stall, args=(n,)) for n in range(8)]
        for t in rogues:
            t.start()
        for _ in range(1000):  # until every waiting slot is taken (the rest of the rogues were answered 409)
            if pipeline._slots._value == 0:  # type: ignore[attr-defined]
                break
            threading.Event().wait(0.01)
        # another office's requests and the liveness check are served while the rogue pushes wait
        health = httpx.get(f"{url}/health", timeout=60)
        pull = httpx.get(f"{url}/sync/v1/pull", headers={"Authorization": f"Bearer {tokens['aa.anton']}"}, timeout=60)
        with lock:
            finished.append(f"honest:{health.status_code}:{pull.status_code}")
        for t in rogues:
            t.join()
        assert "honest:200:200" in finished
        assert finished.index("honest:200:200") < len(finished) - 1  # not last: some rogue still waited
        assert sorted(f for f in finished if f.startswith("stall")) == ["stall:409"] * 8

        # a push waiting for its predecessor under a token that is revoked meanwhile: 401, nothing applied
        token_id, token = issue_token(engine, PEPPER, "ifk.ida", ["read", "push"], 30)
        first, second = uuid.uuid4().hex, uuid.uuid4().hex
        now = "2026-11-27 10:00:00.000000"
        person = {"kundennummer": "123A456789", "family_name": "Beispiel", "given_names": "Berta",
                  "birth_date": "1985-04-12", "created_at": now, "updated_at": now}  # fmt: skip
        change = set_change("person", second, second, person)
        waiting: dict = {}

        def wait_for_first() -> None:
            body = {"device_id": "dev", "batch_id": uuid.uuid4().hex, "schema_version": 5, "changes": [change],
                    "after": first}  # fmt: skip
            waiting["r"] = httpx.post(f"{url}/sync/v1/push", json=body, timeout=60,
                                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip

        monkeypatch.setattr(pipeline, "WAIT", 20.0)
        waiter = threading.Thread(target=wait_for_first)
        waiter.start()
        revoke_token(engine, token_id)
        predecessor = set_change("person", uuid.uuid4().hex, uuid.uuid4().hex, {**person, "kundennummer": "123A456790"})
        predecessor["change_id"] = first
        assert push(url, tokens["ifk.ida"], [predecessor]).status_code == 200
        waiter.join()
        assert waiting["r"].status_code == 401
        from sqlalchemy import text

        with engine.connect() as conn:
            applied = conn.execute(text("SELECT 1 FROM srv_applied WHERE change_id = :c"), {"c": change["change_id"]})
            assert applied.first() is None


@pytest.mark.parametrize(
    ("entity", "field", "value"),
    [
        ("appointment", "starts_at", "9999-12-31 23:30:00"),
        ("consent", "valid_until", "9999-12-31"),
        ("person", "birth_date", "0001-01-01"),
        ("case", "stage_since", "2300-01-01 00:00:00"),
    ],
)
def test_dates_outside_the_years_of_a_case_are_refused(entity, field, value):
    from wbtui.domain.checkers import checker
    from wbtui.domain.entities import check_value

    assert check_value(entity, field, value) == "format"
    assert checker(entity, field)(value) == "format"


def test_a_device_id_with_control_characters_is_refused(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, engine):
        tokens = provision(engine)
        body = {"protocol": 1, "schema_version": 5, "device_id": "\u0000\n", "node_id": "n"}
        r = httpx.post(f"{url}/sync/v1/hello", json=body, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"})
        assert r.status_code == 400
