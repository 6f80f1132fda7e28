"""What one synced field may hold (:mod:`wbtui.domain.entities` lists the fields of every entity): its kind,
allowed values and limits, and the check of one value as it travels.

Values are checked as they travel (JSON): dates ``JJJJ-MM-TT``, times ``JJJJ-MM-TT HH:MM:SS[.ffffff]``,
booleans ``true``/``false`` (or 0/1 from stores that predate typed values), ids 32 hex digits.
Text is checked for length and for control, bidi and invisible format characters (:mod:`wbtui.domain.text`),
in JSON keys (single-line) as well as values, at any depth; single-line text holds no TAB or line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from wbtui.domain.text import has_control

HEX32 = re.compile(r"^[0-9a-f]{32}$")
KLDB = re.compile(r"^\d{4}[1-4]$")
KUNDENNUMMER = re.compile(r"^\d{3}[A-Z]\d{6}$")
BG_NUMMER = re.compile(r"^\d{5}BG\d{7}$")
PHONE = re.compile(r"^[+0-9 ()/\-]{4,30}$")
EMAIL = re.compile(r"^[^@\s]{1,100}@[^@\s]{1,100}\.[^@\s]{1,20}$")
KURSNET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$")
OBSTACLE_CODE = re.compile(r"^[A-Z]-[A-Z0-9]{2,8}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d{2}:\d{2}|Z)?$")

MAX_JSON_DEPTH = 4
MAX_JSON_ITEMS = 200
MAX_JSON_TEXT = 65_536  # characters of one JSON value, all strings and keys together


@dataclass(frozen=True)
class Col:
    """One synced field: its kind, allowed values, limits, and whether a new row must carry it."""

    kind: str  # text | note | date | datetime | bool | int | choice | ref | choices | json | pattern
    choices: tuple[str, ...] = ()
    max_len: int = 200
    required: bool = False
    pattern: re.Pattern | None = None
    lo: int = 0
    hi: int = 10_000
    since: int = 1  # the sync schema version that introduced the field


def text(max_len: int = 200, *, required: bool = False) -> Col:
    return Col("text", max_len=max_len, required=required)


def note(max_len: int = 2000) -> Col:
    return Col("note", max_len=max_len)


def choice(values: tuple[str, ...], *, required: bool = False) -> Col:
    return Col("choice", choices=values, required=required)


def pattern(regex: re.Pattern, *, required: bool = False, since: int = 1) -> Col:
    return Col("pattern", pattern=regex, required=required, since=since)


DATE, DATETIME_COL, BOOL, REF = Col("date"), Col("datetime"), Col("bool"), Col("ref", required=True)


def check(col: Col, value: object) -> str | None:
    """Why ``value`` cannot be stored in a field of kind ``col`` (a reason code), or None when it can."""
    if value is None:
        return "required" if col.required else None
    kind = col.kind
    if kind in ("text", "note"):
        if not isinstance(value, str):
            return "type"
        if len(value) > col.max_len:
            return "too_long"
        if has_control(value, multiline=kind == "note"):  # a single-line text holds no TAB or line break either
            return "control_characters"
        if col.required and not value.strip():
            return "required"
        return None
    if kind == "pattern":
        return None if isinstance(value, str) and col.pattern is not None and col.pattern.match(value) else "format"
    if kind == "choice":
        return None if value in col.choices else "value"
    if kind == "choices":
        if not isinstance(value, list) or len(value) > len(col.choices) or any(v not in col.choices for v in value):
            return "value"
        return "required" if col.required and not value else None
    if kind == "ref":
        return None if isinstance(value, str) and HEX32.match(value) else "format"
    if kind == "bool":
        return None if isinstance(value, bool) or value in (0, 1) else "type"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "type"
        return None if col.lo <= value <= col.hi else "range"
    if kind == "date":
        return None if isinstance(value, str) and _is_date(value) else "format"
    if kind == "datetime":
        return None if isinstance(value, str) and _is_datetime(value) else "format"
    if kind == "json":
        return check_json(value)
    return "unknown_field"  # pragma: no cover - every kind is handled above


def check_json(value: object) -> str | None:
    """A JSON document from another device: bounded depth, size and item count; no control or bidi
    characters in any key or string value (they would reach a caseworker's terminal)."""
    budget = [MAX_JSON_TEXT]

    def walk(node: object, depth: int, *, key: bool = False) -> str | None:
        if depth > MAX_JSON_DEPTH:
            return "too_deep"
        if isinstance(node, str):
            budget[0] -= len(node)
            if budget[0] < 0:
                return "too_long"
            return "control_characters" if has_control(node, multiline=not key) else None  # a key is one line
        if isinstance(node, bool) or node is None:
            return None
        if isinstance(node, int):
            return None if -(10**15) <= node <= 10**15 else "range"
        if isinstance(node, float):
            return None if abs(node) <= 1e15 and node == node else "range"
        if isinstance(node, list):
            if len(node) > MAX_JSON_ITEMS:
                return "too_many"
            return next((r for item in node if (r := walk(item, depth + 1))), None)
        if isinstance(node, dict):
            if len(node) > MAX_JSON_ITEMS:
                return "too_many"
            for key, item in node.items():
                if not isinstance(key, str):
                    return "type"
                if reason := walk(key, depth + 1, key=True):
                    return reason
                if reason := walk(item, depth + 1):
                    return reason
            return None
        return "type"

    return walk(value, 0)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: str) -> bool:
    if not DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
