"""The neutral printable document (:mod:`wbtui.services.documents`): title, letterhead, sections of tables,
paragraphs and numbered lists, signature lines; and how stored values read in it (German whatever the UI
language, control characters removed, empty shown as a dash). The Übergabebogen, the protocol and the
invitation letters are built from these pieces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wbtui.domain.text import clean

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
    signatures: list[str] = field(default_factory=list)  # one signature line for each, named under it

    @property
    def title(self) -> str:
        return f"{self.kind} – {self.subject}"


def text(value) -> str:
    """Plain text of a stored value: control characters removed, empty shown as a dash."""
    if value is None or value == "":
        return DASH
    return clean(str(value)) or DASH


def de_date(value) -> str:
    raw = str(value or "")
    if re.match(r"^\d{4}-\d{2}-\d{2}", raw):
        return f"{raw[8:10]}.{raw[5:7]}.{raw[0:4]}"
    return raw or DASH


def yes_no(value):
    """Booleans and coded values in German (documents are German whatever the UI language)."""
    from wbtui.i18n import catalog

    if value is True:
        return "ja"
    if value is False:
        return "nein"
    if isinstance(value, str):
        return catalog("de").get(f"value.{value}", value)
    return value


def de_datetime(value) -> str:
    """A stored timestamp (UTC) as TT.MM.JJJJ HH:MM Uhr in the office's local time."""
    from datetime import UTC, datetime

    if not isinstance(value, datetime):
        return de_date(value)
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone()
    return local.strftime("%d.%m.%Y %H:%M Uhr")


def letterhead(config, name: str | None = None) -> list[str]:
    lines = [text(name or config.office_name)]
    if config.office_address:
        lines.append(text(config.office_address))
    if config.office_phone:
        lines.append(f"Telefon {text(config.office_phone)}")
    if config.office_mailbox:
        lines.append(text(config.office_mailbox))
    if config.office_number:
        lines.append(f"Trägernummer {text(config.office_number)}")
    return lines
