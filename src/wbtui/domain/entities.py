"""The rows that travel between devices and the server, field by field: what each field may hold.

One definition for everyone who checks a row: the server before it applies a pushed change
(:mod:`wbtui.server.push`), the device before it applies a pulled one (:mod:`wbtui.sync.merge`), and
the sync protocol for which fields exist at which schema version (:mod:`wbtui.sync.protocol`).
``tests/sync/test_entities.py`` keeps it equal to the local tables (:mod:`wbtui.data.models`).

Values are checked as they travel (JSON): dates ``JJJJ-MM-TT``, times ``JJJJ-MM-TT HH:MM:SS[.ffffff]``,
booleans ``true``/``false`` (or 0/1 from stores that predate typed values), ids 32 hex digits.
Text is checked for length and for control and bidi characters (:mod:`wbtui.domain.text`), in JSON
keys as well as values, at any depth.

Size: just over ~400 lines: it is the one table of synced entities and their fields, kept whole so there is one place to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from wbtui.domain import vocab
from wbtui.domain.catalog import BUILTIN
from wbtui.domain.process import Stage
from wbtui.domain.text import has_control

HEX32 = re.compile(r"^[0-9a-f]{32}$")
KLDB = re.compile(r"^\d{4}[1-4]$")
KUNDENNUMMER = re.compile(r"^\d{3}[A-Z]\d{6}$")
BG_NUMMER = re.compile(r"^\d{5}BG\d{7}$")
PHONE = re.compile(r"^[+0-9 ()/\-]{4,30}$")
EMAIL = re.compile(r"^[^@\s]{1,100}@[^@\s]{1,100}\.[^@\s]{1,20}$")
KURSNET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$")
OBSTACLE_CODE = re.compile(r"^[A-Z]-[A-Z0-9]{2,8}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d{2}:\d{2}|Z)?$")

MAX_JSON_DEPTH = 4
MAX_JSON_ITEMS = 200
MAX_JSON_TEXT = 65_536  # characters of one JSON value, all strings and keys together

EVENT_TYPES = (
    "appointment_missed", "appointment_set", "appointment_updated", "case_closed", "case_created",
    "case_reassigned", "conference_held", "consent_recorded", "consent_revoked", "contact",
    "counselling_result", "course_completed", "course_started", "demo", "dropout", "enrolment_approved",
    "feedback_imported", "handover_imported", "handover_query", "handover_received", "handover_revoked",
    "handover_sent", "intake_updated", "integration", "not_integrated", "obstacle_added", "obstacle_updated",
    "stage_changed", "task_created", "task_done", "task_reassigned", "voucher_expired", "voucher_issued",
)  # fmt: skip


@dataclass(frozen=True)
class Col:
    """One synced field: its kind, allowed values, limits, and whether a new row must carry it."""

    kind: str  # text | note | date | datetime | bool | int | choice | ref | choices | json | pattern
    choices: tuple[str, ...] = ()
    max_len: int = 200
    required: bool = False
    pattern: re.Pattern | None = None
    lo: int = 0
    hi: int = 10_000
    since: int = 1  # the sync schema version that introduced the field


def text(max_len: int = 200, *, required: bool = False) -> Col:
    return Col("text", max_len=max_len, required=required)


def note(max_len: int = 2000) -> Col:
    return Col("note", max_len=max_len)


def choice(values: tuple[str, ...], *, required: bool = False) -> Col:
    return Col("choice", choices=values, required=required)


def pattern(regex: re.Pattern, *, required: bool = False, since: int = 1) -> Col:
    return Col("pattern", pattern=regex, required=required, since=since)


DATE, DATETIME_COL, BOOL, REF = Col("date"), Col("datetime"), Col("bool"), Col("ref", required=True)
STAGES = tuple(s.value for s in Stage)
SCHOOL = ("keiner", "hauptschule", "mittlerer", "fachhochschulreife", "abitur", "ausland")


@dataclass(frozen=True)
class Entity:
    name: str
    table: str
    cols: dict[str, Col]
    append_only: bool = False
    review: frozenset[str] = field(default_factory=frozenset)  # free text: an unseen overwrite is a conflict
    json: frozenset[str] = field(default_factory=frozenset)
    office: bool = False  # a row of the office, not of a case (an absence): travels to the office's devices only


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "person",
            "person",
            {
                "kundennummer": pattern(KUNDENNUMMER, required=True),
                "bg_nummer": pattern(BG_NUMMER),
                "family_name": text(required=True),
                "given_names": text(required=True),
                "birth_date": DATE,
                "address": text(500),
                "phone": pattern(PHONE),
                "email": pattern(EMAIL),
                "preferred_language": text(100),
                "needs_interpreter": BOOL,
                "german_level_cefr": choice(vocab.CEFR_LEVELS),
                "school_certificate": choice(SCHOOL),
                "created_at": DATETIME_COL,
                "updated_at": DATETIME_COL,
            },
            review=frozenset({"address"}),
        ),
        Entity(
            "case",
            "fbw_case",
            {
                "person_id": REF,
                "stage": choice(STAGES, required=True),
                "stage_since": DATETIME_COL,
                "target_kldb": pattern(KLDB),
                "target_title": text(),
                "training_type": choice(vocab.TRAINING_TYPES),
                "schedule": choice(vocab.SCHEDULES),
                "earliest_start": DATE,
                "max_commute_km": Col("int", hi=1000),
                "necessity_reason": choice(vocab.NECESSITY_REASONS),
                "legacy_jc_funded": BOOL,
                "care_arranged": BOOL,
                "health_limits_summary": note(),
                "availability": text(500),
                "legal_basis": choice(vocab.LEGAL_BASES),
                "counselling_outcome": choice(vocab.COUNSELLING_OUTCOMES),
                "appointment_at": DATETIME_COL,
                "voucher_valid_until": DATE,
                "course_start": DATE,
                "course_planned_end": DATE,
                "kursnet_id": pattern(KURSNET, since=2),
                "last_contact_at": DATETIME_COL,
                "close_reason": choice(vocab.CLOSE_REASONS),
                "closed_at": DATETIME_COL,
                "created_at": DATETIME_COL,
                "updated_at": DATETIME_COL,
                "owner_login": Col("text", max_len=100, since=3),  # caseload: travels within the office only
                "owner_team": Col("text", max_len=100, since=3),  # (domain/projection.py), see domain/access.py
                # schema 4: reason codes (domain/process.py REASON_FIELDS) and voucher and course details
                "decline_reason": Col("choice", choices=vocab.DECLINE_REASONS, since=4),
                "dropout_reason": Col("choice", choices=vocab.DROPOUT_REASONS, since=4),
                "non_integration_reason": Col("choice", choices=vocab.NON_INTEGRATION_REASONS, since=4),
                "voucher_number": Col("text", max_len=40, since=4),
                "training_goal": Col("text", since=4),
                "duration_months": Col("int", hi=60, since=4),
                "region": Col("text", since=4),
                "provider_name": Col("text", since=4),
                "course_title": Col("text", since=4),
                "qualification_2y": Col("bool", since=4),
                "course_actual_start": Col("date", since=4),
                "course_actual_end": Col("date", since=4),
                "interim_exam": Col("choice", choices=vocab.EXAM_RESULTS, since=4),
                "final_exam": Col("choice", choices=vocab.EXAM_RESULTS, since=4),
            },
            review=frozenset({"health_limits_summary", "availability"}),
        ),
        Entity(
            "obstacle",
            "obstacle",
            {
                "case_id": REF,
                "code": pattern(OBSTACLE_CODE, required=True),
                "art9": BOOL,
                "status": choice(vocab.OBSTACLE_STATUSES, required=True),
                "service": text(200),
                "referred_on": DATE,
                "review_on": DATE,
                "note": note(),
                "created_at": DATETIME_COL,
                "updated_at": DATETIME_COL,
            },
            review=frozenset({"note"}),
        ),
        Entity(
            "consent",
            "consent",
            {
                "person_id": REF,
                "purpose": choice(vocab.CONSENT_PURPOSES, required=True),
                "recipients": Col("choices", choices=vocab.CONSENT_RECIPIENTS, required=True),
                "data_groups": Col("choices", choices=vocab.DATA_GROUPS, required=True),
                "form": choice(("schriftlich", "elektronisch")),
                "given_on": Col("date", required=True),
                "valid_until": DATE,
                "revoked_on": DATE,
                "document_ref": text(100),
                "explained_consequences": BOOL,
            },
            json=frozenset({"recipients", "data_groups"}),
        ),
        # schema 5: the person's vocational qualifications and work history (README "Documents"; data group
        # "qualifikation", domain/projection.py), filed like consents under the person (PERSON_CHILDREN)
        Entity(
            "qualification",
            "vocational_qualification",
            {
                "person_id": Col("ref", required=True, since=5),
                "title": Col("text", required=True, since=5),
                "kldb_code": Col("pattern", pattern=KLDB, since=5),
                "country": Col("text", max_len=100, since=5),
                "recognition_status": Col("choice", choices=vocab.QUALIFICATION_RECOGNITION, since=5),
                "year": Col("int", lo=1900, hi=2200, since=5),
            },
        ),
        Entity(
            "work_episode",
            "work_episode",
            {
                "person_id": Col("ref", required=True, since=5),
                "title": Col("text", required=True, since=5),
                "kldb_code": Col("pattern", pattern=KLDB, since=5),
                "date_from": Col("date", since=5),
                "date_to": Col("date", since=5),
            },
        ),
        Entity(
            "handover",
            "handover",
            {
                "case_id": REF,
                "from_user": text(100),
                "sent_at": Col("datetime", required=True),
                "channel": choice(("shared_system", "file_export", "post", "email")),
                "payload_version": Col("int", lo=1, hi=99),
                "package": Col("json", required=True),
                "legal_basis": choice(vocab.LEGAL_BASES),
                "status": choice(("sent", "accepted", "query", "returned"), required=True),
                "query_text": note(),
                "acknowledged_by": text(100),
                "acknowledged_at": DATETIME_COL,
            },
            review=frozenset({"query_text"}),
            json=frozenset({"package"}),
        ),
        Entity(
            "voucher",
            "voucher",
            {
                "case_id": REF,
                "number": text(40),
                "issued_on": Col("date", required=True),
                "valid_until": Col("date", required=True),
                "training_goal": text(),
                "kldb": pattern(KLDB),
                "max_duration_months": Col("int", hi=60),
                "regional_scope": text(),
                "cost_items": Col("choices", choices=("lehrgang", "fahrt", "unterbringung", "kinderbetreuung")),
                "status": choice(("ausgegeben", "eingeloest", "verfallen", "zurueckgegeben"), required=True),
            },
            json=frozenset({"cost_items"}),
        ),
        Entity(
            "appointment",
            "appointment",
            {
                "case_id": Col("ref", required=True, since=4),
                "kind": Col("choice", choices=vocab.APPOINTMENT_KINDS, required=True, since=4),
                "starts_at": Col("datetime", required=True, since=4),
                "duration_minutes": Col("int", lo=5, hi=600, since=4),
                "location": Col("text", max_len=200, since=4),
                "with_whom": Col("text", max_len=200, since=4),
                "status": Col("choice", choices=vocab.APPOINTMENT_STATUSES, required=True, since=4),
                "status_reason": Col("text", max_len=500, since=4),
                "moved_from": Col("pattern", pattern=HEX32, since=4),
                "organiser": Col("text", max_len=100, since=4),
                "created_at": Col("datetime", since=4),
                "updated_at": Col("datetime", since=4),
            },
        ),
        Entity(
            "task",
            "task",
            {
                "case_id": REF,
                "origin": choice(("manual", "timer_rule", "fallkonferenz", "event")),
                "title": text(required=True),
                "owner": text(100, required=True),
                "due_on": Col("date", required=True),
                "status": choice(("offen", "erledigt", "verworfen"), required=True),
                "done_at": DATETIME_COL,
            },
        ),
        Entity(
            "event",
            "case_event",
            {
                "case_id": REF,
                "at": Col("datetime", required=True),
                "type": choice(EVENT_TYPES, required=True),
                "from_stage": choice(STAGES),
                "to_stage": choice(STAGES),
                "actor": text(100),
                "payload": Col("json"),
            },
            append_only=True,
            json=frozenset({"payload"}),
        ),
        # schema 5: a colleague's absence and deputy (README "Vertretung and reassignment"), the office's own
        # row: it routes new work on every device of the office and never reaches another office
        Entity(
            "absence",
            "absence",
            {
                "login": Col("text", max_len=100, required=True, since=5),
                "deputy": Col("text", max_len=100, since=5),
                "date_from": Col("date", required=True, since=5),
                "date_until": Col("date", required=True, since=5),
                "created_by": Col("text", max_len=100, since=5),
                "created_at": Col("datetime", since=5),
            },
            office=True,
        ),
    )
}
ORDER = tuple(ENTITIES)  # parents first: rows are applied in this order
# Columns every device's table declares NOT NULL without a default: a new row must carry them (they may
# be empty where the kind allows it), or every device that holds the case fails to store it
# (tests/sync/test_entities.py keeps this equal to the local tables).
PRESENT: dict[str, frozenset[str]] = {
    "person": frozenset({"needs_interpreter", "created_at", "updated_at"}),
    "case": frozenset({"stage_since", "legacy_jc_funded", "created_at", "updated_at"}),
    "obstacle": frozenset({"art9", "created_at", "updated_at"}),
    "consent": frozenset({"form", "explained_consequences"}),
    "qualification": frozenset({"recognition_status"}),
    "handover": frozenset({"channel", "payload_version", "legal_basis"}),
    "voucher": frozenset({"cost_items"}),
    "task": frozenset({"origin"}),
    "absence": frozenset({"created_at"}),
    "event": frozenset({"payload"}),
}
OFFICE_ENTITIES = frozenset(name for name, e in ENTITIES.items() if e.office)
OFFICE_SCOPE = "office:"  # + the organisation's id: where the server files an office's own rows (no case)
# rows of a person rather than a case: filed under the person's first case on the server and delivered with
# every case of the person (server/batch.py, server/snapshot.py), like the person row itself
PERSON_CHILDREN = ("consent", "qualification", "work_episode")
ART9_CODES = frozenset(o.code for o in BUILTIN if o.art9)
BUILTIN_CODES = frozenset(o.code for o in BUILTIN)


def fields_of(entity: str, version: int) -> tuple[str, ...]:
    """The synced fields of an entity as known at sync schema ``version``."""
    return tuple(name for name, col in ENTITIES[entity].cols.items() if col.since <= version)


def check_value(entity: str, name: str, value: object) -> str | None:
    """Why ``value`` cannot be stored in ``entity.name`` (a reason code), or None when it can."""
    col = ENTITIES[entity].cols.get(name)
    if col is None:
        return "unknown_field"
    if value is None:
        return "required" if col.required else None
    kind = col.kind
    if kind in ("text", "note"):
        if not isinstance(value, str):
            return "type"
        if len(value) > col.max_len:
            return "too_long"
        if has_control(value.replace("\n", "") if kind == "note" else value) or (kind == "text" and "\n" in value):
            return "control_characters"
        if col.required and not value.strip():
            return "required"
        return None
    if kind == "pattern":
        return None if isinstance(value, str) and col.pattern is not None and col.pattern.match(value) else "format"
    if kind == "choice":
        return None if value in col.choices else "value"
    if kind == "choices":
        if not isinstance(value, list) or len(value) > len(col.choices) or any(v not in col.choices for v in value):
            return "value"
        return "required" if col.required and not value else None
    if kind == "ref":
        return None if isinstance(value, str) and HEX32.match(value) else "format"
    if kind == "bool":
        return None if isinstance(value, bool) or value in (0, 1) else "type"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "type"
        return None if col.lo <= value <= col.hi else "range"
    if kind == "date":
        return None if isinstance(value, str) and _is_date(value) else "format"
    if kind == "datetime":
        return None if isinstance(value, str) and _is_datetime(value) else "format"
    if kind == "json":
        return check_json(value)
    return "unknown_field"  # pragma: no cover - every kind is handled above


def check_json(value: object) -> str | None:
    """A JSON document from another device: bounded depth, size and item count; no control or bidi
    characters in any key or string value (they would reach a caseworker's terminal)."""
    budget = [MAX_JSON_TEXT]

    def walk(node: object, depth: int) -> str | None:
        if depth > MAX_JSON_DEPTH:
            return "too_deep"
        if isinstance(node, str):
            budget[0] -= len(node)
            if budget[0] < 0:
                return "too_long"
            return "control_characters" if has_control(node.replace("\n", "")) else None
        if isinstance(node, bool) or node is None:
            return None
        if isinstance(node, int):
            return None if -(10**15) <= node <= 10**15 else "range"
        if isinstance(node, float):
            return None if abs(node) <= 1e15 and node == node else "range"
        if isinstance(node, list):
            if len(node) > MAX_JSON_ITEMS:
                return "too_many"
            return next((r for item in node if (r := walk(item, depth + 1))), None)
        if isinstance(node, dict):
            if len(node) > MAX_JSON_ITEMS:
                return "too_many"
            for key, item in node.items():
                if not isinstance(key, str):
                    return "type"
                if reason := walk(key, depth + 1):
                    return reason
                if reason := walk(item, depth + 1):
                    return reason
            return None
        return "type"

    return walk(value, 0)


def check_row(entity: str, values: dict[str, object], *, new: bool) -> dict[str, str]:
    """Every problem of a pushed row, by field; a new row must carry its required fields."""
    problems = {name: reason for name, value in values.items() if (reason := check_value(entity, name, value))}
    if new:
        for name, col in ENTITIES[entity].cols.items():
            needed = col.required or name in PRESENT.get(entity, ())
            if needed and values.get(name) is None and name not in problems:
                problems[name] = "required"
    art9_missing = values.get("art9") in (False, 0) or (new and values.get("art9") is None)
    if entity == "obstacle" and values.get("code") in ART9_CODES and art9_missing:
        problems["art9"] = "art9_flag"  # a health obstacle marked harmless would leave the Jobcenter without consent
    return problems


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: str) -> bool:
    if not DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
