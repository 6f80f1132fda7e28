"""PostgreSQL, several pushes at once through the server's check path (threads, one engine pool): the
collisions a single SQLite writer never has."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import text

from server_helpers import pg_database

NOW = "2026-11-25 12:00:00.000000"


def _person(kundennummer: str) -> dict:
    return {"kundennummer": kundennummer, "family_name": "Gleich", "given_names": "Zeitig", "needs_interpreter": False,
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _case(person_id: str) -> dict:
    return {"person_id": person_id, "stage": "need_identified", "stage_since": NOW, "legacy_jc_funded": False,
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _changes(case_id: str, person_id: str, kundennummer: str, node: str, n: int) -> list[dict]:
    stamp = f"{int(time.time() * 1000):016d}-{n:04x}-{node}"
    out = []
    for entity, row_id, fields in (("person", person_id, _person(kundennummer)), ("case", case_id, _case(person_id))):
        out.append({"change_id": uuid.uuid4().hex, "entity": entity, "row_id": row_id, "case_id": case_id,
                    "op": "set", "hlc": stamp, "tx": f"t-{node}-{n}",
                    "fields": {k: {"v": v, "base": None} for k, v in fields.items()}})  # fmt: skip
    return out


def _burst(server, who, batches: list[list[dict]]) -> list:
    answers: list = [None] * len(batches)
    gate = threading.Barrier(len(batches))

    def run(i):
        gate.wait()
        try:
            answers[i] = server.push(who, batches[i])
        except Exception as exc:  # what the route would have answered with HTTP 500
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _setup(url):
    from wbtui.server.admin import add_org
    from wbtui.server.auth import Principal
    from wbtui.server.service import SyncServer
    from wbtui.server.store import init_schema, make_engine

    engine = make_engine(url)
    init_schema(engine)
    org = add_org(engine, "Jobcenter Musterstadt", "jobcenter_ge")
    who = Principal("u", "ifk.ida", org, "jobcenter_ge", "jc_ifk", frozenset({"read", "push"}), "t")
    return engine, SyncServer(engine), who


def test_concurrent_first_writes_of_one_new_case_answered_http_500__now_retried_and_applied_once():
    with pg_database() as url:
        engine, server, who = _setup(url)
        try:
            case_id, person_id = uuid.uuid4().hex, uuid.uuid4().hex
            # eight devices' retries of the same new rows (same ids, fresh change ids) at the same moment
            batches = [_changes(case_id, person_id, "123A456789", f"dev{i}", i) for i in range(8)]
            answers = _burst(server, who, batches)
            assert not [a for a in answers if isinstance(a, Exception)], answers
            # one push creates the rows; the others then find them (a fixed field is not written twice)
            statuses = [r["status"] for a in answers for r in a["results"]]
            assert statuses.count("applied") >= 2 and {r.get("reason") for a in answers for r in a["results"]} <= {
                None,
                "permission",
            }
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT COUNT(*) FROM srv_row_case WHERE row_id IN (:c, :p)"),
                                    {"c": case_id, "p": person_id}).scalar()  # fmt: skip
            assert rows == 2
        finally:
            engine.dispose()


def test_the_same_kundennummer_taken_in_by_eight_devices_at_once_made_several_persons__now_one():
    with pg_database() as url:
        engine, server, who = _setup(url)
        try:
            batches = [_changes(uuid.uuid4().hex, uuid.uuid4().hex, "123A456789", f"dev{i}", i) for i in range(8)]
            answers = _burst(server, who, batches)
            assert not [a for a in answers if isinstance(a, Exception)], answers
            taken = [a for a in answers if a["results"][0]["status"] == "applied"]
            refused = [a for a in answers if a["results"][0].get("reason") == "duplicate_person"]
            assert len(taken) == 1 and len(refused) == 7, answers
            with engine.connect() as conn:
                persons = conn.execute(
                    text("SELECT COUNT(*) FROM srv_field WHERE entity = 'person' AND field = 'kundennummer'")
                ).scalar()
            assert persons == 1
        finally:
            engine.dispose()
