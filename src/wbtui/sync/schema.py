"""What is synced: entities, their fields and their classes (sync-design.md 4.2).

Shared by the client and the server so both merge by the same rule.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from datetime import UTC, date, datetime

PROTOCOL = 1
# Schema changes within a protocol are additive (new fields, entities, values; sync-design.md 4.7).
# The server accepts clients from SCHEMA_RANGE; a client keeps fields it does not know yet in
# ``sync_extra`` and moves them into their column once it is updated.
SCHEMA_VERSION = 2
SCHEMA_RANGE = (1, 2)
# (entity, field) -> the schema version that introduced it; everything else is version 1
SINCE = {("case", "kursnet_id"): 2}
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def accepts(version) -> bool:
    """Whether a client speaking schema ``version`` may sync with this server."""
    lo, hi = SCHEMA_RANGE
    return isinstance(version, int) and lo <= version <= hi


# entity -> local table; order matters: rows are applied parents first
REGISTER_TABLES = {
    "person": "person",
    "case": "fbw_case",
    "obstacle": "obstacle",
    "consent": "consent",
    "handover": "handover",
    "voucher": "voucher",
    "task": "task",
}
APPEND_TABLES = {"event": "case_event"}
ENTITY_ORDER = ("person", "case", "obstacle", "consent", "handover", "voucher", "task", "event")

# local references that mean nothing on another replica, and derived columns
LOCAL_ONLY = {
    "jobcenter_org_id",
    "agentur_org_id",
    "owner_user_id",
    "from_org_id",
    "to_org_id",
    "org_id",
    "sort_name",
    "search_text",
    "consent_id",
    "conference_id",
}
# free-text fields: a write made without seeing the value it replaces is recorded as a conflict
REVIEW_FIELDS = {
    ("case", "health_limits_summary"),
    ("case", "availability"),
    ("obstacle", "note"),
    ("handover", "query_text"),
    ("person", "address"),
}
JSON_FIELDS = {
    ("consent", "recipients"),
    ("consent", "data_groups"),
    ("handover", "package"),
    ("voucher", "cost_items"),
    ("event", "payload"),
}


def model_for(entity: str):
    from wbtui.data import models

    return {
        "person": models.Person,
        "case": models.FbwCase,
        "obstacle": models.Obstacle,
        "consent": models.Consent,
        "handover": models.Handover,
        "voucher": models.Voucher,
        "task": models.Task,
        "event": models.CaseEvent,
    }[entity]


@functools.lru_cache(maxsize=64)
def fields_of(entity: str, version: int = SCHEMA_VERSION) -> tuple[str, ...]:
    """The synced fields of an entity as known at schema ``version``."""
    table = model_for(entity).__table__
    return tuple(
        c.name
        for c in table.columns
        if c.name != "id" and c.name not in LOCAL_ONLY and SINCE.get((entity, c.name), 1) <= version
    )


def entity_of(obj) -> str | None:
    name = type(obj).__name__
    return {
        "Person": "person",
        "FbwCase": "case",
        "Obstacle": "obstacle",
        "Consent": "consent",
        "Handover": "handover",
        "Voucher": "voucher",
        "Task": "task",
        "CaseEvent": "event",
    }.get(name)


def to_wire(value):
    """Python value -> JSON value as stored in SQLite (so replicas store identical text)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def to_sqlite(entity: str, field: str, value):
    """JSON value -> parameter for a raw sqlite3 statement."""
    if (entity, field) in JSON_FIELDS and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


# -- divergence check (sync-design.md 4.6): a digest of what a replica holds of one case ----------
# entities tied to the case by their own case_id (a person may belong to several cases, so person
# and consent rows are left out: client and server may file them under different cases)
VERIFY_ENTITIES = ("case", "obstacle", "handover", "voucher", "task")


def case_digest(registers, appends) -> str:
    """SHA-256 over the sorted (entity, row, field, hlc) clocks and the appended event ids of a case."""
    import hashlib

    h = hashlib.sha256()
    for entity, row_id, field, hlc in sorted(registers):
        h.update(f"{entity}\x1f{row_id}\x1f{field}\x1f{hlc}\n".encode())
    h.update(b"--\n")
    for row_id in sorted(appends):
        h.update(f"{row_id}\n".encode())
    return h.hexdigest()
