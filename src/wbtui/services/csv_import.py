"""Import of key fields from the primary system (VerBIS or a zkT system) as CSV, to avoid re-typing.

Columns (German or English headers, ``;`` or ``,``, UTF-8 with or without BOM, else cp1252):
Kundennummer, BG-Nummer, Nachname, Vorname, Geburtsdatum, Ziel-KldB. Each row is checked on its
own with the same field rules as the forms; ``dry_run`` checks without writing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_field
from wbtui.i18n import describe

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
MAX_BYTES = 5 * 1_048_576


@dataclass
class RowResult:
    line: int
    kundennummer: str
    status: str  # created | valid | skipped | error
    messages: list[str] = field(default_factory=list)
    case_ref: str | None = None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def parse(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise WbtuiError("err.csv_too_large", path=str(path))
    text = _decode(path.read_bytes())
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise WbtuiError("err.csv_empty", path=str(path)) from None
    columns = [HEADERS.get(h.strip().lower()) for h in header]
    unknown = [h for h, c in zip(header, columns) if c is None and h.strip()]
    if unknown:
        raise WbtuiError(
            "err.csv_columns",
            columns=", ".join(unknown),
            known="Kundennummer, BG-Nummer, Nachname, Vorname, Geburtsdatum, Ziel-KldB",
        )
    for required in ("kundennummer", "family_name", "given_names"):
        if required not in columns:
            raise WbtuiError("err.csv_missing_column", column=required)
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            rows.append({})
            continue
        rows.append({col: val for col, val in zip(columns, values) if col})
    return columns, rows


def run(services, path: Path, *, dry_run: bool) -> list[RowResult]:
    _columns, rows = parse(path)
    con = services.store.raw()
    try:
        open_kdnr = {
            r[0]
            for r in con.execute(
                "SELECT p.kundennummer FROM person p JOIN fbw_case c ON c.person_id = p.id WHERE c.stage != 'closed'"
            )
        }
    finally:
        con.close()
    results, seen = [], set()
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        result = RowResult(line, (row.get("kundennummer") or "").strip(), "valid")
        values = {}
        for name, raw in row.items():
            try:
                value = parse_field(name, raw)
            except WbtuiError as exc:
                result.messages.append(describe(exc))
                continue
            if value is not None:
                values[name] = raw
        kdnr = str(values.get("kundennummer", "")).upper().replace(" ", "")
        if not result.messages and (kdnr in open_kdnr or kdnr in seen):
            result.status = "skipped"
            result.messages.append(f"open case exists for {kdnr}")
        elif result.messages:
            result.status = "error"
        elif not dry_run:
            case_id = services.create_case(values)
            result.status, result.case_ref = "created", case_id.hex[:8]
        seen.add(kdnr)
        results.append(result)
    return results
