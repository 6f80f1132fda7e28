"""Import of key fields from the primary system (VerBIS or a zkT system) as CSV, to avoid re-typing.

Columns (German or English headers, ``;`` or ``,``, UTF-8 with or without BOM, else cp1252):
Kundennummer, BG-Nummer, Nachname, Vorname, Geburtsdatum, Ziel-KldB. Other columns (``Anrede``,
``PLZ`` …) are ignored and named in the report. Each row is checked on its own with the same field
rules as the forms; ``dry_run`` checks without writing.

* At most one open case per person (the office's own rule, :meth:`CaseCommands.create_case`).
* A row for a person already on record is compared with the stored data only within the user's caseload
  or by break-glass (``reason``); if it differs it is skipped with what would change, unless
  ``update_person`` says to take the file's values (services/known_person.py, the rule of ``case new``).
* Whether a case exists for a Kundennummer is itself information: the run (dry or not) is audited,
  and only a role that may open cases may run it.
* Everything reported back (Kundennummer, messages) is cleaned of control and bidi characters.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_field
from wbtui.domain.text import clean
from wbtui.i18n import describe, t

HEADERS = {
    "kundennummer": "kundennummer",
    "customer_number": "kundennummer",
    "bg-nummer": "bg_nummer",
    "bg_nummer": "bg_nummer",
    "bg number": "bg_nummer",
    "nachname": "family_name",
    "family_name": "family_name",
    "name": "family_name",
    "vorname": "given_names",
    "vornamen": "given_names",
    "given_names": "given_names",
    "geburtsdatum": "birth_date",
    "birth_date": "birth_date",
    "ziel-kldb": "target_kldb",
    "zielberuf": "target_kldb",
    "target_kldb": "target_kldb",
}
PERSON_FIELDS = ("family_name", "given_names", "birth_date", "bg_nummer")
MAX_BYTES = 5 * 1_048_576


@dataclass
class RowResult:
    line: int
    kundennummer: str
    status: str  # created | valid | skipped | error
    messages: list[str] = field(default_factory=list)
    case_ref: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ImportReport:
    rows: list[RowResult]
    ignored: list[str]  # columns of the file that are not imported


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def parse(path: Path) -> tuple[list[str | None], list[dict[str, str]], list[str]]:
    """(column per position, rows, ignored column headers)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise WbtuiError("err.csv_too_large", path=str(path))
        raw = path.read_bytes()
    except OSError as exc:
        raise WbtuiError("err.import_unreadable", path=str(path), detail=exc.strerror or type(exc).__name__) from None
    text = _decode(raw)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise WbtuiError("err.csv_empty", path=str(path)) from None
    columns = [HEADERS.get(h.strip().lower()) for h in header]
    ignored = [clean(h) for h, c in zip(header, columns) if c is None and h.strip()]
    for required in ("kundennummer", "family_name", "given_names"):
        if required not in columns:
            raise WbtuiError("err.csv_missing_column", column=required)
    rows: list[dict[str, str]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            rows.append({})
            continue
        rows.append({col: val for col, val in zip(columns, values) if col})
    return columns, rows, ignored


def run(services, path: Path, *, dry_run: bool, update_person: bool = False, reason: str | None = None) -> ImportReport:
    """Check (``dry_run``) or import the rows; a known person is compared and changed only within the
    caseload or by break-glass with ``reason`` (services/known_person.py), every lookup audited."""
    from wbtui.services import known_person

    services._may_create()  # only who may open cases learns which Kundennummern have one
    today = services.today()
    _columns, rows, ignored = parse(path)
    checked: list[tuple[RowResult, dict, dict]] = []
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        result = RowResult(line, clean(row.get("kundennummer") or ""), "valid")
        values: dict[str, object] = {}
        parsed: dict[str, object] = {}
        for name, raw in row.items():
            try:
                value = parse_field(name, raw, today=today)  # the one field rule (domain/fields.py)
            except WbtuiError as exc:
                result.messages.append(clean(describe(exc)))
                continue
            if value is not None:
                values[name], parsed[name] = raw, value
        checked.append((result, values, parsed))
    known = known_person.look_up(services, [str(p.get("kundennummer")) for r, _v, p in checked if not r.messages])
    results, seen = [], set()
    for result, values, parsed in checked:
        kdnr = str(parsed.get("kundennummer") or "")
        person = known.get(kdnr) if kdnr else None
        if result.messages:
            result.status = "error"
        elif kdnr in seen or (person is not None and person.open_case is not None):
            result.status = "skipped"
            result.messages.append(t("cli.csv_open_case", kundennummer=clean(kdnr)))
        elif person is not None and person.verdict != "allow" and not (reason and person.verdict == "break_glass"):
            result.status = "skipped"  # nothing of the stored data is shown outside the caseload
            key = "cli.csv_person_out_of_scope" if person.verdict == "break_glass" else "cli.csv_person_foreign"
            result.messages.append(t(key))
        else:
            if person is not None:
                known_person.admit(services, person, reason)  # break-glass with the reason (audited)
            changes = person.changes(parsed) if person is not None else []
            if changes and not update_person:
                result.status = "skipped"
                result.messages.append(t("cli.csv_person_differs", changes=known_person.changes_text(changes)))
            elif not dry_run:
                case_id = services.create_case(values, update_person=update_person, reason=reason)
                result.status, result.case_ref = "created", case_id.hex[:8]
        seen.add(kdnr)
        results.append(result)
    services.audit(
        "import",
        "csv",
        groups=["stammdaten"],
        detail=f"{'dry_run' if dry_run else 'import'}; rows {len(results)}; "
        f"existing {sum(1 for r in results if r.status == 'skipped')}",
    )
    return ImportReport(results, ignored)
