"""Neutralise untrusted text before it is stored or shown.

Stored text is never interpreted as markup (README "Terminal safety"); this module
removes what markup-free rendering cannot: C0/C1 control characters (terminal
escape sequences), DEL, lone surrogates and bidi overrides.
"""

from __future__ import annotations

import re
from typing import Any

# C0 except TAB and LF, DEL, C1, lone surrogates, bidi embedding/override/isolate controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f\x80-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None, *, multiline: bool = False) -> str:
    """Return ``text`` without control characters; ``None`` becomes ``""``.

    Single-line fields also lose TAB and LF (replaced by a space).
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if multiline:
        return _CONTROL.sub("", text.replace("\r\n", "\n"))
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


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def clean_tree(value: Any) -> Any:
    """A JSON-like value with every string (keys too) cleaned as multi-line text: what leaves wbtui as JSON
    carries no control or bidi characters, whatever a store written by an older version holds."""
    if isinstance(value, str):
        return clean(value, multiline=True)
    if isinstance(value, dict):
        return {clean_tree(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_tree(v) for v in value]
    return value
