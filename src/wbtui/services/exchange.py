"""Handover exchange file (Übergabedatei) for offices without a common server.

Export writes the consent-restricted handover package of a sent handover; import checks
the whole file first, reports every problem with its field, creates nothing on any error,
recognises a file imported twice, and never trusts the text inside (control characters
are stripped; text is never interpreted as markup anywhere in wbtui).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import FIELDS, parse_field
from wbtui.domain.text import clean
from wbtui.i18n import describe

FORMAT, VERSION = "wbtui-uebergabe", 1
MAX_BYTES = 1_048_576
PERSON_KEYS = (
    "kundennummer",
    "bg_nummer",
    "family_name",
    "given_names",
    "birth_date",
    "address",
    "phone",
    "email",
    "preferred_language",
    "needs_interpreter",
    "german_level_cefr",
    "school_certificate",
)
CASE_KEYS = (
    "target_kldb",
    "target_title",
    "training_type",
    "schedule",
    "earliest_start",
    "max_commute_km",
    "necessity_reason",
    "care_arranged",
    "availability",
    "legacy_jc_funded",
    "legal_basis",
    "health_limits_summary",
)


class ImportProblems(WbtuiError):
    """Every problem of a refused file, each ``(field path, message)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("err.import_invalid", n=len(problems))
        self.problems = problems  # wbtui.i18n.describe lists them under the summary line


def schema_path() -> Path:
    return Path(__file__).resolve().parent.parent / "domain" / "schemas" / "handover-v1.schema.json"


def build(services, case_id: uuid.UUID, *, action: str = "export") -> dict:
    """The exchange document of the case's latest sent handover (the access is checked and audited first)."""
    from sqlmodel import select

    from wbtui.data.models import FbwCase, Handover

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
        handover = s.exec(select(Handover).where(Handover.case_id == case.id).order_by(Handover.sent_at.desc())).first()
        if handover is None:
            raise WbtuiError("err.export_needs_handover")
        package = handover.package
        return {
            "format": FORMAT,
            "version": VERSION,
            "handover_id": handover.id.hex,
            "case_id": case.id.hex,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "from_office": {
                "name": services.config.office_name,
                "kind": _jc_kind(services.config.office_kind),
                "number": services.config.office_number,
                "contact": services.actor.name,
            },
            "to_office": services.config.partner_agentur,
            "legal_basis": handover.legal_basis,
            "person": {k: package["person"].get(k) for k in PERSON_KEYS},
            "case": {k: package["case"].get(k) for k in CASE_KEYS if k in package["case"]},
            "obstacles": [{"code": o["code"], "status": o["status"]} for o in package.get("obstacles", [])],
        }


def _jc_kind(kind: str) -> str:
    return kind if kind in ("jobcenter_ge", "jobcenter_zkt") else "jobcenter_ge"


def write(document: dict, target: Path, *, overwrite: bool = False) -> Path:
    return write_text(json.dumps(document, ensure_ascii=False, indent=2), target, overwrite=overwrite)


def write_text(text: str | bytes, target: Path, *, overwrite: bool = False) -> Path:
    """Write an export (text or bytes) 0600; refuses to follow a symlink or to replace a file unless asked."""
    import os

    target = Path(target)
    if target.is_symlink() or (target.exists() and not overwrite):
        raise WbtuiError("err.export_exists", path=str(target))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    if isinstance(text, bytes):
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
    else:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    os.chmod(target, 0o600)
    return target


def read(path: Path) -> dict:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportProblems([("$", "file larger than 1 MiB")])
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WbtuiError("err.import_unreadable", path=str(path), detail=type(exc).__name__) from None
    except json.JSONDecodeError as exc:
        raise ImportProblems([("$", f"JSON line {exc.lineno}: {exc.msg}")]) from None
    return data


def validate(data: object, catalog) -> tuple[dict, dict, list[tuple[str, str]], list[tuple[str, str]]]:
    """Check everything; returns (person values, case values, obstacles, problems)."""
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return {}, {}, [], [("$", "not a JSON object")]
    if data.get("format") != FORMAT:
        problems.append(("format", f"expected {FORMAT}"))
    if data.get("version") != VERSION:
        problems.append(("version", f"unsupported version {data.get('version')!r}"))
    for key in ("handover_id", "case_id"):
        value = data.get(key)
        if not isinstance(value, str) or len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
            problems.append((key, "32 hex digits expected"))
    if data.get("legal_basis") not in ("consent", "sgb_x_69"):
        problems.append(("legal_basis", "consent | sgb_x_69"))
    known = {
        "format",
        "version",
        "handover_id",
        "case_id",
        "exported_at",
        "from_office",
        "to_office",
        "legal_basis",
        "person",
        "case",
        "obstacles",
    }
    for key in sorted(set(data) - known):
        problems.append((key, "unknown field"))
    person, case = {}, {}
    for section, keys, target in (("person", PERSON_KEYS, person), ("case", CASE_KEYS, case)):
        block = data.get(section)
        if not isinstance(block, dict):
            problems.append((section, "object expected"))
            continue
        for key in sorted(set(block) - set(keys)):
            problems.append((f"{section}.{key}", "unknown field"))
        for key in keys:
            raw = block.get(key)
            if raw is None:
                if FIELDS[key].required:
                    problems.append((f"{section}.{key}", "required"))
                continue
            if isinstance(raw, bool):
                text = "ja" if raw else "nein"
            elif isinstance(raw, (int, float, str)):
                text = str(raw)
            else:
                problems.append((f"{section}.{key}", "text expected"))
                continue
            try:
                target[key] = parse_field(key, text)
            except WbtuiError as exc:
                problems.append((f"{section}.{key}", describe(exc)))
    obstacles = []
    items = data.get("obstacles", [])
    if not isinstance(items, list):
        problems.append(("obstacles", "array expected"))
        items = []
    for i, item in enumerate(items):
        code = clean(str(item.get("code", ""))).upper() if isinstance(item, dict) else ""
        status = item.get("status") if isinstance(item, dict) else None
        if catalog.get(code) is None:
            problems.append((f"obstacles[{i}].code", f"unknown obstacle code {code!r}"))
        if status not in ("offen", "in_bearbeitung", "geloest", "nicht_loesbar", "nicht_relevant"):
            problems.append((f"obstacles[{i}].status", f"invalid status {status!r}"))
        obstacles.append((code, status))
    return person, case, obstacles, problems


def import_file(services, path: Path) -> tuple[uuid.UUID, bool]:
    """Import a handover file; returns (case id, False) or (existing case id, True) when already imported."""
    from sqlmodel import select

    from wbtui.data.models import CaseEvent, FbwCase, Handover, Obstacle, Person

    data = read(path)
    person_values, case_values, obstacles, problems = validate(data, services.catalog)
    if problems:
        raise ImportProblems(problems)
    handover_id, case_id = uuid.UUID(data["handover_id"]), uuid.UUID(data["case_id"])
    actor = services.actor
    with services._tx() as s:
        existing = s.get(Handover, handover_id)
        if existing is not None:
            return existing.case_id, True
        if s.get(FbwCase, case_id) is not None:
            raise WbtuiError("err.import_case_exists", ref=case_id.hex[:8])
        person = s.exec(select(Person).where(Person.kundennummer == person_values["kundennummer"])).first()
        if person is None:
            person = Person(**person_values)
            s.add(person)
        else:
            for key, value in person_values.items():
                setattr(person, key, value)
        s.flush()
        now = services.now()
        case = FbwCase(
            id=case_id,
            person_id=person.id,
            stage="handed_over",
            stage_since=now,
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
        office = clean(str((data.get("from_office") or {}).get("name", "")))[:200]
        s.add(
            Handover(
                id=handover_id,
                case_id=case.id,
                from_user=office or None,
                to_org_id=actor.org_id,
                sent_at=now,
                channel="file_export",
                package={
                    "person": {k: str(v) if v is not None else None for k, v in person_values.items()},
                    "case": {k: str(v) if v is not None else None for k, v in case_values.items()},
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
                payload={"from": office, "file_handover": handover_id.hex},
            )
        )
        return case.id, False
