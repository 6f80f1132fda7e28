"""The authorization matrix down to the field, on SQLite and PostgreSQL (issue 12): organisation kind ×
role × entity × field × stage × action (create a row, update a field, append a timeline entry).

The expected answer of every cell is derived from the one table, :mod:`wbtui.domain.permissions`
(``role_fits_org``, ``write_refusal``, ``event_refusal``) and the process rule that a stage never
changes as a plain write. The whole matrix runs through the server's own check path
(``SyncServer.push``) in process against a real server store, every stage on both databases; a sampled
subset runs again over real HTTP. Every refused change is answered ``rejected`` with a reason code and
never reaches a feed.

Kept quick by batching: each principal sends its cells of all stages in one push (each change its own
transaction, answered alone), each principal that may write works on its own copy of the seeded cases
(its accepted rows never make another principal's pushes read more), and the module builds one server
store per database for both tests."""

from __future__ import annotations

import random
import re
import uuid

import httpx
import pytest
from sqlalchemy import text

from server_helpers import PEPPER, pg_database, running_app, upload_as_before
from wbtui.sync.protocol import SCHEMA_VERSION

ORGS = {  # name: kind; the Jobcenter owns every case, the Agentur holds it by referral
    "Jobcenter Musterstadt": "jobcenter_ge",
    "Agentur für Arbeit Musterstadt": "agentur",
    "Jobcenter Nordland": "jobcenter_zkt",
    "Bildungsträger Lernwerk": "bildungstraeger",
}
OWNER, REFERRAL = "Jobcenter Musterstadt", "Agentur für Arbeit Musterstadt"
NOW = "2026-11-25 12:00:00.000000"
SAMPLES = {
    "kundennummer": None, "bg_nummer": "12345BG1234567", "phone": "0151 1234567", "email": "a@b.de",
    "target_kldb": "52122", "kldb": "52122", "kursnet_id": "K-123", "code": None,
}  # fmt: skip


class Cells:
    """Stamps, fresh keys, and the answers collected per cell."""

    def __init__(self) -> None:
        self.last_ms = 0
        self.n = 0
        self.accepted: set[str] = set()
        self.rejected: set[str] = set()

    def clock(self) -> int:
        import time

        self.last_ms = max(self.last_ms + 1, int(time.time() * 1000) - 20_000)
        return self.last_ms

    def fresh(self) -> int:
        self.n += 1
        return self.n


def _value(entity: str, name: str, col, row: dict, cells: Cells, *, update: bool):
    if col.kind == "ref":
        return uuid.uuid4().hex if update else row[name]
    if name == "kundennummer":
        n = cells.fresh()
        return f"{n % 1000:03d}M{n:06d}"
    if name == "code":
        return "Z-" + _base36(cells.fresh())
    if name in SAMPLES:
        return SAMPLES[name]
    if name == "art9":
        return bool(row.get("art9"))
    return {
        "text": "Wert", "note": "Notiz", "date": "2026-11-20", "datetime": NOW, "bool": False, "int": max(col.lo, 3),
        "json": {"k": 1},
    }.get(col.kind) if col.kind not in ("choice", "choices") else (
        col.choices[0] if col.kind == "choice" else [col.choices[0]]
    )  # fmt: skip


def _base36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out.rjust(2, "0")


def _full_row(entity: str, base: dict, cells: Cells) -> dict:
    """A new row of ``entity`` with every field a valid value (``base`` fixes references and codes)."""
    from wbtui.domain.entities import ENTITIES

    row = dict(base)
    for name, col in ENTITIES[entity].cols.items():
        if name not in row:
            row[name] = _value(entity, name, col, row, cells, update=False)
    # a consent that covers now; a case not yet closed; a handover without a query
    drop = {
        "consent": ("revoked_on", "valid_until"),
        "case": ("closed_at", "close_reason"),
        "handover": ("query_text",),
    }
    for name in drop.get(entity, ()):
        row.pop(name, None)
    return row


def _required(entity: str, base: dict, cells: Cells) -> dict:
    from wbtui.domain.entities import ENTITIES, PRESENT

    row = dict(base)
    for name, col in ENTITIES[entity].cols.items():
        if (col.required or name in PRESENT.get(entity, ())) and name not in row:
            row[name] = _value(entity, name, col, row, cells, update=False)
    return row


def _set(entity, row_id, case_id, fields, stamp, **extra) -> dict:
    return {"change_id": uuid.uuid4().hex, "entity": entity, "row_id": row_id, "case_id": case_id, "op": "set",
            "hlc": stamp, "fields": {k: {"v": v, "base": None} for k, v in fields.items()}, **extra}  # fmt: skip


def _seed(server, owner, cells: Cells, copy: int) -> dict:
    """One case in each stage, with one row of every kind (a health obstacle as well), uploaded whole in one
    push (each case its own local transaction)."""
    from wbtui.domain.process import Stage

    cases, changes = {}, []
    for stage in Stage:
        case_id, person_id = uuid.uuid4().hex, uuid.uuid4().hex
        plain_id, health_id = uuid.uuid4().hex, uuid.uuid4().hex
        rows = {
            ("person", person_id): _full_row("person", {}, cells),
            ("case", case_id): _full_row("case", {"person_id": person_id, "stage": stage.value}, cells),
            ("obstacle", plain_id): _full_row("obstacle", {"case_id": case_id, "code": "R-KIN", "art9": False}, cells),
            ("obstacle", health_id): _full_row("obstacle", {"case_id": case_id, "code": "L-GES", "art9": True}, cells),
            ("consent", uuid.uuid4().hex): _full_row("consent", {"person_id": person_id, "recipients": ["agentur"], "data_groups": ["stammdaten", "hemmnisse", "gesundheit"]}, cells),
            ("handover", uuid.uuid4().hex): _full_row("handover", {"case_id": case_id}, cells),
            ("voucher", uuid.uuid4().hex): _full_row("voucher", {"case_id": case_id}, cells),
            ("task", uuid.uuid4().hex): _full_row("task", {"case_id": case_id}, cells),
        }  # fmt: skip
        ms = cells.clock()
        changes += [
            _set(e, r, case_id, values, f"{ms:016d}-{i:04x}-seed{copy}", tx=f"seed-{case_id}", origin="upload")
            for i, ((e, r), values) in enumerate(rows.items())
        ]
        cases[stage] = {"case_id": case_id, "rows": rows}
    with upload_as_before():  # cases in every stage, the Agentur's values in them: seeded as an older server took them
        answers = server.push(owner, changes)["results"]
    assert {a["status"] for a in answers} == {"applied"}, answers
    return cases


def _principals(org_ids: dict) -> list:
    from wbtui.domain.process import ROLES
    from wbtui.server.auth import Principal

    return [
        Principal(f"u-{org}-{role}", f"{role}.{kind}", org_ids[org], kind, role, frozenset({"read", "push"}), "t")
        for org, kind in ORGS.items()
        for role in ROLES
    ]


def _wholesale(who, holders: set[str]) -> str | None:
    """Refused before any field is looked at: the role, its fit to the organisation, holding the case."""
    from wbtui.domain.access import CASE_ROLES
    from wbtui.domain.permissions import role_fits_org

    if who.role not in CASE_ROLES or not role_fits_org(who.org_kind, who.role) or who.org_id not in holders:
        return "forbidden"
    return None


def _cells_for(who, stage, case: dict, org_ids: dict, cells: Cells) -> list[tuple[dict, str | None, str]]:
    """(change, expected reason or None for accepted, label) for every cell of one principal in one stage."""
    from wbtui.domain.entities import ART9_CODES, ENTITIES, EVENT_TYPES
    from wbtui.domain.permissions import (
        HANDOVER_STEP_FIELDS,
        event_refusal,
        handover_step_refusal,
        step_event_refusal,
        task_owner_refusal,
        write_refusal,
    )
    from wbtui.domain.process import TRANSITIONS, Stage

    def owner_refusal(owner) -> str | None:  # follow-ups go to the writer's own office (no login here is known)
        none: frozenset[str] = frozenset()
        return task_owner_refusal(owner, own_logins=none, other_logins=none, owner_of_case=who.org_id == org_ids[OWNER])

    case_id = case["case_id"]
    wholesale = _wholesale(who, {org_ids[OWNER], org_ids[REFERRAL]})
    ms = cells.clock()
    counter = iter(range(0xFFFF))
    out = []

    def stamp():
        return f"{ms:016d}-{next(counter):04x}-matrix"

    # update: one field of an existing row
    for (entity, row_id), values in case["rows"].items():
        art9_row = entity == "obstacle" and values.get("code") in ART9_CODES
        own = True  # every seeded row was created by the owning Jobcenter
        own = own and who.org_id == org_ids[OWNER]
        for name, col in ENTITIES[entity].cols.items():
            if name == "stage":
                illegal = next(s for s in Stage if s not in TRANSITIONS[stage] and s not in (stage, Stage.CLOSED))
                value = illegal.value
                expected = wholesale or "refused"
            else:
                value = _value(entity, name, col, values, cells, update=True)
                refusal = write_refusal(entity, name, role=who.role, new_row=False, stage_before=stage,
                                        stage_after=stage, art9_row=art9_row, own_row=own)  # fmt: skip
                if entity == "handover" and name in HANDOVER_STEP_FIELDS:  # only the acknowledgement or query step
                    after = {**values, name: value}
                    refusal = refusal or handover_step_refusal(values.get("status"), after.get("status"),
                                                               stage_before=stage, stage_after=stage,
                                                               acknowledged_by=after.get("acknowledged_by"),
                                                               login=who.login)  # fmt: skip
                if entity == "task" and name == "owner":
                    refusal = refusal or owner_refusal(value)
                expected = wholesale or ("permission" if refusal else None)
            change = _set(entity, row_id, case_id, {name: value}, stamp())
            out.append((change, expected, f"update {entity}.{name}"))
    # create: a new row carrying its required fields and the field under test
    person_id = case["rows"] and next(r for (e, r) in case["rows"] if e == "person")
    for entity in ("person", "obstacle", "consent", "handover", "voucher", "task"):
        for name, col in ENTITIES[entity].cols.items():
            base = {"person_id": person_id} if entity == "consent" else {"case_id": case_id}
            if entity == "person":
                base = {}
            row = _required(entity, base, cells)
            if name not in row:
                row[name] = _value(entity, name, col, row, cells, update=False)
            art9_row = entity == "obstacle" and (row.get("code") in ART9_CODES or bool(row.get("art9")))
            refusals = [
                write_refusal(entity, f, role=who.role, new_row=True, stage_before=stage, stage_after=stage,
                              art9_row=art9_row, own_row=True)
                for f in row
            ]  # fmt: skip
            if entity == "task":
                refusals.append(owner_refusal(row.get("owner")))
            expected = wholesale or ("permission" if any(refusals) else None)
            change = _set(entity, uuid.uuid4().hex, case_id, row, stamp())
            out.append((change, expected, f"create {entity} with {name}"))
    # append: every kind of timeline entry
    for event_type in EVENT_TYPES:
        refusal = event_refusal(event_type, role=who.role, stage=stage) or step_event_refusal(
            event_type, None, None, stage_before=stage, stage_after=stage
        )  # a step of the process only with its transition (none here)
        expected = wholesale or ("permission" if refusal else None)
        change = {"change_id": uuid.uuid4().hex, "entity": "event", "row_id": uuid.uuid4().hex, "case_id": case_id,
                  "op": "append", "hlc": stamp(), "data": {"case_id": case_id, "at": NOW, "type": event_type,
                                                           "actor": "m", "payload": {}}}  # fmt: skip
        out.append((change, expected, f"append {event_type}"))
    return out


def _check(answer: dict, expected: str | None, label: str, cells: Cells, change: dict) -> None:
    if expected is None:
        assert answer["status"] in ("applied", "conflict"), (label, answer)
        cells.accepted.add(change["hlc"])
    else:
        assert answer["status"] == "rejected", (label, expected, answer)
        if expected == "refused":  # a plain stage write: the process refuses it (or the table, when closed)
            assert answer["reason"] in ("transition", "permission"), (label, answer)
        else:
            assert answer["reason"] == expected, (label, expected, answer)
        cells.rejected.add(change["hlc"])


def _build(engine):
    """The server store with one copy of the seeded cases for each principal that may write (its accepted
    cells add rows only to its own copy, so no push reads what the others added); the rest share copy 0."""
    from wbtui.server.admin import add_org
    from wbtui.server.auth import Principal
    from wbtui.server.service import SyncServer
    from wbtui.server.store import init_schema

    init_schema(engine)
    org_ids = {name: add_org(engine, name, kind) for name, kind in ORGS.items()}
    server = SyncServer(engine)
    owner = Principal("seed", "seed", org_ids[OWNER], "jobcenter_ge", "jc_ifk", frozenset({"read", "push"}), "t")
    cells = Cells()
    holders = {org_ids[OWNER], org_ids[REFERRAL]}
    writers = [who.user_id for who in _principals(org_ids) if _wholesale(who, holders) is None]
    copies = [_seed(server, owner, cells, n) for n in range(max(1, len(writers)))]
    cases = {
        who.user_id: copies[writers.index(who.user_id) if who.user_id in writers else 0] for who in _principals(org_ids)
    }
    with engine.begin() as conn:  # the Agentur holds every case by referral, with every data group covered
        conn.execute(
            text("INSERT INTO srv_grant (case_id, org_id, access, groups) VALUES (:c, :o, 'referral', :g)"),
            [{"c": case["case_id"], "o": org_ids[REFERRAL],
              "g": "einwilligung,gesundheit,hemmnisse,qualifikation,stammdaten,weiterbildung"}
             for copy in copies for case in copy.values()],
        )  # fmt: skip
    return server, org_ids, cases, cells


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix(request, tmp_path_factory):
    """One built server store per database for the module's tests (building it is most of a test's time)."""
    from wbtui.server.store import make_engine

    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}")
        yield eng, _build(eng)
        eng.dispose()
    else:
        with pg_database() as url:
            eng = make_engine(url)
            yield eng, _build(eng)
            eng.dispose()


def test_the_server_applies_exactly_what_the_permission_table_allows_down_to_the_field(matrix):
    """Every stage on both databases: one push per principal carries its cells of all stages (each change
    its own transaction, answered alone), checked change by change."""
    from wbtui.domain.process import Stage
    from wbtui.server.service import LIMITS

    engine, (server, org_ids, cases, cells) = matrix
    accepted, rejected = cells.accepted, cells.rejected = set(), set()
    total = 0
    for who in _principals(org_ids):
        batch = []
        for stage in Stage:
            batch += [(c, e, f"{stage.value}: {label}") for c, e, label in _cells_for(who, stage, cases[who.user_id][stage], org_ids, cells)]  # fmt: skip
        assert len(batch) <= LIMITS["push_changes"]  # what one device may push at once
        answers = server.push(who, [change for change, _, _ in batch])["results"]
        for (change, expected, label), answer in zip(batch, answers, strict=True):
            _check(answer, expected, f"{who.org_kind}/{who.role}/{label}", cells, change)
        total += len(batch)
    assert total > 100_000 and accepted and rejected
    # nothing refused reached any feed; what was taken reached the owner's
    with engine.connect() as conn:
        feed = "\n".join(p for (p,) in conn.execute(text("SELECT payload FROM srv_feed")) if p)
    in_feed = set(re.findall(r"\d{16}-[0-9a-f]{4}-matrix", feed))
    assert not (rejected & in_feed)
    assert accepted <= in_feed


def test_a_sample_of_the_matrix_over_real_http_gets_the_same_answers(matrix):
    """The same check path behind the routes: tokens decide the principal, 60 sampled cells."""
    from wbtui.domain.process import ROLES, Stage
    from wbtui.server.admin import issue_token
    from wbtui.server.app import create_app
    from wbtui.server.auth import Principal
    from wbtui.server.models import SrvUser

    engine, (server, org_ids, cases, cells) = matrix
    from sqlmodel import Session

    tokens = {}
    with Session(engine) as s:  # every kind × role, the misfits too (as an older database may hold them)
        for org, kind in ORGS.items():
            for role in ROLES:
                login = f"{role}.{kind}"
                s.add(SrvUser(id=uuid.uuid4().hex, org_id=org_ids[org], login=login, role=role))
        s.commit()
    for org, kind in ORGS.items():
        for role in ROLES:
            tokens[(org_ids[org], role)] = issue_token(engine, PEPPER, f"{role}.{kind}", ["read", "push"], 30)[1]
    rng = random.Random(12)
    principals = _principals(org_ids)
    with running_app(create_app(engine, PEPPER)) as (url, _srv), httpx.Client(timeout=60) as http:
        for _ in range(60):
            who: Principal = rng.choice(principals)
            stage = rng.choice(list(Stage))
            change, expected, label = rng.choice(_cells_for(who, stage, cases[who.user_id][stage], org_ids, cells))
            body = {
                "device_id": "m",
                "batch_id": uuid.uuid4().hex,
                "schema_version": SCHEMA_VERSION,
                "changes": [change],
            }
            answer = http.post(
                f"{url}/sync/v1/push", json=body, headers={"Authorization": f"Bearer {tokens[(who.org_id, who.role)]}"}
            )
            assert answer.status_code == 200, answer.text
            _check(answer.json()["results"][0], expected, f"HTTP {who.org_kind}/{who.role}/{stage.value}: {label}", cells, change)  # fmt: skip
    assert server is not None
