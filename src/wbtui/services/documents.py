"""Printable documents in German: Übergabebogen (handover sheet) and Fallkonferenz protocol.

A document is first built as a neutral ``Document`` (title, letterhead, sections of tables,
paragraphs and numbered lists) from what the handover package or the protocol holds — the
handover package is already restricted to the data groups the consent (or § 69 SGB X) allows.
It is then rendered as Markdown (every markup character escaped, so a name can never become a
link or a heading) or as PDF (fpdf2, with a Unicode TrueType font so every name prints as
written; control characters are stripped before either renderer sees the text).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from wbtui.domain.errors import WbtuiError
from wbtui.domain.text import clean

if TYPE_CHECKING:
    from fpdf.enums import XPos, YPos

# Every Markdown markup character, except a dot between two digits (dates stay readable: 01.02.2026).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~]|(?<!\d)\.|\.(?!\d))")
DASH = "–"


@dataclass
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    widths: tuple[float, ...]  # relative column widths for the PDF
    label_column: bool = False  # first column is our own label text, not stored data


Block = Table | str | list[str]  # a table, a paragraph or a numbered list


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    kind: str  # our own words, e.g. "Übergabebogen FbW"
    subject: str  # stored text, e.g. the office name
    letterhead: list[str]
    meta: list[tuple[str, str]]  # (our label, stored value)
    sections: list[Section]
    signature: str | None = None

    @property
    def title(self) -> str:
        return f"{self.kind} – {self.subject}"


def text(value) -> str:
    """Plain text of a stored value: control characters removed, empty shown as a dash."""
    if value is None or value == "":
        return DASH
    return clean(str(value)) or DASH


def _de_date(value) -> str:
    raw = str(value or "")
    if re.match(r"^\d{4}-\d{2}-\d{2}", raw):
        return f"{raw[8:10]}.{raw[5:7]}.{raw[0:4]}"
    return raw or DASH


def _yes_no(value):
    """Booleans and coded values in German (documents are German whatever the UI language)."""
    from wbtui.i18n import catalog

    if value is True:
        return "ja"
    if value is False:
        return "nein"
    if isinstance(value, str):
        return catalog("de").get(f"value.{value}", value)
    return value


PERSON_ROWS = (
    ("kundennummer", "Kundennummer"),
    ("bg_nummer", "BG-Nummer"),
    ("family_name", "Nachname"),
    ("given_names", "Vorname(n)"),
    ("birth_date", "Geburtsdatum"),
    ("address", "Anschrift"),
    ("phone", "Telefon"),
    ("email", "E-Mail"),
    ("preferred_language", "Sprache"),
    ("needs_interpreter", "Dolmetscher nötig"),
    ("german_level_cefr", "Deutschniveau (GER)"),
    ("school_certificate", "Schulabschluss"),
)
CASE_ROWS = (
    ("target_kldb", "Zielberuf (KldB 2010)"),
    ("target_title", "Zielberuf"),
    ("training_type", "Art der Weiterbildung"),
    ("schedule", "Vollzeit/Teilzeit"),
    ("earliest_start", "Frühester Beginn"),
    ("max_commute_km", "Max. Pendelweg (km)"),
    ("necessity_reason", "Notwendigkeit"),
    ("care_arranged", "Betreuung geregelt"),
    ("availability", "Terminwünsche"),
    ("legacy_jc_funded", "Altfall (JC-finanziert)"),
    ("health_limits_summary", "Gesundheitliche Einschränkungen (funktional)"),
)
_DATE_KEYS = {"birth_date", "earliest_start"}


def _status(status: str) -> str:
    from wbtui.i18n import catalog

    found = catalog("de").get(f"obst.{status}")  # a flat entry (only plural entries are tables)
    return found if isinstance(found, str) else text(status)


def _letterhead(config, name: str | None = None) -> list[str]:
    lines = [text(name or config.office_name)]
    if config.office_address:
        lines.append(text(config.office_address))
    if config.office_number:
        lines.append(f"Trägernummer {text(config.office_number)}")
    return lines


def handover_document(services, case_id: uuid.UUID) -> Document:
    from wbtui.services.exchange import build

    doc = build(services, case_id, action="print")
    office = doc["from_office"]
    basis = "Einwilligung (§ 67b SGB X)" if doc["legal_basis"] == "consent" else "§ 69 Abs. 1 Nr. 1 SGB X"
    meta = [
        ("An", text(doc.get("to_office"))),
        ("Ansprechperson", text(office.get("contact"))),
        ("Übergabe-Kennung", doc["handover_id"][:8]),
        ("Erstellt am", _de_date(date.today().isoformat())),
        ("Rechtsgrundlage", basis),
    ]
    person = Table(("Angabe", "Wert"), [], (1, 2), label_column=True)
    for key, label in PERSON_ROWS:
        value = doc["person"].get(key)
        person.rows.append((label, text(_de_date(value) if key in _DATE_KEYS else _yes_no(value))))
    need = Table(("Angabe", "Wert"), [], (1, 2), label_column=True)
    for key, label in CASE_ROWS:
        if key in doc["case"]:
            value = doc["case"][key]
            need.rows.append((label, text(_de_date(value) if key in _DATE_KEYS else _yes_no(value))))
    obstacles: list[Block]
    if doc["obstacles"]:
        obstacles = [
            Table(
                ("Code", "Hemmnis", "Stand"),
                [
                    (text(o["code"]), text(services.catalog.label(o["code"], "de")), _status(o["status"]))
                    for o in doc["obstacles"]
                ],
                (1, 4, 1.4),
            )
        ]
    else:
        obstacles = ["Keine."]
    return Document(
        kind="Übergabebogen FbW",
        subject=text(office["name"]),
        letterhead=_letterhead(services.config, office["name"]),
        meta=meta,
        sections=[
            Section("Person", [person]),
            Section("Weiterbildungsbedarf", [need]),
            Section("Hemmnisse (nur mit Einwilligung übermittelte Angaben)", obstacles),
        ],
        signature="Quittung der Agentur für Arbeit: Datum ______________  Name ____________________________",
    )


def conference_document(services, case_id: uuid.UUID) -> Document:
    from wbtui.i18n import t

    services.check_read(case_id)
    services.audit("print", "conference", case_id=case_id.hex, groups=["fallkonferenz"])
    con = services.store.raw()
    try:
        row = con.execute(
            "SELECT id, held_on, variant, with_person, organiser, agenda, decisions, dissent, next_review FROM conference"
            " WHERE case_id = ? ORDER BY held_on DESC, created_at DESC LIMIT 1",
            (case_id.hex,),
        ).fetchone()
        if row is None:
            raise WbtuiError("err.no_conference")
        participants = con.execute(
            "SELECT name, role, organisation FROM conference_participant WHERE conference_id = ?", (row[0],)
        ).fetchall()
        tasks = con.execute(
            "SELECT title, owner, due_on FROM task WHERE conference_id = ? ORDER BY due_on", (row[0],)
        ).fetchall()
        kdnr = con.execute(
            "SELECT p.kundennummer FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE c.id = ?", (case_id.hex,)
        ).fetchone()[0]
    finally:
        con.close()
    variant = {
        "fallbesprechung": "Fallbesprechung JC–AA (ohne Person)",
        "ohne_person": "Fallkonferenz ohne Person (mit Einwilligung)",
        "mit_person": "Fallkonferenz mit der Person (mit Einwilligung)",
    }[row[2]]
    return Document(
        kind="Protokoll Fallkonferenz",
        subject=text(services.config.office_name),
        letterhead=_letterhead(services.config),
        meta=[
            ("Datum", _de_date(row[1])),
            ("Art", variant),
            ("Organisation", text(row[4])),
            ("Kundennummer", text(kdnr)),
        ],
        sections=[
            Section(
                "Teilnehmende",
                [
                    Table(
                        ("Name", "Rolle", "Organisation"),
                        [tuple(text(v) for v in p) for p in participants],
                        (2, 1.2, 2),
                    )
                ],
            ),
            Section("Tagesordnung", [[text(t("tui.agenda." + item)) for item in json.loads(row[5])]]),
            Section(
                "Entscheidungen und Wiedervorlagen",
                [
                    Table(
                        ("Entscheidung", "verantwortlich", "fällig"),
                        [(text(t("tui.decision." + title)), text(owner), _de_date(due)) for title, owner, due in tasks],
                        (3, 1.5, 1),
                    )
                ],
            ),
            Section("Abweichende Meinungen", [text(row[7])]),
            Section("Nächster Prüftermin", [_de_date(row[8])]),
        ],
        signature="Protokoll geführt von: ____________________________  Datum ______________",
    )


# --- Markdown ----------------------------------------------------------------------------------


def _md_line(plain: str) -> str:
    return plain if plain == DASH else _MD_SPECIAL.sub(r"\\\1", plain)


def to_markdown(doc: Document) -> str:
    lines = [f"# {doc.kind} – {_md_line(doc.subject)}", ""]
    lines += [f"{_md_line(item)}  " for item in doc.letterhead[1:]]
    lines += [f"{label}: {_md_line(value)}  " for label, value in doc.meta]
    for section in doc.sections:
        lines += ["", f"## {_md_line(section.heading)}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                lines.append("| " + " | ".join(block.headers) + " |")
                lines.append("|" + "---|" * len(block.headers))
                for row in block.rows:
                    cells = [cell if block.label_column and i == 0 else _md_line(cell) for i, cell in enumerate(row)]
                    lines.append("| " + " | ".join(cells) + " |")
            elif isinstance(block, list):
                lines += [f"{i}. {_md_line(item)}" for i, item in enumerate(block, 1)]
            else:
                lines.append(_md_line(block))
    if doc.signature:
        lines += ["", "---", "", doc.signature]
    lines.append("")
    return "\n".join(lines)


# --- PDF -----------------------------------------------------------------------------------------

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


def find_font(configured: str | None) -> Path | None:
    """The TrueType font for PDFs: the configured one, else a common Unicode system font."""
    if configured:
        return Path(configured)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _bold_variant(regular: Path) -> Path | None:
    for name in (regular.name.replace("-Regular", "-Bold"), regular.stem + "-Bold" + regular.suffix):
        candidate = regular.with_name(name)
        if candidate != regular and candidate.is_file():
            return candidate
    return None


class _NextLine(TypedDict):
    """fpdf2's keywords that move to the start of the next line after a cell."""

    new_x: XPos
    new_y: YPos


def to_pdf(doc: Document, font: Path | None) -> bytes:
    """Render A4 pages. Without a Unicode font only Windows-1252 text can be printed; anything else is
    refused with the config key to set, never printed wrongly."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    footer_title = doc.title
    family = "body" if font is not None else "helvetica"

    class _Pdf(FPDF):
        def footer(self):
            self.set_y(-13)
            self.set_font(family, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{footer_title} · Seite {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Pdf(format="A4", unit="mm")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_creator("wbtui")
    pdf.set_title(doc.title)
    if font is not None:
        try:
            pdf.add_font("body", "", str(font))
            pdf.add_font("body", "B", str(_bold_variant(font) or font))
        except Exception:
            raise WbtuiError("err.pdf_font", path=str(font)) from None
    else:
        pdf.core_fonts_encoding = "windows-1252"
        everything = "\n".join(
            [doc.title, *doc.letterhead, *(f"{k}: {v}" for k, v in doc.meta), doc.signature or ""]
            + [_section_text(s) for s in doc.sections]
        )
        try:
            everything.encode("cp1252")
        except UnicodeEncodeError:
            raise WbtuiError("err.pdf_needs_font") from None
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw
    nl: _NextLine = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

    pdf.set_font(family, "", 9)
    for line in doc.letterhead:
        pdf.cell(width, 4.5, line, align="R", **nl)
    pdf.ln(4)
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(width, 7, doc.title, **nl)
    pdf.ln(1)
    pdf.set_font(family, "", 9.5)
    for label, value in doc.meta:
        pdf.multi_cell(width, 5, f"{label}: {value}", **nl)
    for section in doc.sections:
        pdf.ln(4)
        pdf.set_font(family, "B", 11.5)
        pdf.multi_cell(width, 6, section.heading, **nl)
        pdf.set_font(family, "", 9.5)
        for block in section.blocks:
            if isinstance(block, Table):
                _pdf_table(pdf, family, block, width)
            elif isinstance(block, list):
                for i, item in enumerate(block, 1):
                    pdf.multi_cell(width, 5, f"{i}. {item}", **nl)
            else:
                pdf.multi_cell(width, 5, block, **nl)
    if doc.signature:
        pdf.ln(10)
        pdf.set_font(family, "", 9.5)
        pdf.multi_cell(width, 5, doc.signature, **nl)
    return bytes(pdf.output())


def _section_text(section: Section) -> str:
    parts = [section.heading]
    for block in section.blocks:
        if isinstance(block, Table):
            parts += list(block.headers) + [cell for row in block.rows for cell in row]
        elif isinstance(block, list):
            parts += block
        else:
            parts.append(block)
    return "\n".join(parts)


def _pdf_table(pdf, family: str, table: Table, width: float) -> None:
    total = sum(table.widths)
    with pdf.table(
        col_widths=tuple(w / total * width for w in table.widths),
        width=width,
        line_height=5,
        text_align="LEFT",
        first_row_as_headings=True,
        headings_style=_headings(family),
    ) as grid:
        head = grid.row()
        for cell in table.headers:
            head.cell(cell)
        for row in table.rows:
            out = grid.row()
            for cell in row:
                out.cell(cell)


def _headings(family: str):
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD", fill_color=(230, 230, 230))


# --- entry points ----------------------------------------------------------------------------------


def handover_sheet(services, case_id: uuid.UUID) -> str:
    return to_markdown(handover_document(services, case_id))


def conference_protocol(services, case_id: uuid.UUID) -> str:
    return to_markdown(conference_document(services, case_id))


FORMATS = ("md", "pdf")


def render(services, case_id: uuid.UUID, *, kind: str, fmt: str) -> str | bytes:
    """One document as Markdown text or PDF bytes; ``kind`` is "handover" or "conference"."""
    doc = conference_document(services, case_id) if kind == "conference" else handover_document(services, case_id)
    if fmt == "pdf":
        return to_pdf(doc, find_font(services.config.document_font))
    return to_markdown(doc)


def save(services, case_id: uuid.UUID, *, kind: str, target: Path, overwrite: bool = False) -> Path:
    """Render a document and write it (0600; PDF, or Markdown for a ``.md`` name). A document written
    into wbtui's documents folder is registered, so retention removes it with its case (README "Data
    protection"); what a user saves elsewhere is theirs to keep or delete."""
    from datetime import UTC, datetime

    from wbtui.paths import documents_dir
    from wbtui.services.exchange import write_text

    target = Path(target).expanduser()
    fmt = "md" if target.suffix.lower() == ".md" else "pdf"
    path = write_text(render(services, case_id, kind=kind, fmt=fmt), target, overwrite=overwrite)
    folder = documents_dir().resolve()
    resolved = path.resolve()
    if resolved.parent == folder or folder in resolved.parents:
        with services.store.transaction() as con:
            con.execute(
                "INSERT INTO document_file (path, case_id, kind, written_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(path) DO UPDATE SET case_id = excluded.case_id, kind = excluded.kind,"
                " written_at = excluded.written_at",
                (str(resolved), case_id.hex, kind, datetime.now(UTC).isoformat(timespec="seconds")),
            )
    return path
