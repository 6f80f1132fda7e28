"""Import of key fields from the primary system (VerBIS or a zkT system) as CSV, to avoid re-typing.

Columns (German or English headers, ``;`` or ``,``, UTF-8 with or without BOM, else cp1252):
Kundennummer, BG-Nummer, Nachname, Vorname, Geburtsdatum, Ziel-KldB. Other columns (``Anrede``,
``PLZ`` …) are ignored and named in the report. Each row is checked on its own with the same field
rules as the forms; ``dry_run`` checks without writing.

* At most one open case per person (the office's own rule, :meth:`CaseCommands.create_case`).
* A row for a person already on record whose name, birth date or BG number differ is skipped with what
  would change, unless ``update_person`` says to take the file's values.
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


def _known_people(services) -> tuple[set[str], dict[str, dict]]:
    """Kundennummern with an open case, and the stored key fields of every person on record."""
    con = services.store.raw()
    try:
        open_kdnr = {
            r[0]
            for r in con.execute(
                "SELECT p.kundennummer FROM person p JOIN fbw_case c ON c.person_id = p.id WHERE c.stage != 'closed'"
            )
        }
        people = {
            r[0]: dict(zip(PERSON_FIELDS, r[1:]))
            for r in con.execute(f"SELECT kundennummer, {', '.join(PERSON_FIELDS)} FROM person")
        }
    finally:
        con.close()
    return open_kdnr, people


def _changes(stored: dict, values: dict) -> list[str]:
    """What a row would change on a person on record (field: old → new)."""
    out = []
    for name in PERSON_FIELDS:
        if name not in values:
            continue
        new = parse_field(name, values[name])
        new_text = new.isoformat() if hasattr(new, "isoformat") else new
        if new_text is not None and new_text != stored.get(name):
            out.append(f"{t('field.' + name)}: {clean(stored.get(name) or '–')} → {clean(str(new_text))}")
    return out


def run(services, path: Path, *, dry_run: bool, update_person: bool = False) -> ImportReport:
    services._may_create()  # only who may open cases learns which Kundennummern have one
    _columns, rows, ignored = parse(path)
    open_kdnr, people = _known_people(services)
    results, seen = [], set()
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        result = RowResult(line, clean(row.get("kundennummer") or ""), "valid")
        values = {}
        for name, raw in row.items():
            try:
                value = parse_field(name, raw)
            except WbtuiError as exc:
                result.messages.append(clean(describe(exc)))
                continue
            if value is not None:
                values[name] = raw
        kdnr = str(values.get("kundennummer", "")).upper().replace(" ", "")
        changes = _changes(people[kdnr], values) if kdnr in people and not result.messages else []
        if not result.messages and (kdnr in open_kdnr or kdnr in seen):
            result.status = "skipped"
            result.messages.append(t("cli.csv_open_case", kundennummer=clean(kdnr)))
        elif result.messages:
            result.status = "error"
        elif changes and not update_person:
            result.status = "skipped"
            result.messages.append(t("cli.csv_person_differs", changes="; ".join(changes)))
        elif not dry_run:
            case_id = services.create_case(values)
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
