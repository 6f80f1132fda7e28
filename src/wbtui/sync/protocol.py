"""The sync protocol both sides speak: versions, which entities and fields travel, how values look on
the wire, the pull cursor, and the per-case digest of the divergence check.

Pure (no store, no network): the server (:mod:`wbtui.server`) and the device (:mod:`wbtui.sync.client`)
import it alike, so both merge by the same rule. What a field may hold is :mod:`wbtui.domain.entities`.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from wbtui.domain.entities import ENTITIES, ORDER
from wbtui.domain.entities import fields_of as _fields_of

PROTOCOL = 1
# Schema changes within a protocol are additive (new fields, entities, values).
# The server accepts clients from SCHEMA_RANGE; a client keeps fields it does not know yet in
# ``sync_extra`` and moves them into their column once it is updated.
# 3: changes carry the local transaction they were made in ("tx"); the server accepts or refuses a
#    transaction as a whole.
# 4: reason codes of decline, dropout and non-integration; voucher and course details (README "Reason codes",
#    "Voucher and course details"); appointments as rows of their own (entity "appointment").
# 5: the person's vocational qualifications and work history (entities "qualification", "work_episode").
SCHEMA_VERSION = 5
SCHEMA_RANGE = (1, 5)
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def accepts(version: object) -> bool:
    """Whether a client speaking schema ``version`` may sync with this server."""
    lo, hi = SCHEMA_RANGE
    return isinstance(version, int) and not isinstance(version, bool) and lo <= version <= hi


# entity -> local table; ENTITY_ORDER: rows are applied parents first
REGISTER_TABLES = {name: e.table for name, e in ENTITIES.items() if not e.append_only}
APPEND_TABLES = {name: e.table for name, e in ENTITIES.items() if e.append_only}
ENTITY_ORDER = ORDER
TABLE_ENTITY = {e.table: name for name, e in ENTITIES.items()}
REVIEW_FIELDS = frozenset((name, f) for name, e in ENTITIES.items() for f in e.review)
JSON_FIELDS = frozenset((name, f) for name, e in ENTITIES.items() for f in e.json)


def fields_of(entity: str, version: int = SCHEMA_VERSION) -> tuple[str, ...]:
    """The synced fields of an entity as known at schema ``version``."""
    return _fields_of(entity, version)


def to_wire(value: Any) -> Any:
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


def to_sqlite(entity: str, field: str, value: Any) -> Any:
    """JSON value -> parameter for a raw sqlite3 statement."""
    if (entity, field) in JSON_FIELDS and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


# -- the pull cursor: opaque to the device ------------------------------------------------------------


class BadCursor(ValueError):
    pass


def encode_cursor(tx: int, seq: int, generation: int = 0) -> str:
    """Feed position and the compaction generation it was read in."""
    return base64.urlsafe_b64encode(json.dumps({"v": 1, "tx": tx, "seq": seq, "g": generation}).encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[int, int, int]:
    if not cursor:
        return 0, 0, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        values = (data["tx"], data["seq"], data.get("g", 0))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadCursor(cursor) from None
    # whole numbers a database column holds: no float (1e400 is infinity), no bool, nothing negative or past BIGINT
    if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**63 for v in values):
        raise BadCursor(cursor)
    return values


# -- divergence check a digest of what a replica holds of one case -------------------
# entities tied to the case by their own case_id (a person may belong to several cases, so person
# and consent rows are left out: client and server may file them under different cases)
VERIFY_ENTITIES = ("case", "obstacle", "handover", "voucher", "appointment", "task")


def case_digest(registers: Iterable[tuple[str, str, str, str]], appends: Iterable[str]) -> str:
    """SHA-256 over the sorted (entity, row, field, hlc) clocks and the appended event ids of a case."""
    h = hashlib.sha256()
    for entity, row_id, field, hlc in sorted(registers):
        h.update(f"{entity}\x1f{row_id}\x1f{field}\x1f{hlc}\n".encode())
    h.update(b"--\n")
    for row_id in sorted(appends):
        h.update(f"{row_id}\n".encode())
    return h.hexdigest()


# -- snapshot bootstrap (server.snapshot writes it, sync.bootstrap reads it) ------------------------------


# The wire forms of a snapshot page (the device asks for one with ``form``; a server that does not know it
# answers form 1, an older device that does not ask gets form 1):
# 1: a row is ``[entity, row_id, hlc, {field: value}, {field: other hlc}]`` (a field's clock is the row's
#    unless named among the others);
# 2: a case's rows by table and field set: ``[entity, [field, …], [[row_id, hlc, value, …], …]]``, the values
#    in the order of the field names, a row whose fields differ in clock ending with ``{field: hlc}``. No
#    field name per value and no dict per row on either side: the device binds a row's values as they come.
SNAPSHOT_FORMS = (1, 2)
SNAPSHOT_FORM = 2


_NAMES: set[tuple[str, ...]] = set()  # field lists of form 2 found to be lists of names


def decode_snapshot_case(line: dict, form: int = 1) -> dict:
    """A snapshot case line (either form) as the device applies it: ``tables`` ``[(entity, (field, …),
    [[row_id, hlc, value, …(, {field: hlc})], …])]``, events ``[entity, row_id, hlc, data]``, the case's
    conflict entries, and whether it is held by referral (a handover received). ValueError if the line is
    not of that form."""
    if not isinstance(line, dict) or not isinstance(line.get("case_id"), str):
        raise ValueError("snapshot case without an id")
    tables = []
    if form == 1:
        for entity, row_id, main, values, others in line.get("rows") or []:
            row = [row_id, main, *values.values()]
            if others:
                if type(others) is not dict:
                    raise ValueError("snapshot row clocks")
                row.append(others)
            tables.append((entity, tuple(values), [row]))
    else:
        for entity, names, rows in line.get("tables") or []:
            if type(entity) is not str or type(names) is not list or type(rows) is not list:
                raise ValueError("snapshot table")
            key = tuple(names)
            if key not in _NAMES:  # a page repeats a few hundred field lists: each is looked at once
                if not all(type(n) is str for n in names):
                    raise ValueError("snapshot table")
                if len(_NAMES) > 10_000:
                    _NAMES.clear()
                _NAMES.add(key)
            width = len(names) + 2
            for row in rows:  # a row holds a value per field, or one more: its clock exceptions
                if type(row) is not list or (
                    (n := len(row)) != width and (n != width + 1 or type(row[-1]) is not dict)
                ):
                    raise ValueError("snapshot row")
            tables.append((entity, key, rows))
    appends = line.get("appends") or []
    for item in appends:
        if type(item) is not list or len(item) != 4:
            raise ValueError("snapshot event")
    conflicts = line.get("conflicts") if isinstance(line.get("conflicts"), list) else []
    return {"case_id": line["case_id"], "tables": tables, "appends": appends, "conflicts": conflicts,
            "referral": line.get("referral") is True}  # fmt: skip


def snapshot_row_fields(names: tuple[str, ...], row: list) -> dict:
    """One row of a decoded snapshot case as a ``set`` entry's fields ``{field: {"v": value, "hlc": clock}}``."""
    main, others = row[1], (row[-1] if len(row) == len(names) + 3 else {})
    return {n: {"v": v, "hlc": others.get(n, main)} for n, v in zip(names, row[2:], strict=False)}


def snapshot_grant(case: dict) -> dict:
    """A decoded snapshot case in the shape of a ``grant`` entry (what the Merger takes)."""
    rows = [
        {"entity": entity, "row_id": row[0], "fields": snapshot_row_fields(names, row)}
        for entity, names, body in case["tables"]
        for row in body
    ]
    appends = [{"entity": e, "row_id": r, "hlc": h, "data": d} for e, r, h, d in case["appends"]]
    return {**case, "kind": "grant", "rows": rows, "appends": appends}


_gc: dict[str, Any] = {"lock": threading.Lock(), "users": 0, "was_on": True, "since": 0.0}
GC_AT_MOST_OFF = 5.0  # seconds: a server never without a collection for longer, however busy


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection held off while a large batch of the protocol is handled (a push on the
    server, a snapshot page on either side). Such a batch allocates hundreds of thousands of small objects
    that all live until its end, and the collector scanned them over and over: a third of a first upload's
    server CPU (bench/profile_push.py). What a batch leaves is freed by reference counting (the server's
    ``Batch.done`` drops its undo log, the only cycles it makes); the collector runs again as soon as no
    batch is being handled (counted: several threads of a server may handle one each). On a server that is
    never idle, a batch ending after the collector has been off for ``GC_AT_MOST_OFF`` seconds collects once,
    so cycles made meanwhile elsewhere (requests, sessions) cannot pile up."""
    with _gc["lock"]:
        if _gc["users"] == 0:
            _gc["was_on"] = gc.isenabled()
            _gc["since"] = time.monotonic()
            gc.disable()
        _gc["users"] += 1
    try:
        yield
    finally:
        collect = False
        with _gc["lock"]:
            _gc["users"] -= 1
            if _gc["users"] == 0 and _gc["was_on"]:
                gc.enable()
            elif _gc["was_on"] and time.monotonic() - _gc["since"] > GC_AT_MOST_OFF:
                _gc["since"] = time.monotonic()
                collect = True
        if collect:
            gc.collect()
