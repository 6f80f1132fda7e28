"""Neutralise untrusted text before it is stored or shown.

Stored text is never interpreted as markup (README "Terminal safety"); this module
removes what markup-free rendering cannot: C0/C1 control characters (terminal
escape sequences), DEL, lone surrogates, every invisible format character (Unicode
category Cf: the Bidi_Control characters that reorder what a reader sees, zero-width
spaces and joiners, the byte-order mark, tag characters that carry invisible text)
and the line/paragraph separators U+2028/U+2029.

One set for every entry and exit: the server refuses a value that holds one
(:func:`has_control`, via :mod:`wbtui.domain.columns`), the devices clean what they
take in and what they show (:func:`clean`, :func:`clean_tree`).

The soft hyphen U+00AD is removed as well: it is only a hyphenation hint, a terminal
draws no hyphenation (some draw it as a visible ``-`` mid-word, others as nothing and
shift the columns), and a name holding one looks like, but does not match, the same
name without it (search, a person taken in twice). German text loses nothing by it.
"""

from __future__ import annotations

import re
from typing import Any

# Category Cf (Unicode 15): soft hyphen, Arabic number signs, ALM, Syriac/Arabic marks, Mongolian vowel
# separator, ZWSP/ZWNJ/ZWJ/LRM/RLM, LRE-RLO, word joiner and invisible operators, LRI-PDI and the deprecated
# format controls, BOM/ZWNBSP, interlinear annotation, Kaithi/Egyptian/shorthand/musical format controls, tags.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_C0_C1 = "\x00-\x08\x0b-\x1f\x7f\x80-\x9f\ud800-\udfff"  # C0 except TAB and LF, DEL, C1, lone surrogates
_SEPARATORS = "\u2028\u2029"  # LINE SEPARATOR, PARAGRAPH SEPARATOR: line breaks a terminal does not expect

_FORMAT_RE = re.compile(f"[{_FORMAT}]")
_SEPARATOR_RE = re.compile(f"[{_SEPARATORS}]")
_CONTROL = re.compile(f"[{_C0_C1}{_FORMAT}{_SEPARATORS}]")  # what multi-line text may not hold
_CONTROL_SINGLE_LINE = re.compile(f"[\t\n{_C0_C1}{_FORMAT}{_SEPARATORS}]")  # ... nor single-line text


def clean(text: str | None, *, multiline: bool = False) -> str:
    """Return ``text`` without control and invisible format characters; ``None`` becomes ``""``.

    Format characters go without a trace (``Mül\u200bler`` is ``Müller``); U+2028/U+2029 become a line
    break. Single-line fields also lose TAB and line breaks (replaced by a space) and surrounding blanks.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = _FORMAT_RE.sub("", text)
    if multiline:
        return _CONTROL.sub("", _SEPARATOR_RE.sub("\n", text.replace("\r\n", "\n")))
    return _CONTROL_SINGLE_LINE.sub(" ", text.replace("\r\n", " ")).strip()


def strip_controls(text: str) -> str:
    """Remove control characters only (no trimming): for values still being typed."""
    return _CONTROL_SINGLE_LINE.sub("", text)


def clean_opt(text: str | None, *, multiline: bool = False) -> str | None:
    """Like :func:`clean` but keeps ``None`` and turns blank text into ``None``."""
    if text is None:
        return None
    out = clean(text, multiline=multiline)
    return out or None


# bound searches for the compiled checkers (domain/columns.py): one C-level scan per value, no call in between
find_control = _CONTROL.search
find_control_single_line = _CONTROL_SINGLE_LINE.search


def has_control(text: str, *, multiline: bool = True) -> bool:
    """Whether ``text`` holds a character :func:`clean` removes (single-line: TAB and line breaks too)."""
    return bool((_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(text))


def clean_tree(value: Any) -> Any:
    """A JSON-like value with every string cleaned: keys as single-line text, values as multi-line text.
    What leaves wbtui as JSON, and what a device takes in from the server, carries no control, bidi or
    invisible characters, whatever a store or a server written by an older version holds."""
    if isinstance(value, str):
        return clean(value, multiline=True)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_tree(v) for v in value]
    return value
