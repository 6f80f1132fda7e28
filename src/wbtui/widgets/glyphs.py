"""Symbols wbtui draws itself, with plain-ASCII stand-ins for terminals that cannot show them.

A VT100-class terminal (``TERM=vt100``, ``vt220``, ``dumb``) or ``WBTUI_ASCII=1`` gets the ASCII forms;
every other terminal the Unicode ones. Decided once per process (the terminal does not change under us).
"""

from __future__ import annotations

import functools
import os

UNICODE = {
    "ok": "✓",
    "no": "✗",
    "down": "▾",
    "arrow": "→",
    "sync": "⇅",
    "search": "🔎",
    "ellipsis": "…",
    "dot": "·",
    "unread": "•",
}
ASCII = {
    "ok": "+",
    "no": "x",
    "down": "v",
    "arrow": "->",
    "sync": "<>",
    "search": ">",
    "ellipsis": "...",
    "dot": "-",
    "unread": "*",
}
PLAIN_TERMS = ("vt50", "vt52", "vt100", "vt102", "vt220", "vt320", "dumb", "ansi")


@functools.cache
def ascii_only() -> bool:
    if os.environ.get("WBTUI_ASCII", "") not in ("", "0"):
        return True
    term = os.environ.get("TERM", "").lower()
    return any(term == name or term.startswith(name + "-") for name in PLAIN_TERMS)


def glyph(name: str) -> str:
    return (ASCII if ascii_only() else UNICODE)[name]


def plain(text: str) -> str:
    """``text`` with wbtui's own symbols replaced on an ASCII-only terminal (catalog texts carry a few)."""
    if not ascii_only():
        return text
    for name, symbol in UNICODE.items():
        text = text.replace(symbol, ASCII[name])
    return text
