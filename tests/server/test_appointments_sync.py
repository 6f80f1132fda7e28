"""Appointments travel between the offices through the real server, and the server checks every
appointment write with the rules the devices use (domain/appointments.py, domain/permissions.py)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import httpx

from common import AA_CONFIG, JC_CONFIG
from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync


def push(url: str, token: str, changes: list[dict], version: int = 4) -> list[dict]:
    body = {"device_id": "d", "batch_id": uuid.uuid4().hex, "schema_version": version, "changes": changes}
    answer = httpx.post(f"{url}/sync/v1/push", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def set_change(entity: str, row_id: str, case_id: str, fields: dict, who: str) -> dict:
    stamp = f"{int(time.time() * 1000):016d}-0000-{who}"
    return {
        "change_id": uuid.uuid4().hex, "entity": entity, "row_id": row_id, "case_id": case_id, "op": "set",
        "hlc": stamp, "tx": "t" + who, "fields": {k: {"v": v, "base": None} for k, v in fields.items()},
    }  # fmt: skip


def test_appointments_sync_and_the_server_refuses_a_write_by_the_wrong_office(server, tmp_path):
    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Termin")

    # the Agentur acknowledges with a counselling appointment, then moves it: the Jobcenter sees both rows
    aa.ack_handover(case_id, appointment_at=datetime(2026, 12, 1, 9, tzinfo=UTC), location="Raum 2.14")
    first = q(aa_store, "SELECT id FROM appointment")[0][0]
    aa.move_appointment(uuid.UUID(first), datetime(2026, 12, 3, 10, tzinfo=UTC), reason="verhindert")
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    sync(jc_store, url, tokens["ifk.ida"])
    assert q(jc_store, "SELECT stage FROM fbw_case") == [("counselling_scheduled",)]
    assert sorted(q(jc_store, "SELECT status, location FROM appointment")) == [
        ("geplant", "Raum 2.14"),
        ("verschoben", "Raum 2.14"),
    ]
    planned = q(jc_store, "SELECT id FROM appointment WHERE status = 'geplant'")[0][0]

    # the Jobcenter may not plan the Agentur's counselling, nor cancel it — refused whole, nothing kept
    new_row = uuid.uuid4().hex
    results = push(url, tokens["ifk.ida"], [set_change("appointment", new_row, case_id.hex, {
        "case_id": case_id.hex, "kind": "aa_beratung", "starts_at": "2026-12-04 09:00:00.000000", "status": "geplant",
    }, "jc")])  # fmt: skip
    assert results[0]["status"] == "rejected" and results[0]["reason"] == "permission"
    results = push(url, tokens["ifk.ida"], [set_change("appointment", planned, case_id.hex,
                                                       {"status": "abgesagt", "status_reason": "x"}, "jc")])  # fmt: skip
    assert results[0]["status"] == "rejected" and results[0]["reason"] == "permission"
    # the Agentur may not record a result before the appointment's day (the same rule as on the device)
    results = push(url, tokens["aa.anton"], [set_change("appointment", planned, case_id.hex,
                                                        {"status": "wahrgenommen"}, "aa")])  # fmt: skip
    assert results[0]["reason"] == "transition" and results[0]["detail"]["guard"] == "guard.appt_not_yet"
    # a client of schema 3 does not know appointments
    results = push(url, tokens["aa.anton"], [set_change("appointment", planned, case_id.hex,
                                                        {"status_reason": "alt"}, "aa")], version=3)  # fmt: skip
    assert results[0]["reason"] == "schema"
    sync(aa_store, url, tokens["aa.anton"])
    sync(jc_store, url, tokens["ifk.ida"])
    for store in (jc_store, aa_store):
        assert sorted(q(store, "SELECT status FROM appointment")) == [("geplant",), ("verschoben",)]


def test_the_server_refuses_s5_without_a_planned_counselling_appointment(server, tmp_path):
    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Ohnetermin")
    aa.ack_handover(case_id)  # acknowledged: the case stays in S4
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    results = push(url, tokens["aa.anton"], [set_change("case", case_id.hex, case_id.hex,
                                                        {"stage": "counselling_scheduled"}, "aa")])  # fmt: skip
    assert results[0]["reason"] == "transition" and results[0]["detail"]["guard"] == "guard.s5_needs_appointment"
    sync(jc_store, url, tokens["ifk.ida"])
    assert q(jc_store, "SELECT stage FROM fbw_case") == [("handed_over",)]
    assert q(jc_store, "SELECT status FROM handover") == [("accepted",)]
