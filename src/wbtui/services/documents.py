"""Printable documents in German: Übergabebogen (handover sheet) and Fallkonferenz protocol.

A document is first built as a neutral ``Document`` (:mod:`wbtui.services.documents_model`: title, letterhead, sections of tables,
paragraphs and numbered lists, signature lines) — the Übergabebogen by
:mod:`wbtui.services.documents_handover` from what the handover package holds (already restricted to
the data groups the consent or the statute allows), the protocol by
:mod:`wbtui.services.documents_protocol`. It is then rendered as Markdown (here: readable text, with
only what would turn into markup escaped, so a name can never become a link, a heading or a list) or
as PDF (:mod:`wbtui.services.documents_pdf`; control characters are stripped before either renderer
sees the text).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from wbtui.services.documents_model import DASH, Document, Table

# Markdown: characters that make markup anywhere in a line (emphasis, code, links, HTML, tables) ...
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# ... and what makes a heading, a quote, a list or a rule only at the start of a line
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)](?=\s|$))", re.M)


# --- Markdown ----------------------------------------------------------------------------------


def _md_line(plain: str, *, line_start: bool = False) -> str:
    """Stored text as Markdown that reads as written: ordinary punctuation (dots, dashes, brackets of
    words) stays, only what would become markup is escaped — inline markup everywhere, headings, quotes
    and list marks where the text begins a line (``line_start``) or after a line break."""
    if plain == DASH:
        return plain
    escaped = _MD_INLINE.sub(r"\\\1", plain)
    if not line_start:
        first, sep, rest = escaped.partition("\n")
        return first + sep + _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), rest) if sep else first
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def to_markdown(doc: Document) -> str:
    lines = [f"# {doc.kind} – {_md_line(doc.subject)}", ""]
    lines += [f"{_md_line(item, line_start=True)}  " for item in doc.letterhead[1:]]
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
                lines.append(_md_line(block, line_start=True))
    for signer in doc.signatures:
        lines += ["", "", "_______________________________________  ", f"Ort, Datum, Unterschrift – {_md_line(signer)}"]
    lines.append("")
    return "\n".join(lines)


# --- entry points ----------------------------------------------------------------------------------


def handover_document(services, case_id: uuid.UUID) -> Document:
    from wbtui.services.documents_handover import handover_document as build

    return build(services, case_id)


def conference_document(services, case_id: uuid.UUID) -> Document:
    from wbtui.services.documents_protocol import conference_document as build

    return build(services, case_id)


def to_pdf(doc: Document, font: Path | None) -> bytes:
    from wbtui.services.documents_pdf import to_pdf as render_pdf

    return render_pdf(doc, font)


def find_font(configured: str | None) -> Path | None:
    from wbtui.services.documents_pdf import find_font as find

    return find(configured)


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
    """Render a document and write it (0600; PDF, or Markdown for a ``.md`` name; :func:`write`)."""
    target = Path(target).expanduser()
    fmt = "md" if target.suffix.lower() == ".md" else "pdf"
    return write(services, render(services, case_id, kind=kind, fmt=fmt), target, case_id.hex, kind, overwrite)


def write(services, content: str | bytes, target: Path, case_id: str, kind: str, overwrite: bool = False) -> Path:
    """Write a document of the case ``case_id`` (hex) to ``target`` (0600). One written into wbtui's
    documents folder is registered, so retention removes it with its case (README "Data protection");
    what a user saves elsewhere is theirs to keep or delete."""
    from datetime import UTC, datetime

    from wbtui.paths import documents_dir
    from wbtui.services.exchange import write_text

    path = write_text(content, Path(target).expanduser(), overwrite=overwrite)
    folder = documents_dir().resolve()
    resolved = path.resolve()
    if resolved.parent == folder or folder in resolved.parents:
        with services.store.transaction() as con:
            con.execute(
                "INSERT INTO document_file (path, case_id, kind, written_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(path) DO UPDATE SET case_id = excluded.case_id, kind = excluded.kind,"
                " written_at = excluded.written_at",
                (str(resolved), case_id, kind, datetime.now(UTC).isoformat(timespec="seconds")),
            )
    return path
