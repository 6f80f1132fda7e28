"""Raw pushes and pulls as an attacker's device would send them (no client code in between), and the
server's own records to check what was applied and what reached a feed."""

from __future__ import annotations

import itertools
import json
import time
import uuid

import httpx
from sqlalchemy import text

from wbtui.sync.protocol import SCHEMA_VERSION

_counter = itertools.count()


def stamp(node: str = "attacker", *, ahead_ms: int = 0) -> str:
    """A fresh HLC stamp of ``node`` (``ahead_ms``: forged into the future)."""
    return f"{int(time.time() * 1000) + ahead_ms:016d}-{next(_counter) % 0xFFFF:04x}-{node}"


def set_change(entity: str, row_id: str, case_id: str, fields: dict, *, hlc: str | None = None, **extra) -> dict:
    hlc = hlc or stamp()
    return {
        "change_id": uuid.uuid4().hex,
        "entity": entity,
        "row_id": row_id,
        "case_id": case_id,
        "op": "set",
        "hlc": hlc,
        "fields": {name: {"v": value, "base": None} for name, value in fields.items()},
        **extra,
    }


def append_change(case_id: str, event_type: str, *, payload: dict | None = None, hlc: str | None = None) -> dict:
    return {
        "change_id": uuid.uuid4().hex,
        "entity": "event",
        "row_id": uuid.uuid4().hex,
        "case_id": case_id,
        "op": "append",
        "hlc": hlc or stamp(),
        "data": {
            "case_id": case_id,
            "at": "2026-11-25 12:00:00.000000",
            "type": event_type,
            "actor": "x",
            "payload": payload or {},
        },
    }


def command_change(name: str, case_id: str, **args) -> dict:
    return {
        "change_id": uuid.uuid4().hex,
        "entity": "command",
        "row_id": uuid.uuid4().hex,
        "case_id": case_id,
        "op": "command",
        "hlc": stamp(),
        "name": name,
        "args": {"case_id": case_id, **args},
    }


def push(url: str, token: str, changes: list[dict], *, client: httpx.Client | None = None) -> httpx.Response:
    body = {"device_id": "raw", "batch_id": uuid.uuid4().hex, "schema_version": SCHEMA_VERSION, "changes": changes}
    headers = {"Authorization": f"Bearer {token}"}
    if client is not None:
        return client.post(f"{url}/sync/v1/push", json=body, headers=headers)
    return httpx.post(f"{url}/sync/v1/push", json=body, headers=headers, timeout=60)


def pull_all(url: str, token: str, cursor: str | None = None) -> list[dict]:
    out: list[dict] = []
    while True:
        params = {"cursor": cursor} if cursor else {}
        page = httpx.get(
            f"{url}/sync/v1/pull", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ).json()
        out += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return out


def server_value(engine, entity: str, row_id: str, name: str):
    """The value the server holds for one field (decoded), or None."""
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT value, hlc FROM srv_field WHERE entity = :e AND row_id = :r AND field = :f"),
            {"e": entity, "r": row_id, "f": name},
        ).first()
    return (json.loads(found[0]) if found and found[0] else None), (found[1] if found else None)


def feed_text(engine, org_id: str | None = None) -> str:
    """Every feed payload (of one organisation) as one text, to search for a value or a stamp."""
    sql = "SELECT payload FROM srv_feed" + (" WHERE org_id = :org" if org_id else "")
    with engine.connect() as conn:
        return "\n".join(p for (p,) in conn.execute(text(sql), {"org": org_id}) if p)


def org_id(engine, name: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM srv_org WHERE name = :n"), {"n": name}).scalar_one()


def new_case_changes(
    case_id: str, *, kundennummer: str = "123A456789", when: str = "2026-11-25 12:00:00.000000"
) -> list[dict]:
    """A new person and the case opened for them, as one local transaction of a Jobcenter device (the server
    holds a row only with its case: a raw push opens the case first)."""
    person_id, tx = uuid.uuid4().hex, uuid.uuid4().hex
    person = {"kundennummer": kundennummer, "family_name": "Roh", "given_names": "Rita", "needs_interpreter": False,
              "created_at": when, "updated_at": when}  # fmt: skip
    case = {"person_id": person_id, "stage": "need_identified", "legacy_jc_funded": False, "stage_since": when,
            "created_at": when, "updated_at": when}  # fmt: skip
    return [set_change("person", person_id, case_id, person, tx=tx), set_change("case", case_id, case_id, case, tx=tx)]


def closed_long_ago(engine, case_id: str, days: int = 400) -> None:
    """Let the retention period pass on the server: the change that closed the case arrived ``days`` ago
    (the server erases a caseworker's closed case only then, domain/retention.py)."""
    from datetime import UTC, datetime, timedelta

    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE srv_applied SET received_at = :at WHERE change_id IN (SELECT origin FROM srv_field"
                " WHERE entity = 'case' AND row_id = :c AND field = 'stage')"
            ),
            {"at": datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days), "c": case_id},
        )
