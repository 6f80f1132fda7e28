"""Handover exchange file (Übergabedatei) for offices without a common server.

Export writes the consent-restricted handover package of a sent handover; import checks
the whole file first, reports every problem with its field, creates nothing on any error,
recognises a file imported twice, and never trusts the text inside (control characters
are stripped; text is never interpreted as markup anywhere in wbtui).

The file is checked against its published JSON Schema (``domain/schemas/handover-v1.schema.json``)
at run time, after the parser refused what JSON allows but the format does not: duplicate keys (the
last would silently win), nesting deeper than the format has, numbers beyond what any field holds.
Every problem names its field. A file for a person already on record that would change their stored
data is refused unless ``update_person`` is given (the user sees what would change first); at most one
open case per person and Jobcenter. Values keep their JSON types through import and export (an
Agentur's re-export is the file it received, and validates against the same schema).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.fields import (
    FIELDS,
    HANDOVER_CASE_FIELDS,
    HANDOVER_PERSON_FIELDS,
    HEALTH_SUMMARY_FIELD,
    parse_field,
)
from wbtui.domain.text import clean
from wbtui.i18n import describe
from wbtui.services.exchange_check import (  # noqa: F401 - read, schema_path: part of this module's API
    FEEDBACK_FORMAT,
    HANDOVER_FORMAT,
    MAX_BYTES,
    ExportProblems,
    ImportProblems,
    read,
    schema_path,
    schema_problems,
)

FORMAT, VERSION = HANDOVER_FORMAT, 1
PERSON_KEYS = HANDOVER_PERSON_FIELDS
CASE_KEYS = (*HANDOVER_CASE_FIELDS, HEALTH_SUMMARY_FIELD)


def build(services, case_id: uuid.UUID, *, action: str = "export") -> dict:
    """The exchange document of the case's latest handover (the access is checked and audited first).

    The Jobcenter writes the package it sent; an Agentur writes back the file it received (same office,
    contact and values), so a re-export validates against the schema as the original did."""
    from sqlmodel import col, select

    from wbtui.data.models import FbwCase, Handover, Organisation
    from wbtui.domain.process import JC

    services.check_read(case_id)
    services.audit(
        action,
        "handover",
        case_id=case_id.hex,
        groups=["stammdaten", "qualifikation", "weiterbildung", "hemmnisse", "uebergabe"],
    )

    with services._tx() as s:
        case = s.get(FbwCase, case_id)
        if case is None:
            raise WbtuiError("err.case_not_found", ref=case_id.hex[:8])
        handover = s.exec(
            select(Handover).where(Handover.case_id == case.id).order_by(col(Handover.sent_at).desc())
        ).first()
        if handover is None:
            raise WbtuiError("err.export_needs_handover")
        package = handover.package or {}
        if services.actor.side == JC:
            from_office = {
                "name": services.config.office_name,
                "kind": _jc_kind(services.config.office_kind),
                "number": services.config.office_number,
                "contact": services.actor.name,
            }
            to_office = services.config.partner_agentur
        else:
            sender = s.get(Organisation, handover.from_org_id) if handover.from_org_id else None
            receiver = s.get(Organisation, handover.to_org_id) if handover.to_org_id else None
            contact = (package.get("jc_contact") or {}).get("name") if isinstance(package, dict) else None
            from_office = {
                "name": sender.name if sender else (handover.from_user or "–"),
                "kind": _jc_kind(sender.kind if sender else ""),
                "number": sender.traeger_nummer if sender else None,
                "contact": contact,
            }
            to_office = receiver.name if receiver else services.config.office_name
        document = {
            "format": FORMAT,
            "version": VERSION,
            "handover_id": handover.id.hex,
            "case_id": case.id.hex,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "from_office": from_office,
            "to_office": to_office,
            "legal_basis": handover.legal_basis,
            "person": {k: _typed(k, (package.get("person") or {}).get(k)) for k in PERSON_KEYS},
            "case": {k: _typed(k, v) for k, v in (package.get("case") or {}).items() if k in CASE_KEYS},
            "obstacles": [{"code": o["code"], "status": o["status"]} for o in package.get("obstacles", [])],
        }
    problems = schema_problems(document)
    if problems:
        raise ExportProblems(problems)
    return document


def _typed(key: str, value):
    """A package value with its JSON type (packages imported by older versions hold text: "False", "30")."""
    if isinstance(value, str) and FIELDS[key].kind in ("bool", "int"):
        try:
            return parse_field(key, value)
        except WbtuiError:
            return value  # left as it is: the schema check names it
    return value


def _jc_kind(kind: str) -> str:
    return kind if kind in ("jobcenter_ge", "jobcenter_zkt") else "jobcenter_ge"


def send_as_file(services, case_id: uuid.UUID, target: Path) -> Path:
    """Send the handover as a file (channel ``file_export``): the file is the handover, so the target is
    claimed first (an existing file or a missing folder refuses before anything is sent), then the case
    moves to S4 with its handover, then the file is written. Nothing is sent when the file cannot be."""
    target = Path(target)
    write_text("", target)  # claimed 0600: the checks of write_text run before the case moves
    try:
        services.send_handover(case_id, channel="file_export")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return write(build(services, case_id), target, overwrite=True)


def write(document: dict, target: Path, *, overwrite: bool = False) -> Path:
    return write_text(json.dumps(document, ensure_ascii=False, indent=2), target, overwrite=overwrite)


def write_text(text: str | bytes, target: Path, *, overwrite: bool = False) -> Path:
    """Write an export (text or bytes) 0600; refuses to follow a symlink or to replace a file unless asked.
    A missing directory is "not found" (exit 3), an unwritable one a clear refusal, never an internal error
    (README "Exit codes")."""
    import os

    target = Path(target)
    if target.is_dir() and not target.is_symlink():  # README "Exit codes": a folder where a file belongs is 1
        raise WbtuiError("ux.cli.is_folder", path=str(target))
    if target.is_symlink() or (target.exists() and not overwrite):
        raise WbtuiError("err.export_exists", path=str(target))
    if not target.parent.is_dir():
        raise NotFound("ux.cli.folder_missing", path=str(target.parent))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except OSError as exc:
        raise WbtuiError("err.export_unwritable", path=str(target), detail=exc.strerror or type(exc).__name__) from None
    if isinstance(text, bytes):
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
    else:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    os.chmod(target, 0o600)
    return target


def validate(data: object, catalog) -> tuple[dict, dict, list[tuple[str, Any]], list[tuple[str, str]]]:
    """Check everything (the schema first, then what only wbtui knows: valid dates, KldB codes, the
    obstacle catalog); returns (person values, case values, obstacles, problems)."""
    from wbtui.i18n import t

    if not isinstance(data, dict):
        return {}, {}, [], [("$", t("imp.type", type="object"))]
    problems = schema_problems(data)
    named = {where for where, _ in problems}
    person: dict[str, object] = {}
    case: dict[str, object] = {}
    for section, keys, target in (("person", PERSON_KEYS, person), ("case", CASE_KEYS, case)):
        block = data.get(section)
        if not isinstance(block, dict):
            continue
        for key in keys:
            raw = block.get(key)
            where = f"{section}.{key}"
            if raw is None or where in named or not isinstance(raw, (str, bool, int)):
                continue
            try:
                target[key] = parse_field(key, raw)
            except WbtuiError as exc:
                problems.append((where, describe(exc)))
    obstacles: list[tuple[str, Any]] = []  # the status as in the file: the schema checked it (problems)
    items = data.get("obstacles")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            continue
        code = clean(item["code"]).upper()
        if catalog.get(code) is None and f"obstacles[{i}].code" not in named:
            problems.append((f"obstacles[{i}].code", t("imp.unknown_code", code=code)))
        obstacles.append((code, item.get("status")))
    return person, case, obstacles, problems


def person_changes(services, data: dict) -> list[tuple[str, str, str]]:
    """What importing ``data`` would change on the person already on record: (field, stored, file)."""
    from wbtui.services.base import jsonable

    person_values, _case, _obstacles, problems = validate(data, services.catalog)
    if problems:
        raise ImportProblems(problems)
    con = services.store.raw()
    try:
        cur = con.execute(
            f"SELECT {', '.join(PERSON_KEYS)} FROM person WHERE kundennummer = ?", (person_values["kundennummer"],)
        )
        row = cur.fetchone()
    finally:
        con.close()
    if row is None:
        return []
    stored = dict(zip(PERSON_KEYS, row))
    out = []
    for key, value in person_values.items():
        new = jsonable(value)
        old = stored.get(key)
        if FIELDS[key].kind == "bool" and old is not None:
            old = bool(old)
        if new != old and value is not None:
            out.append((key, "" if old is None else str(old), str(new)))
    return out


def import_file(services, path: Path, *, update_person: bool = False) -> tuple[uuid.UUID, bool]:
    """Import a handover file; returns (case id, False) or (existing case id, True) when already imported."""
    from sqlmodel import select

    from wbtui.data.models import CaseEvent, FbwCase, Handover, Obstacle, Organisation, Person
    from wbtui.services.base import jsonable

    data = read(path)
    if isinstance(data, dict) and data.get("format") == FEEDBACK_FORMAT:
        raise WbtuiError("err.file_is_feedback")  # one line naming the command that reads it (issue 15)
    person_values, case_values, obstacles, problems = validate(data, services.catalog)
    if problems:
        raise ImportProblems(problems)
    assert isinstance(data, dict)  # validate refuses anything else
    handover_id, case_id = uuid.UUID(data["handover_id"]), uuid.UUID(data["case_id"])
    changes = person_changes(services, data)
    actor = services.actor
    office = data["from_office"]
    office_name = clean(office["name"])[:200] or "–"
    with services._tx() as s:
        existing = s.get(Handover, handover_id)
        if existing is not None:
            return existing.case_id, True
        if s.get(FbwCase, case_id) is not None:
            raise WbtuiError("err.import_case_exists", ref=case_id.hex[:8])
        sender = s.exec(
            select(Organisation).where(Organisation.name == office_name, Organisation.kind == office["kind"])
        ).first()
        if sender is None:
            sender = Organisation(
                kind=office["kind"], name=office_name, traeger_nummer=clean(office.get("number")) or None
            )
            s.add(sender)
            s.flush()
        person = s.exec(select(Person).where(Person.kundennummer == person_values["kundennummer"])).first()
        if person is None:
            person = Person(**person_values)
            s.add(person)
        else:
            open_case = s.exec(
                select(FbwCase).where(
                    FbwCase.person_id == person.id, FbwCase.stage != "closed", FbwCase.jobcenter_org_id == sender.id
                )
            ).first()
            if open_case is not None:
                raise WbtuiError("err.open_case_exists", kundennummer=person.kundennummer, ref=open_case.id.hex[:8])
            if changes and not update_person:
                raise WbtuiError("err.import_person_differs", changes=_changes_text(changes))
            for key, value in person_values.items():
                setattr(person, key, value)
        s.flush()
        now = services.now()
        case = FbwCase(
            id=case_id,
            person_id=person.id,
            stage="handed_over",
            stage_since=now,
            jobcenter_org_id=sender.id,
            agentur_org_id=actor.org_id,
            created_at=now,
            updated_at=now,
            **case_values,
        )
        s.add(case)
        s.flush()
        for code, status in obstacles:
            item = services.catalog.get(code)
            s.add(Obstacle(case_id=case.id, code=item.code, art9=item.art9, status=status))
        contact = clean(office.get("contact"))[:100] or None
        s.add(
            Handover(
                id=handover_id,
                case_id=case.id,
                from_org_id=sender.id,
                from_user=contact,
                to_org_id=actor.org_id,
                sent_at=now,
                channel="file_export",
                package={  # as in the file, with JSON types (a re-export is this file again)
                    "version": 1,
                    "person": {k: jsonable(person_values.get(k)) for k in PERSON_KEYS},
                    "case": {k: jsonable(case_values.get(k)) for k in CASE_KEYS if k in data["case"]},
                    "obstacles": [{"code": code, "status": status} for code, status in obstacles],
                    "jc_contact": {"name": contact, "office": office_name},
                },
                legal_basis=data["legal_basis"],
            )
        )
        s.add(
            CaseEvent(
                case_id=case.id,
                at=now,
                type="handover_imported",
                to_stage="handed_over",
                actor=actor.login,
                org_id=actor.org_id,
                payload={"from": office_name, "file_handover": handover_id.hex},
            )
        )
        return case.id, False


def _changes_text(changes: list[tuple[str, str, str]]) -> str:
    from wbtui.i18n import t

    return "; ".join(f"{t('field.' + key)}: {clean(old) or '–'} → {clean(new)}" for key, old, new in changes)
