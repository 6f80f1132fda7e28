"""The rows that travel between devices and the server, field by field: what each field may hold.

One definition for everyone who checks a row: the server before it applies a pushed change
(:mod:`wbtui.server.push`), the device before it applies a pulled one (:mod:`wbtui.sync.merge`), and
the sync protocol for which fields exist at which schema version (:mod:`wbtui.sync.protocol`).
``tests/sync/test_entities.py`` keeps it equal to the local tables (:mod:`wbtui.data.models`).

What one field may hold (the kinds of value and the check of one value as it travels) is
:mod:`wbtui.domain.columns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from wbtui.domain import vocab
from wbtui.domain.catalog import BUILTIN
from wbtui.domain.columns import (  # noqa: F401 - HEX32 and check_json are re-exported for the checkers
    BG_NUMMER,
    BOOL,
    DATE,
    DATETIME_COL,
    EMAIL,
    HEX32,
    KLDB,
    KUNDENNUMMER,
    KURSNET,
    OBSTACLE_CODE,
    PHONE,
    REF,
    Col,
    check,
    check_json,
    choice,
    note,
    pattern,
    text,
)
from wbtui.domain.process import Stage


def kldb_listed(code: str) -> bool:
    """A target occupation must be a KldB 2010 code of the catalogue, not only of its shape (the device's
    form asked this, the server did not: tests/server/test_attack2_values.py)."""
    from wbtui.domain import kldb  # the catalogue is read at the first check, not at import

    return kldb.lookup(code) is not None


EVENT_TYPES = (
    "appointment_missed", "appointment_set", "appointment_updated", "case_closed", "case_created",
    "case_reassigned", "conference_held", "consent_recorded", "consent_revoked", "contact",
    "counselling_result", "course_completed", "course_started", "demo", "dropout", "enrolment_approved",
    "feedback_imported", "handover_imported", "handover_query", "handover_received", "handover_revoked",
    "handover_sent", "intake_updated", "integration", "not_integrated", "obstacle_added", "obstacle_updated",
    "stage_changed", "task_created", "task_done", "task_reassigned", "voucher_expired", "voucher_issued",
)  # fmt: skip


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
                "target_kldb": pattern(KLDB, listed=kldb_listed),
                "target_title": text(),
                "training_type": choice(vocab.TRAINING_TYPES),
                "schedule": choice(vocab.SCHEDULES),
                "earliest_start": DATE,
                "kooperationsplan_on": Col("date", since=5),  # § 15 SGB II (README "Documents")
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
                "persons": Col("json", since=5),  # released from confidentiality by name (domain/conference.py)
            },
            json=frozenset({"recipients", "data_groups", "persons"}),
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
                "removed_on": Col("date", since=5),  # removed as entered by mistake (no row is ever deleted)
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
                "removed_on": Col("date", since=5),
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
# the data of one timeline entry, serialised as UTF-8 JSON: a note of 2,000 characters (the longest free text an
# entry carries, as domain/columns.note) in any script with its other keys (server/screen.py refuses more)
EVENT_BYTES = 8192
EVENT_NOTE_CHARS = 2000
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


@cache
def fields_of(entity: str, version: int) -> tuple[str, ...]:
    """The synced fields of an entity as known at sync schema ``version`` (kept: a push asks per change)."""
    return tuple(name for name, col in ENTITIES[entity].cols.items() if col.since <= version)


def check_value(entity: str, name: str, value: object) -> str | None:
    """Why ``value`` cannot be stored in ``entity.name`` (a reason code), or None when it can."""
    col = ENTITIES[entity].cols.get(name)
    return "unknown_field" if col is None else check(col, value)


def clean_value(entity: str, name: str, value: object) -> object:
    """A received value cleaned as its field is shown (:mod:`wbtui.domain.text`): a single-line text without
    TAB or line breaks, every JSON key and string without control, bidi or invisible characters."""
    from wbtui.domain.text import clean, clean_tree, has_control

    col = ENTITIES[entity].cols.get(name)
    if col is not None and col.kind == "text" and isinstance(value, str) and has_control(value, multiline=False):
        return clean(value)
    return clean_tree(value)


def check_row(entity: str, values: dict[str, object], *, new: bool, values_checked: bool = False) -> dict[str, str]:
    """Every problem of a pushed row, by field; a new row must carry its required fields. ``values_checked``:
    each value has passed :func:`check_value` already (the server checks each field as it arrives), so
    only what concerns the row as a whole is left to check."""
    problems = (
        {}
        if values_checked
        else {name: reason for name, value in values.items() if (reason := check_value(entity, name, value))}
    )
    if new:
        for name, col in ENTITIES[entity].cols.items():
            needed = col.required or name in PRESENT.get(entity, ())
            if needed and values.get(name) is None and name not in problems:
                problems[name] = "required"
    art9_missing = values.get("art9") in (False, 0) or (new and values.get("art9") is None)
    if entity == "obstacle" and values.get("code") in ART9_CODES and art9_missing:
        problems["art9"] = "art9_flag"  # a health obstacle marked harmless would leave the Jobcenter without consent
    return problems
