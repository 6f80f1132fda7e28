"""Leftovers of the server-authority issue (issue 16, Part B): an appointment's ``moved_from`` names an
appointment of its own case; a request of the wrong shape is answered 400 like every validation refusal (not
FastAPI's 422, whose body echoes the values sent); a change refused before the push runs (server/screen.py)
keeps its answer for a retry like every other change. The real server over HTTP on SQLite and on PostgreSQL
(the ``server`` fixture), an attacker pushing raw JSON beside an honest device store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from authz_helpers import push, server_value, set_change

from common import COMPLETE_CASE, JC_CONFIG
from server_helpers import provision
from sync_helpers import office, q, sync


def _answers(url: str, token: str, changes: list[dict]) -> list[tuple]:
    results = push(url, token, changes).json()["results"]
    return [(r["status"], r.get("reason"), (r.get("detail") or {}).get("problem"), r.get("duplicate")) for r in results]


def test_moved_from_of_the_same_case__400_for_a_malformed_request__a_screened_change_keeps_its_answer(server, tmp_path):
    url, engine = server
    token = provision(engine)["ifk.ida"]
    auth = {"Authorization": f"Bearer {token}"}
    for answer in (
        httpx.post(f"{url}/sync/v1/push", json={"device_id": "d", "batch_id": "b"}, headers=auth),  # no changes
        httpx.post(f"{url}/sync/v1/push", content=b"{", headers={**auth, "Content-Type": "application/json"}),
        httpx.get(f"{url}/sync/v1/pull", params={"limit": 0}, headers=auth),
        httpx.post(f"{url}/sync/v1/hello", json={"protocol": 1, "org_id": "x"}, headers=auth),
    ):
        assert (answer.status_code, answer.json()) == (400, {"detail": "validation"})

    store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    own = jc.create_case(COMPLETE_CASE)
    other = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A456780", "family_name": "Zweite"})
    when = datetime(2026, 12, 2, 9, tzinfo=UTC)
    jc.add_appointment(own, "fallkonferenz", when)
    foreign = jc.add_appointment(other, "fallkonferenz", when)
    assert sync(store, url, token).rejected == 0
    mine = q(store, "SELECT id FROM appointment WHERE case_id = ?", own.hex)[0][0]

    # moved_from names an appointment of the same case: not another case's, none at all, nor itself
    def moved(from_row: str, row: str | None = None) -> dict:
        row = row or uuid.uuid4().hex
        fields = {"case_id": own.hex, "kind": "fallkonferenz", "starts_at": "2026-12-03 09:00:00.000000",
                  "status": "geplant", "moved_from": from_row}  # fmt: skip
        return set_change("appointment", row, own.hex, fields)

    refused = ("rejected", "invalid", "reference", None)
    assert _answers(url, token, [moved(foreign.hex)]) == [refused]
    assert _answers(url, token, [moved(uuid.uuid4().hex)]) == [refused]
    same = uuid.uuid4().hex
    assert _answers(url, token, [moved(same, same)]) == [refused]
    assert _answers(url, token, [moved(mine)])[0][0] == "applied"
    # the honest device's move (the old one verschoben, a new one moved from it) still syncs
    jc.move_appointment(uuid.UUID(mine), datetime(2026, 12, 4, 9, tzinfo=UTC))
    assert sync(store, url, token).rejected == 0

    # a good change sharing its local transaction with one of the wrong shape goes with it ...
    case = other.hex
    good = set_change("case", case, case, {"max_commute_km": 41}, tx="t1")
    bad = {**set_change("case", case, case, {"max_commute_km": 42}, tx="t1"), "entity": ["case"]}
    assert _answers(url, token, [good, bad]) == [("rejected", "validation", None, None)] * 2
    # ... and a retry of it alone (same id, with a fresh clock) gets that answer again, nothing applied
    retry = {**good, "hlc": set_change("case", case, case, {})["hlc"]}
    assert _answers(url, token, [retry]) == [("rejected", "validation", None, True)]
    assert server_value(engine, "case", case, "max_commute_km")[0] != 41
    # a change applied before keeps "applied" when a retry of it arrives beside a malformed one
    applied = set_change("case", case, case, {"max_commute_km": 43}, tx="t2")
    assert _answers(url, token, [applied])[0][0] == "applied"
    again = _answers(url, token, [applied, {**bad, "change_id": uuid.uuid4().hex, "tx": "t2"}])
    assert again[0][0] == "applied" and again[0][3] is True and again[1][:2] == ("rejected", "validation")
