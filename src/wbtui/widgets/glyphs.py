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


# Textual's key names (as its get_key_display shows them) -> catalog key of the name on a German keyboard;
# symbols Textual draws itself get an ASCII name on a plain terminal
KEY_NAMES = {
    "space": "ux.keyname.space",
    "delete": "ux.keyname.delete",
    "del": "ux.keyname.delete",
    "home": "ux.keyname.home",
    "end": "ux.keyname.end",
    "pgup": "ux.keyname.pageup",
    "pageup": "ux.keyname.pageup",
    "pgdn": "ux.keyname.pagedown",
    "pagedown": "ux.keyname.pagedown",
    "insert": "ux.keyname.insert",
    "ins": "ux.keyname.insert",
    "shift": "ux.keyname.shift",
    "ctrl": "ux.keyname.ctrl",
    "alt": "ux.keyname.alt",
}
ASCII_KEYS = {
    "⏎": "Enter",
    "↑": "ux.keyname.up",
    "↓": "ux.keyname.down",
    "←": "ux.keyname.left",
    "→": "ux.keyname.right",
    "⌫": "ux.keyname.backspace",
    "⇥": "Tab",
}


def key_name(shown: str, *, last: bool = False) -> str:
    """One part of a key as Textual shows it, named as on a German keyboard (catalog ``ux.keyname.*``)."""
    from wbtui.i18n import has, t

    if shown in ("esc", "escape"):
        return "Esc"
    if shown == "tab":
        return "Tab"
    if last and shown[:1] == "f" and shown[1:].isdigit():
        return shown.upper()
    if shown in KEY_NAMES:
        key = KEY_NAMES[shown]
        return t(key + "_plain") if ascii_only() and has(key + "_plain") else t(key)
    if ascii_only() and shown in ASCII_KEYS:
        name = ASCII_KEYS[shown]
        return t(name) if name.startswith("ux.") else name
    return shown
