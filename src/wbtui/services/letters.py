"""Invitation letters (Einladung) to a counselling appointment or a case conference, as PDF with the
office's letterhead (README "Letters").

The text is plain German an office can adapt: a file ``einladung-<art>.txt`` in the folder of the
configuration file (``einladung-beratung.txt``, ``einladung-fallkonferenz.txt``, ``einladung-absolvent.txt``)
replaces the built-in text. Its first line is the subject, the rest the body; ``$name``-style
placeholders are filled in (:data:`PLACEHOLDERS`), unknown ones stay as written. A template is text,
never markup or code (``string.Template``): nothing in it is run, and control characters are removed from
the template and every value.
"""

from __future__ import annotations

import string
import uuid
from datetime import UTC, datetime
from pathlib import Path

from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.text import clean

TEMPLATE_FILES = {
    "aa_beratung": "einladung-beratung.txt",
    "fallkonferenz": "einladung-fallkonferenz.txt",
    "absolventengespraech": "einladung-absolvent.txt",
}
MAX_TEMPLATE = 20_000
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
PLACEHOLDERS = (
    "anrede", "name", "vorname", "nachname", "kundennummer", "datum", "wochentag", "uhrzeit", "ort",
    "gespraechspartner", "dauer", "dienststelle", "absender", "heute",
)  # fmt: skip

_BERATUNG = """Einladung zum Beratungsgespräch
$anrede

wir laden Sie zu einem Gespräch über eine berufliche Weiterbildung ein.

Wann: $wochentag, $datum, um $uhrzeit Uhr
Wo: $ort
Mit wem: $gespraechspartner

Im Gespräch klären wir gemeinsam, welche Weiterbildung zu Ihnen passt und wie wir Sie dabei unterstützen.

Bitte bringen Sie mit:
- diesen Brief
- Ihren Personalausweis oder Pass
- Zeugnisse und Nachweise über Ihre Ausbildung und Arbeit, wenn Sie welche haben

Sie können den Termin nicht wahrnehmen? Bitte sagen Sie uns vorher Bescheid. Dann vereinbaren wir einen neuen Termin.

Wenn Sie einen Dolmetscher brauchen, sagen Sie uns bitte vorher Bescheid.

Mit freundlichen Grüßen
$absender
$dienststelle"""

_KONFERENZ = """Einladung zur Fallkonferenz
$anrede

wir laden Sie zu einem gemeinsamen Gespräch ein. Dabei sind Fachleute, die Sie auf Ihrem Weg in eine Weiterbildung unterstützen.

Wann: $wochentag, $datum, um $uhrzeit Uhr
Wo: $ort
Wer nimmt teil: $gespraechspartner

Wir sprechen darüber, wie es für Sie weitergeht und wer was übernimmt. Ihre Meinung ist uns wichtig.

Nur Fachleute, denen Sie es erlaubt haben, erfahren etwas über Sie. Sie können Ihre Einwilligung jederzeit widerrufen.

Sie können den Termin nicht wahrnehmen? Bitte sagen Sie uns vorher Bescheid.

Mit freundlichen Grüßen
$absender
$dienststelle"""

_ABSOLVENT = """Einladung zum Gespräch nach Ihrer Weiterbildung
$anrede

Sie haben Ihre Weiterbildung beendet. Wir möchten mit Ihnen besprechen, wie es jetzt weitergeht.

Wann: $wochentag, $datum, um $uhrzeit Uhr
Wo: $ort
Mit wem: $gespraechspartner

Bitte bringen Sie Ihr Zeugnis oder Ihre Teilnahmebescheinigung mit.

Sie können den Termin nicht wahrnehmen? Bitte sagen Sie uns vorher Bescheid.

Mit freundlichen Grüßen
$absender
$dienststelle"""

BUILTIN = {"aa_beratung": _BERATUNG, "fallkonferenz": _KONFERENZ, "absolventengespraech": _ABSOLVENT}


def template_for(config, kind: str) -> str:
    """The office's template for ``kind`` from its configuration folder, else the built-in one."""
    folder = Path(config.source).parent if getattr(config, "source", None) else None
    if folder is not None:
        path = folder / TEMPLATE_FILES[kind]
        if path.is_file():
            try:
                raw = path.read_text(encoding="utf-8")[:MAX_TEMPLATE]
            except (OSError, UnicodeDecodeError) as exc:
                raise WbtuiError("err.letter_template", path=str(path), detail=type(exc).__name__) from None
            text = clean(raw, multiline=True)
            if text.strip():
                return text
    return BUILTIN[kind]


def _local(value) -> datetime:
    """A stored time (UTC) in the office's local time, as the CLI and the TUI show it."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def values_for(services, appt: dict, person: dict) -> dict[str, str]:
    when = _local(appt["starts_at"])
    cfg = services.config
    given, family = clean(person.get("given_names") or ""), clean(person.get("family_name") or "")
    return {
        "anrede": f"Guten Tag {given} {family},".replace("  ", " "),
        "name": f"{given} {family}".strip(),
        "vorname": given,
        "nachname": family,
        "kundennummer": clean(person.get("kundennummer") or ""),
        "datum": f"{when:%d.%m.%Y}",
        "wochentag": WEEKDAYS[when.weekday()],
        "uhrzeit": f"{when:%H:%M}",
        "ort": clean(appt.get("location") or "") or clean(cfg.office_address or cfg.office_name or ""),
        "gespraechspartner": clean(appt.get("with_whom") or "") or clean(services.actor.name or ""),
        "dauer": str(appt.get("duration_minutes") or 60),
        "dienststelle": clean(cfg.office_name or ""),
        "absender": clean(services.actor.name or ""),
        "heute": f"{services.today():%d.%m.%Y}",
    }


def invitation(services, appointment_id: uuid.UUID) -> tuple[str, list[str], str]:
    """(subject, body lines, case id hex) of the invitation to a planned appointment (read and audited)."""
    con = services.store.raw()
    try:
        cur = con.execute("SELECT * FROM appointment WHERE id = ?", (appointment_id.hex,))
        row = cur.fetchone()
        if row is None:
            raise NotFound("err.appt_not_found", ref=appointment_id.hex[:8])
        appt = dict(zip([d[0] for d in cur.description], row))
        cur = con.execute(
            "SELECT p.* FROM person p JOIN fbw_case c ON c.person_id = p.id WHERE c.id = ?", (appt["case_id"],)
        )
        person = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    finally:
        con.close()
    case_id = uuid.UUID(appt["case_id"])
    services.check_read(case_id)
    if appt["kind"] not in TEMPLATE_FILES:
        raise WbtuiError("err.letter_kind")
    if appt["status"] != "geplant":
        raise WbtuiError("err.letter_not_planned")
    services.audit("print", "appointment", case_id=case_id.hex, groups=["stammdaten", "beratung"])
    text = string.Template(template_for(services.config, appt["kind"])).safe_substitute(
        values_for(services, appt, person)
    )
    lines = text.split("\n")
    return lines[0].strip(), lines[1:], case_id.hex


def to_pdf(services, subject: str, body: list[str], address: list[str]) -> bytes:
    """A4 letter: the office's letterhead on the right, the person's address window on the left."""
    from fpdf.enums import XPos, YPos

    from wbtui.services.documents_model import letterhead
    from wbtui.services.documents_pdf import NextLine, find_font, new_pdf

    head = letterhead(services.config)
    everything = "\n".join([subject, *body, *address, *head])
    pdf, family = new_pdf(subject, find_font(services.config.document_font), everything, left=25, top=20)
    pdf.add_page()
    width = pdf.epw
    nl: NextLine = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    pdf.set_font(family, "B", 11)
    pdf.cell(width, 5.5, head[0], align="R", **nl)
    pdf.set_font(family, "", 9)
    for line in head[1:]:
        pdf.cell(width, 4.5, line, align="R", **nl)
    pdf.set_y(50)  # the address window of a DIN 5008 letter
    pdf.set_font(family, "", 10.5)
    for line in address:
        pdf.cell(85, 5, line, **nl)
    pdf.set_y(95)
    pdf.cell(width, 5, f"{services.today():%d.%m.%Y}", align="R", **nl)
    pdf.ln(4)
    pdf.set_font(family, "B", 13)
    pdf.multi_cell(width, 6.5, subject, **nl)
    pdf.ln(3)
    pdf.set_font(family, "", 11)
    for line in body:
        if line.strip():
            pdf.multi_cell(width, 5.8, line, align="L", **nl)
        else:
            pdf.ln(3.5)
    return bytes(pdf.output())


def render_invitation(services, appointment_id: uuid.UUID) -> bytes:
    subject, body, case_id = invitation(services, appointment_id)
    return to_pdf(services, subject, body, _address(services, case_id))


def invitation_markdown(services, appointment_id: uuid.UUID) -> str:
    """The invitation as Markdown, as the other documents offer it for a ``.md`` name."""
    subject, body, case_id = invitation(services, appointment_id)
    return to_markdown(services, subject, body, _address(services, case_id))


def _address(services, case_id: str) -> list[str]:
    """The address window: the person's name, then the parts of the address."""
    con = services.store.raw()
    try:
        row = con.execute(
            "SELECT p.given_names, p.family_name, p.address FROM person p JOIN fbw_case c ON c.person_id = p.id"
            " WHERE c.id = ?",
            (case_id,),
        ).fetchone()
    finally:
        con.close()
    return [clean(f"{row[0]} {row[1]}")] + [clean(part) for part in (row[2] or "").split(",") if part.strip()]


def to_markdown(services, subject: str, body: list[str], address: list[str]) -> str:
    """The letter as Markdown that reads as written: every line of the text kept as its own line (a hard
    break), nothing of a name or a template turned into markup."""
    from wbtui.services.documents import _md_line
    from wbtui.services.documents_model import letterhead

    def block(lines: list[str]) -> list[str]:
        return [f"{_md_line(line.strip(), line_start=True)}  " if line.strip() else "" for line in lines]

    head = letterhead(services.config)
    out = [f"# {_md_line(subject)}", "", *block(head), "", *block(address), "", f"{services.today():%d.%m.%Y}", ""]
    return "\n".join([*out, *block(body)]).rstrip() + "\n"


def save_invitation(services, appointment_id: uuid.UUID, target: Path, *, overwrite: bool = False) -> Path:
    """Write the invitation (0600): PDF, or Markdown for a ``.md`` name as every document (a letter named
    ``.md`` holding PDF bytes is of no use); in wbtui's documents folder it is registered for retention
    (:func:`wbtui.services.documents.write`)."""
    from wbtui.services.documents import write

    target = Path(target).expanduser()
    markdown = target.suffix.lower() == ".md"
    content = invitation_markdown(services, appointment_id) if markdown else render_invitation(services, appointment_id)
    con = services.store.raw()
    try:
        case_id = con.execute("SELECT case_id FROM appointment WHERE id = ?", (appointment_id.hex,)).fetchone()[0]
    finally:
        con.close()
    return write(services, content, target, case_id, "invitation", overwrite)
