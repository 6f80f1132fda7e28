"""What one synced field may hold (:mod:`wbtui.domain.entities` lists the fields of every entity): its kind,
allowed values and limits, and the check of one value as it travels.

Values are checked as they travel (JSON): dates ``JJJJ-MM-TT``, times ``JJJJ-MM-TT HH:MM:SS[.ffffff]``,
booleans ``true``/``false`` (or 0/1 from stores that predate typed values), ids 32 hex digits.
Text is checked for length and for control, bidi and invisible format characters (:mod:`wbtui.domain.text`),
in JSON keys (single-line) as well as values, at any depth; single-line text holds no TAB or line break.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from wbtui.domain.text import clean, clean_tree, find_control, find_control_single_line, has_control

# Every pattern is anchored with \Z (``$`` also matches before a final line break) and takes ASCII
# digits only (``\d`` takes full-width and Arabic-Indic digits, so "１００A０００００２" would slip past the
# Kundennummer's uniqueness): an attacker found both (tests/server/test_attack2_values.py).
HEX32 = re.compile(r"[0-9a-f]{32}\Z")
KLDB = re.compile(r"[0-9]{4}[1-4]\Z")
KUNDENNUMMER = re.compile(r"[0-9]{3}[A-Z][0-9]{6}\Z")
BG_NUMMER = re.compile(r"[0-9]{5}BG[0-9]{7}\Z")
PHONE = re.compile(r"[+0-9 ()/\-]{4,30}\Z")
EMAIL = re.compile(r"[^@\s]{1,100}@[^@\s]{1,100}\.[^@\s]{1,20}\Z", re.ASCII)
KURSNET = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,39}\Z")
OBSTACLE_CODE = re.compile(r"[A-Z]-[A-Z0-9]{2,8}\Z")
# A time travels as the devices write it (sync/protocol.to_wire): UTC without an offset. An offset made the
# server compare an aware with a naive time (HTTP 500 on every later push of the device).
DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\Z")
DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

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
    listed: Callable[[str], bool] | None = None  # a pattern's value must also be in this catalogue (KldB 2010)


def text(max_len: int = 200, *, required: bool = False) -> Col:
    return Col("text", max_len=max_len, required=required)


def note(max_len: int = 2000) -> Col:
    return Col("note", max_len=max_len)


def choice(values: tuple[str, ...], *, required: bool = False) -> Col:
    return Col("choice", choices=values, required=required)


def pattern(
    regex: re.Pattern, *, required: bool = False, since: int = 1, listed: Callable[[str], bool] | None = None
) -> Col:
    return Col("pattern", pattern=regex, required=required, since=since, listed=listed)


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
        if not isinstance(value, str) or col.pattern is None:
            return "format"
        if has_control(value, multiline=False):  # an e-mail's "anything but @ and blanks" takes ESC too
            return "control_characters"
        if not col.pattern.match(value):
            return "format"
        return "value" if col.listed is not None and not col.listed(value) else None
    if kind == "choice":
        return None if value in col.choices else "value"
    if kind == "choices":
        if not isinstance(value, list) or len(value) > len(col.choices) or any(v not in col.choices for v in value):
            return "value"
        return "required" if col.required and not value else None
    if kind == "ref":
        return None if isinstance(value, str) and HEX32.match(value) else "format"
    if kind == "bool":
        # 0/1 from stores that predate typed values, but no 1.0 (it equals 1)
        return None if isinstance(value, bool) or (type(value) is int and value in (0, 1)) else "type"
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
    return _walk_json(value, trimmed_keys=False)


# keys seen to be one trimmed line without control characters: documents repeat a few keys millions of times
_PLAIN_KEYS: set[str] = set()


def _walk_json(value: object, *, trimmed_keys: bool) -> str | None:
    """:func:`check_json`; ``trimmed_keys``: a key with blanks around it is refused as well, and any subclass
    of a JSON type ("not_as_came", for the cleaners: cleaning would change such a document)."""
    left = MAX_JSON_TEXT

    # dispatch on the exact type first: JSON from the wire holds only these (a subclass takes the isinstance way)
    def walk(node: Any, depth: int) -> str | None:
        nonlocal left
        if depth > MAX_JSON_DEPTH:
            return "too_deep"
        kind = type(node)
        if kind is str:
            left -= len(node)
            if left < 0:
                return "too_long"
            return "control_characters" if find_control(node) else None
        if kind is dict:
            if len(node) > MAX_JSON_ITEMS:
                return "too_many"
            depth += 1
            for key, item in node.items():
                plain = type(key) is str and key in _PLAIN_KEYS
                if not plain and not isinstance(key, str):
                    return "type"
                if depth > MAX_JSON_DEPTH:
                    return "too_deep"
                left -= len(key)
                if left < 0:
                    return "too_long"
                if not plain:
                    if find_control_single_line(key):  # a key is one line
                        return "control_characters"
                    if type(key) is not str or key != key.strip():
                        if trimmed_keys:
                            return "not_as_came"
                    elif len(_PLAIN_KEYS) < 4096:
                        _PLAIN_KEYS.add(key)
                kind = type(item)
                if kind is str:  # the common leaves inline: a call per leaf was most of the walk
                    left -= len(item)
                    if left < 0:
                        return "too_long"
                    if find_control(item):
                        return "control_characters"
                elif item is None or kind is bool or (kind is int and -(10**15) <= item <= 10**15):
                    continue
                elif reason := walk(item, depth):
                    return reason
            return None
        if kind is list:
            if len(node) > MAX_JSON_ITEMS:
                return "too_many"
            depth += 1
            for item in node:
                if reason := walk(item, depth):
                    return reason
            return None
        if node is None or kind is bool:
            return None
        if kind is int:
            return None if -(10**15) <= node <= 10**15 else "range"
        if kind is float:
            return None if abs(node) <= 1e15 and node == node else "range"
        return other(node, depth)

    def other(node: Any, depth: int) -> str | None:
        if trimmed_keys:
            return "not_as_came"  # cleaning makes a plain str of a str subclass: the reference way
        base: Any
        for base in (str, int, float, list, dict):  # a subclass is checked as its base (bool has none)
            if isinstance(node, base):
                return walk(base(node), depth)
        return "type"

    return walk(value, 0)


def _is_date(value: str) -> bool:
    # the shape first: fromisoformat also takes "19650411" and the week date "1965-W14-1"
    if not DATE_SHAPE.match(value) or not _in_years(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# Dates and times of a case lie within these years: 31.12.9999 plus a validity period or a time zone
# overflowed Python's dates on the server (HTTP 500; tests/server/test_attack3_pipeline.py).
YEARS = (1900, 2199)


def _in_years(value: str) -> bool:
    return YEARS[0] <= int(value[:4]) <= YEARS[1]


def _is_datetime(value: str) -> bool:
    if not DATETIME.match(value) or not _in_years(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# -- compiled checkers ------------------------------------------------------------------------------------
# A snapshot brings millions of values: :func:`check` dispatching on the kind and a separate cleaning walk
# per value were most of a new device's CPU (bench/PROFILES.md §3). A compiled checker is made once per
# field with the kind, limits and vocabulary bound in; a value that is valid and clean as it arrives (nearly
# all) is taken after one test, anything else goes the reference way (clean, then :func:`check`), so a
# compiled checker accepts and refuses exactly what the reference does (tests/unit/test_compiled_checkers.py). By
# entity and field name: :mod:`wbtui.domain.checkers`.


def _json_text_of() -> Callable[[object], str]:
    """``json.dumps(value, ensure_ascii=False)``: the C encoder made once (json.dumps makes one per call)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - a Python without the json accelerator
        return json.JSONEncoder(ensure_ascii=False).encode
    encoder = json.JSONEncoder(ensure_ascii=False)
    # no marker dict for cycles: a shared one could keep ids after an error, and a value stored here passed
    # check_json (depth at most MAX_JSON_DEPTH), so it holds no cycle
    chunks = make(None, encoder.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(chunks(value, 0))


_json_text = _json_text_of()
Check = Callable[[object], "str | None"]
Take = Callable[[object], object]


class Refused(ValueError):
    """A value its field cannot hold: ``reason`` is the code :func:`check` gives."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def compile_check(col: Col) -> Check:
    """:func:`check` for one column, the dispatch on its kind done once."""
    kind, required, max_len = col.kind, col.required, col.max_len
    missing = "required" if required else None
    if kind in ("text", "note"):
        find = find_control if kind == "note" else find_control_single_line

        def check_text(value: object) -> str | None:
            if value is None:
                return missing
            if not isinstance(value, str):
                return "type"
            if len(value) > max_len:
                return "too_long"
            if find(value):
                return "control_characters"
            return "required" if required and not value.strip() else None

        return check_text
    if kind == "json":
        return lambda value: missing if value is None else check_json(value)
    return lambda value: missing if value is None else check(col, value)


def compile_take(col: Col, *, json_text: bool = False, stored: bool = False) -> Take:
    """Clean and check for one column (see :func:`cleaner`)."""
    kind, required, max_len = col.kind, col.required, col.max_len

    def store(value: object) -> object:
        if json_text and value is not None and not isinstance(value, str):
            return _json_text(value)
        return int(value) if stored and isinstance(value, bool) else value

    def reference(value: object) -> object:
        """The way of a value that is not valid and clean as it came: cleaned, then checked."""
        if kind == "text" and isinstance(value, str) and has_control(value, multiline=False):
            value = clean(value)
        else:
            value = clean_tree(value)
        if reason := check(col, value):
            raise Refused(reason)
        return store(value)

    if kind in ("text", "note"):
        find = find_control if kind == "note" else find_control_single_line

        def take_text(value: object) -> object:
            # no control character: cleaning changes nothing
            if type(value) is str and len(value) <= max_len and not find(value) and (value.strip() or not required):
                return value
            return reference(value)

        return take_text
    if kind == "pattern" and col.pattern is not None:
        match, listed = col.pattern.match, col.listed

        def take_pattern(value: object) -> object:
            if type(value) is str and not find_control(value) and match(value) and (listed is None or listed(value)):
                return value
            return reference(value)

        return take_pattern
    # a clean vocabulary (as every one is): its codes are taken as they are
    if kind == "choice" and not any(find_control(c) for c in col.choices):
        codes = frozenset(col.choices)

        def take_choice(value: object) -> object:
            return value if type(value) is str and value in codes else reference(value)

        return take_choice
    if kind == "choices" and not any(find_control(c) for c in col.choices):
        codes, most = frozenset(col.choices), len(col.choices)

        def take_choices(value: object) -> object:
            if type(value) is list and len(value) <= most and (value or not required):
                for item in value:
                    if type(item) is not str or item not in codes:
                        return reference(value)
                return store(value)
            return reference(value)

        return take_choices
    if kind == "ref":
        hex32 = HEX32.match

        def take_ref(value: object) -> object:
            return value if type(value) is str and hex32(value) else reference(value)

        return take_ref
    if kind == "bool":
        yes, no = (1, 0) if stored else (True, False)

        def take_bool(value: object) -> object:
            if value is True:
                return yes
            return no if value is False else reference(value)

        return take_bool
    if kind == "int":
        lo, hi = col.lo, col.hi

        def take_int(value: object) -> object:
            return value if type(value) is int and lo <= value <= hi else reference(value)

        return take_int
    if kind == "date":
        from_iso, date_shape = date.fromisoformat, DATE_SHAPE.match

        def take_date(value: object) -> object:
            # (fromisoformat takes "20240101", "2024-W01-1": the shape first, as _is_date)
            if type(value) is str and date_shape(value) and _in_years(value):
                try:
                    from_iso(value)
                except ValueError:
                    return reference(value)
                return value
            return reference(value)

        return take_date
    if kind == "datetime":
        shape, from_iso_dt = DATETIME.match, datetime.fromisoformat

        def take_datetime(value: object) -> object:
            if type(value) is str and shape(value) and _in_years(value):  # the shape admits no control character
                try:
                    from_iso_dt(value)
                except ValueError:
                    return reference(value)
                return value
            return reference(value)

        return take_datetime
    if kind == "json":

        def take_json(value: object) -> object:
            # valid as it came means no control character anywhere: cleaning changes nothing
            if value is not None and _walk_json(value, trimmed_keys=True) is None:
                return store(value)
            return reference(value)

        return take_json
    return reference  # pragma: no cover - every kind is compiled above
