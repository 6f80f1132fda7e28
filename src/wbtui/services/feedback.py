"""The return channel without a shared server: the Agentur's feedback file (Rückmeldedatei).

An Agentur that received cases by handover file (:mod:`wbtui.services.exchange`) reports back what
happened to them — appointments, the counselling result, the voucher, course start, dropout, completion —
in one versioned JSON file; the Jobcenter imports it into its own store. The same rigour as the handover
file: the file is read refusing duplicate keys, excessive nesting and oversized numbers (each named by
its field), then checked whole against its published JSON Schema
(``domain/schemas/feedback-v2.schema.json``; version 1 files are still accepted) and against the store (the case, its Kundennummer and its
handover must be the Jobcenter's own); any problem refuses the whole file and nothing is written. A file
imported twice is recognised by its ``file_id``; each appointment and timeline entry keeps its id, so
overlapping files add nothing twice.

What the Jobcenter's store takes: the appointments, the Agentur's timeline entries (they appear in the
inbox, unread), the process values the Agentur keeps (permission table: outcome, voucher validity, course
dates, appointment) and the stage, as long as the case is still with the Agentur (S4-S9) and the report
is further along (:data:`PROGRESS`): a case the Jobcenter already works on again keeps its stage.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from wbtui.domain.errors import WbtuiError
from wbtui.domain.process import AA, JC, Stage
from wbtui.domain.text import clean
from wbtui.services import feedback_course
from wbtui.services.exchange_check import (
    FEEDBACK_FORMAT,
    HANDOVER_FORMAT,
    ExportProblems,
    ImportProblems,
    read,
    schema_problems,
)

FORMAT, VERSION, SCHEMA = FEEDBACK_FORMAT, 2, "feedback-v2"
# every version an import accepts, by its schema (version 2 added reasons and voucher and course details:
# services/feedback_course.py); a file of version 1 is still read
SCHEMAS = {1: "feedback-v1", 2: "feedback-v2"}
EVENT_TYPES = (
    "handover_received", "appointment_set", "appointment_updated", "appointment_missed", "counselling_result",
    "voucher_issued", "voucher_expired", "enrolment_approved", "course_started", "dropout", "course_completed",
    "stage_changed",
)  # fmt: skip
PRIVATE_PAYLOAD = frozenset({"note"})  # the office's own free text never leaves it (domain/projection.py)
WITH_AGENTUR = frozenset(
    {Stage.HANDED_OVER, Stage.COUNSELLING_SCHEDULED, Stage.COUNSELLED, Stage.APTITUDE_CHECK, Stage.VOUCHER_ISSUED,
     Stage.VOUCHER_EXPIRED, Stage.ENROLMENT_APPROVED, Stage.IN_TRAINING}
)  # fmt: skip
# how far along the Agentur's part a stage is: a report moves the Jobcenter's copy forward, never back
# (files may arrive late or out of order)
PROGRESS = {
    Stage.HANDED_OVER: 0, Stage.COUNSELLING_SCHEDULED: 1, Stage.COUNSELLED: 2, Stage.APTITUDE_CHECK: 2,
    Stage.REHAB_TRACK: 3, Stage.DECLINED_BY_AGENCY: 3, Stage.NEED_IDENTIFIED: 3, Stage.VOUCHER_ISSUED: 3,
    Stage.VOUCHER_EXPIRED: 4, Stage.ENROLMENT_APPROVED: 5, Stage.IN_TRAINING: 6, Stage.DROPPED_OUT: 7,
    Stage.COMPLETED: 7,
}  # fmt: skip
APPOINTMENT_FIELDS = ("kind", "starts_at", "duration_minutes", "location", "with_whom", "status", "moved_from")


class FeedbackProblems(ImportProblems):
    """Every problem of a refused feedback file, each ``(field path, message)``; nothing was written."""

    KEY = "err.feedback_invalid"


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return value.isoformat()


def _payload(raw) -> dict[str, Any]:
    import json

    data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    out: dict[str, Any] = {}
    for key, value in data.items() if isinstance(data, dict) else ():
        if key in PRIVATE_PAYLOAD or not isinstance(key, str) or len(out) >= 12:
            continue
        if isinstance(value, str):
            out[key] = clean(value)[:200]
        elif value is None or isinstance(value, bool) or (isinstance(value, int) and -(10**6) <= value <= 10**8):
            out[key] = value
    return out


def build(services, case_id: uuid.UUID | None = None) -> dict:
    """The Agentur's feedback on one case, or on every case it received by handover file."""
    if services.actor.side != AA:
        raise WbtuiError("err.feedback_export_side")
    con = services.store.raw()
    try:
        if case_id is not None:
            ids = [case_id.hex]
        else:
            ids = [r[0] for r in con.execute(
                "SELECT DISTINCT h.case_id FROM handover h JOIN fbw_case c ON c.id = h.case_id"
                " WHERE h.channel = 'file_export' AND c.stage != 'closed' ORDER BY h.case_id")]  # fmt: skip
    finally:
        con.close()
    cases = []
    for hex_id in ids:
        services.check_read(uuid.UUID(hex_id))
        cases.append(_case_block(services, hex_id))
        services.audit("export", "feedback", case_id=hex_id, groups=["stammdaten", "weiterbildung", "beratung"])
    document = {
        "format": FORMAT,
        "version": VERSION,
        "file_id": uuid.uuid4().hex,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "from_office": {"name": services.config.office_name, "kind": "agentur", "contact": services.actor.name},
        "to_office": None,
        "cases": cases,
    }
    problems = schema_problems(document, SCHEMA)
    if problems:
        raise ExportProblems(problems)
    return document


def _case_block(services, case_id: str) -> dict:
    con = services.store.raw()
    try:
        case = con.execute(
            "SELECT c.stage, c.counselling_outcome, c.voucher_valid_until, c.course_start, c.course_planned_end,"
            " p.kundennummer FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE c.id = ?",
            (case_id,),
        ).fetchone()
        handover = con.execute(
            "SELECT id FROM handover WHERE case_id = ? ORDER BY sent_at DESC, rowid DESC LIMIT 1", (case_id,)
        ).fetchone()
        if handover is None:
            raise WbtuiError("err.export_needs_handover")
        cols = ", ".join(("id",) + APPOINTMENT_FIELDS)
        appointments = [
            dict(zip(("id",) + APPOINTMENT_FIELDS, row))
            for row in con.execute(f"SELECT {cols} FROM appointment WHERE case_id = ? ORDER BY starts_at", (case_id,))
        ]
        own = services.actor.org_id.hex if services.actor.org_id else ""
        types = ",".join("?" * len(EVENT_TYPES))
        events = con.execute(
            f"SELECT id, type, at, from_stage, to_stage, payload FROM case_event WHERE case_id = ? AND type IN ({types})"
            " AND (org_id = ? OR org_id IS NULL) ORDER BY at, rowid",
            (case_id, *EVENT_TYPES, own),
        ).fetchall()
        details = feedback_course.blocks(con, case_id)
    finally:
        con.close()
    for appt in appointments:
        appt["starts_at"] = _iso(appt["starts_at"])
        for key in ("location", "with_whom"):
            appt[key] = clean(appt[key])[:200] if appt[key] else None
    return {
        "case_id": case_id,
        "handover_id": handover[0],
        "kundennummer": case[5],
        "stage": case[0],
        "counselling_outcome": case[1],
        "voucher_valid_until": case[2],
        "course_start": case[3],
        "course_planned_end": case[4],
        **details,
        "appointments": appointments,
        "events": [
            {
                "id": e[0],
                "type": e[1],
                "at": _iso(e[2]),
                "from_stage": e[3],
                "to_stage": e[4],
                "payload": _payload(e[5]),
            }
            for e in events
        ],
    }


def write(document: dict, target: Path, *, overwrite: bool = False) -> Path:
    from wbtui.services.exchange import write as write_json

    return write_json(document, target, overwrite=overwrite)


# -- import at the Jobcenter ---------------------------------------------------------------------------


def validate(services, data: object) -> list[tuple[str, str]]:
    """Every problem of a feedback file: the schema first, then what only this store knows."""
    from wbtui.i18n import t

    if not isinstance(data, dict):
        return [("$", t("imp.type", type="object"))]
    problems = schema_problems(data, SCHEMAS.get(data.get("version"), SCHEMA))  # type: ignore[arg-type]
    if problems:
        return problems
    con = services.store.raw()
    try:
        for i, block in enumerate(data["cases"]):
            where = f"cases[{i}]"
            row = con.execute(
                "SELECT p.kundennummer, c.jobcenter_org_id FROM fbw_case c JOIN person p ON p.id = c.person_id"
                " WHERE c.id = ?",
                (block["case_id"],),
            ).fetchone()
            if row is None:
                problems.append((f"{where}.case_id", t("imp.feedback_unknown_case")))
                continue
            if row[0] != block["kundennummer"]:
                problems.append((f"{where}.kundennummer", t("imp.feedback_other_person")))
            known = con.execute(
                "SELECT 1 FROM handover WHERE id = ? AND case_id = ?", (block["handover_id"], block["case_id"])
            ).fetchone()
            if known is None:
                problems.append((f"{where}.handover_id", t("imp.feedback_unknown_handover")))
            for j, appt in enumerate(block["appointments"]):
                other = con.execute("SELECT case_id FROM appointment WHERE id = ?", (appt["id"],)).fetchone()
                if other is not None and other[0] != block["case_id"]:
                    problems.append((f"{where}.appointments[{j}].id", t("imp.feedback_other_case")))
            for j, event in enumerate(block["events"]):
                other = con.execute("SELECT case_id FROM case_event WHERE id = ?", (event["id"],)).fetchone()
                if other is not None and other[0] != block["case_id"]:
                    problems.append((f"{where}.events[{j}].id", t("imp.feedback_other_case")))
    finally:
        con.close()
    return problems


def import_file(services, path: Path) -> tuple[int, bool]:
    """Import a feedback file at the Jobcenter; returns (cases, False), or (cases, True) when the file
    was imported before."""
    from sqlmodel import select

    from wbtui.data.models import Appointment, CaseEvent, Handover, Organisation
    from wbtui.sync.recorder import meta_get

    if services.actor.side != JC:
        raise WbtuiError("err.feedback_import_side")
    try:
        data = read(path)
    except ImportProblems as exc:
        raise FeedbackProblems(exc.problems) from None
    if isinstance(data, dict) and data.get("format") == HANDOVER_FORMAT:
        raise WbtuiError("err.file_is_handover")  # one line naming the command that reads it (issue 15)
    problems = validate(services, data)
    if problems:
        raise FeedbackProblems(problems)
    assert isinstance(data, dict)  # validate refuses anything else
    office = data["from_office"]
    office_name = clean(office["name"])[:200]
    contact = clean(office.get("contact"))[:100] or None
    with services._tx() as s:
        if meta_get(s.connection(), "enabled") == "1":
            raise WbtuiError("err.feedback_with_sync")  # with a shared server the Agentur's own writes arrive
        done = (
            s.connection()
            .exec_driver_sql("SELECT cases FROM feedback_import WHERE file_id = ?", (data["file_id"],))
            .fetchone()
        )
        if done is not None:
            return int(done[0]), True
        agentur = s.exec(
            select(Organisation).where(Organisation.name == office_name, Organisation.kind == "agentur")
        ).first()
        if agentur is None:
            agentur = Organisation(kind="agentur", name=office_name)
            s.add(agentur)
            s.flush()
        now = services.now()
        for block in data["cases"]:
            case, _person = services._load(s, uuid.UUID(block["case_id"]))
            new = 0
            for item in block["appointments"]:
                new += _upsert_appointment(s, Appointment, case.id, item, contact, now)
            for item in block["events"]:
                if s.get(CaseEvent, uuid.UUID(item["id"])) is None:
                    s.add(CaseEvent(id=uuid.UUID(item["id"]), case_id=case.id, at=_dt(item["at"]), type=item["type"],
                                    from_stage=item.get("from_stage"), to_stage=item.get("to_stage"), actor=contact,
                                    org_id=agentur.id, payload=_payload(item.get("payload"))))  # fmt: skip
                    new += 1
            changed = _take_process(case, block)
            changed = feedback_course.apply(case, block) or changed
            if any(e["type"] == "handover_received" for e in block["events"]):
                handover = s.get(Handover, uuid.UUID(block["handover_id"]))
                if handover is not None and handover.status == "sent":
                    handover.status, handover.acknowledged_by, handover.acknowledged_at = "accepted", contact, now
            if new or changed:
                case.updated_at = now
                services._event(s, case, "feedback_imported", entries=new, file=data["file_id"][:8])
        s.connection().exec_driver_sql(
            "INSERT INTO feedback_import (file_id, imported_at, actor, cases) VALUES (?, ?, ?, ?)",
            (data["file_id"], now.isoformat(" "), services.actor.login, len(data["cases"])),
        )
    return len(data["cases"]), False


def _dt(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _upsert_appointment(s, model, case_id: uuid.UUID, item: dict, contact: str | None, now: datetime) -> int:
    values = {k: item.get(k) for k in APPOINTMENT_FIELDS}
    values["starts_at"] = _dt(item["starts_at"])
    for key in ("location", "with_whom"):
        values[key] = clean(values[key])[:200] or None if values[key] else None
    row = s.get(model, uuid.UUID(item["id"]))
    if row is None:
        s.add(model(id=uuid.UUID(item["id"]), case_id=case_id, organiser=contact, created_at=now, updated_at=now,
                    **values))  # fmt: skip
        return 1
    changed = 0
    for key, value in values.items():
        current = getattr(row, key)
        if key == "starts_at" and current is not None:
            current = current if current.tzinfo else current.replace(tzinfo=UTC)
        if current != value:
            setattr(row, key, value)
            changed = 1
    if changed:
        row.updated_at = now
    return changed


def _take_process(case, block: dict) -> bool:
    """The values the Agentur keeps, and its stage while the case is with it."""
    changed = False
    for key in ("counselling_outcome", "voucher_valid_until", "course_start", "course_planned_end"):
        value = block.get(key)
        if key != "counselling_outcome" and value is not None:
            value = date.fromisoformat(value)
        if value is not None and getattr(case, key) != value:
            setattr(case, key, value)
            changed = True
    planned = sorted(_dt(a["starts_at"]) for a in block["appointments"] if a["kind"] == "aa_beratung"
                     and a["status"] in ("geplant", "wahrgenommen"))  # fmt: skip
    if planned:
        current = (
            case.appointment_at
            if case.appointment_at is None or case.appointment_at.tzinfo
            else case.appointment_at.replace(tzinfo=UTC)
        )
        if current != planned[-1]:
            case.appointment_at = planned[-1]
            changed = True
    stage = Stage(case.stage)
    reported = Stage(block["stage"])
    if stage in WITH_AGENTUR and PROGRESS.get(reported, -1) > PROGRESS[stage]:
        moved = [
            _dt(e["at"])
            for e in block["events"]
            if e["type"] == "stage_changed" and e.get("to_stage") == reported.value
        ]
        case.stage = reported.value
        case.stage_since = max(moved) if moved else datetime.now(UTC)
        changed = True
    return changed


def import_any(services, path: Path) -> tuple[str, object]:
    """Import an exchange file of either kind by its ``format``: a handover file (at the Agentur) or a
    feedback file (at the Jobcenter). Returns ("handover", (case id, again)) or ("feedback", (cases, again))."""
    from wbtui.services import exchange

    try:
        data = read(path)
    except ImportProblems:
        data = None  # the importer names the problems
    if isinstance(data, dict) and data.get("format") == FORMAT:
        return "feedback", import_file(services, path)
    return "handover", exchange.import_file(services, path)
