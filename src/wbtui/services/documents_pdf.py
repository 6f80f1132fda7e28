"""Documents as PDF (fpdf2): A4 pages with the office's letterhead, a Unicode TrueType font so every name
prints as written, tables that break across pages, page numbers, signature lines (services/documents.py
builds the neutral :class:`~wbtui.services.documents.Document`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from wbtui.domain.errors import WbtuiError
from wbtui.services.documents_model import Document, Section, Table

if TYPE_CHECKING:
    from fpdf.enums import XPos, YPos


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


class NextLine(TypedDict):
    """fpdf2's keywords that move to the start of the next line after a cell."""

    new_x: XPos
    new_y: YPos


def new_pdf(title: str, font: Path | None, everything: str, *, left: float, top: float, footer: str | None = None):
    """An A4 PDF set up for wbtui's documents and letters: margins (``left``, ``top`` = bottom, 20 mm right),
    the Unicode TrueType ``font`` in regular and bold, ``footer`` with page numbers on every page. Returns it
    with the font family to use. Without a Unicode font only Windows-1252 text can be printed: ``everything``
    (all text the PDF will hold) outside it is refused with the config key to set, never printed wrongly."""
    from fpdf import FPDF

    family = "body" if font is not None else "helvetica"

    class _Pdf(FPDF):
        def footer(self):
            if footer is None:
                return
            self.set_y(-13)
            self.set_font(family, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{footer} · Seite {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Pdf(format="A4", unit="mm")
    pdf.set_margins(left, top, 20)
    pdf.set_auto_page_break(True, margin=top)
    pdf.set_creator("wbtui")
    pdf.set_title(title)
    if font is not None:
        try:
            pdf.add_font("body", "", str(font))
            pdf.add_font("body", "B", str(_bold_variant(font) or font))
        except Exception:
            raise WbtuiError("err.pdf_font", path=str(font)) from None
    else:
        pdf.core_fonts_encoding = "windows-1252"
        try:
            everything.encode("cp1252")
        except UnicodeEncodeError:
            raise WbtuiError("err.pdf_needs_font") from None
    return pdf, family


def to_pdf(doc: Document, font: Path | None) -> bytes:
    """Render A4 pages with the document's title and page numbers in the footer (:func:`new_pdf`)."""
    from fpdf.enums import XPos, YPos

    everything = "\n".join(
        [doc.title, *doc.letterhead, *(f"{k}: {v}" for k, v in doc.meta), *doc.signatures]
        + [_section_text(s) for s in doc.sections]
    )
    pdf, family = new_pdf(doc.title, font, everything, left=20, top=18, footer=doc.title)
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw
    nl: NextLine = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

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
        if pdf.get_y() > pdf.h - pdf.b_margin - KEEP_WITH_NEXT:
            pdf.add_page()  # a heading never stands alone at the bottom of a page: it goes with its first lines
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
    for signer in doc.signatures:  # a line to sign on, the signer named under it
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.ln(12)
        pdf.set_font(family, "", 9.5)
        pdf.cell(width * 0.6, 5, "_" * 48, **nl)
        pdf.set_font(family, "", 8.5)
        pdf.multi_cell(width, 4.5, f"Ort, Datum, Unterschrift – {signer}", **nl)
    return bytes(pdf.output())


KEEP_WITH_NEXT = 30  # mm: a heading, a table's header row and its first rows


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
