"""Plain ASCII on a VT100-class terminal, for every screen (README: ``TERM=vt100`` or ``WBTUI_ASCII=1``).

wbtui's own symbols have ASCII forms (widgets/glyphs.py), but most of what a screen shows is drawn by
Textual (borders, scroll bars, the key bar's ⏎) or comes from the catalogs and stored text („…“, –, ·).
So on such a terminal the app filters every line it sends, after layout: each symbol becomes ASCII of
the same width (box drawing ``+-|``, quotes ``"``, dashes ``-``, full blocks ``#``, half blocks a blank whose colour still shows), so no
column moves.
Letters stay as they are (umlauts, ß, names such as Şahin: the person's name is not a symbol), and so
does ``§`` (legal references: "§ 69 SGB X").
"""

from __future__ import annotations

import unicodedata

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

KEEP = frozenset("§")
# symbols with a chosen stand-in; everything else falls back by its Unicode name or to "?"
TABLE = {
    "…": ".", "·": "-", "•": "*", "✓": "+", "✗": "x", "✔": "+", "✘": "x", "▾": "v", "▴": "^",
    "→": ">", "←": "<", "↑": "^", "↓": "v", "⏎": "<", "⇥": ">", "⌫": "<", "⇅": "~",
    "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "«": '"', "»": '"', "‹": "<", "›": ">",
    "–": "-", "—": "-", "−": "-", "‐": "-", "\u00a0": " ", "\u202f": " ", "×": "x", "÷": "/",
    "▶": ">", "◀": "<", "▲": "^", "▼": "v", "►": ">", "◄": "<", "●": "*", "○": "o", "■": "#", "□": "#",
    "▏": "|", "▎": "|", "▍": "|", "▌": "|", "▐": "|", "▕": "|", "°": "o", "€": "E",
    "🔎": "> ", "🔍": "> ",
}  # fmt: skip


class _Ascii(dict):
    """A ``str.translate`` table that works out each character's stand-in once."""

    def __missing__(self, code: int) -> str:
        self[code] = out = _stand_in(chr(code))
        return out


def _stand_in(char: str) -> str:
    if char.isascii() or char in KEEP:
        return char
    if char in TABLE:
        return TABLE[char]
    category = unicodedata.category(char)
    if category[0] in "LMN" and category != "No":  # letters, marks, digits: the text itself
        return char
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        horizontal, vertical = "HORIZONTAL" in name, "VERTICAL" in name
        if horizontal and not vertical:
            return "-"
        if vertical and not horizontal:
            return "|"
        return "+"
    if name.startswith(("UPPER", "LOWER")) and "BLOCK" in name:
        return " "  # part of a scroll bar's thumb or a half-block border: the cell's colour still shows it
    if "BLOCK" in name or "SHADE" in name or name.startswith("QUADRANT"):
        return "#"
    ascii_form = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    if len(ascii_form) == 1:
        return ascii_form
    return "?" if unicodedata.east_asian_width(char) not in ("W", "F") else "??"


TRANSLATE = _Ascii()


def to_ascii(text: str) -> str:
    """``text`` as the ASCII filter sends it (same width)."""
    return text.translate(TRANSLATE)


class AsciiFilter(LineFilter):
    """Every rendered line with its symbols in ASCII (the app adds it on a VT100-class terminal)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment if segment.control or segment.text.isascii() else Segment(to_ascii(segment.text), segment.style)
            for segment in segments
        ]
