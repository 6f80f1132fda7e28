"""Issue 16: the compiled per-field checkers (domain/checkers.checker, cleaner) accept and refuse exactly what
the reference does (``check_value``; ``clean_value`` then ``check_value`` on the device), for every field of
every entity, with valid and hostile values: control, bidi and other invisible characters, wrong types,
too long, unknown codes, deep or large JSON. The rewritten ``check_json`` is held against the walk it
replaced."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from wbtui.domain import checkers
from wbtui.domain.columns import MAX_JSON_DEPTH, MAX_JSON_ITEMS, MAX_JSON_TEXT, Col, Refused, check_json
from wbtui.domain.entities import ENTITIES, check_value, clean_value
from wbtui.domain.text import has_control
from wbtui.sync import protocol


class Text(str):
    """A str subclass (the server's raw JSON text is one): checked as its base."""


HOSTILE = ("\x1b[31m", "\u200b", "\u202e", "\u00ad", "\t", "\n", "\r\n", "\u2028", "\x00", "\x85", "\U000e0041", " ")
HEX = "0123456789abcdef" * 2
SCALARS = [None, True, False, 0, 1, 2, -1, 1.0, 0.0, float("nan"), 10**16, "", " ", "abc", "  abc  ", "x" * 201,
           "x" * 501, "x" * 2001, "ü" * 200, [], {}, ("a",), {"a": 1}, b"abc"]  # fmt: skip
SAMPLES = [HEX, HEX.upper(), HEX[:31], "2024-02-29", "2024-02-30", "2024-W01-1", "20240101", "2024-01-01 10:00:00",
           "2024-01-01 10:00:00.123456", "2024-01-01T10:00Z", "2024-01-01 10:00:00+01:00", "2024-13-01 10:00:00",
           "123A456789", "12345BG1234567", "+49 30 123456", "a@b.de", "ABC-123/4", "G-GESUND", "43104", "43105"]  # fmt: skip
JSONS = [{"note": "a\nb", "n": 1}, {"a\t": 1}, {" a ": "x"}, {"a\u3000": "x"}, {" ": 1, "": 2}, {"a\u200b": 1, "a": 2},
         {"k": "\x1b"}, {"k": float("inf")}, {"k": 10**16}, {"k": 1.5, "l": None, "m": True}, {1: 2},
         {"a": {"b": {"c": {"d": 1}}}}, {"a": {"b": {"c": {"d": {"e": 1}}}}}, [[[[["x"]]]]], [[[["x"]]]],
         {"k": ("t",)}, {"k": {"x"}}, {"k": Text("x")}, {Text("k"): [Text("\x1b")]},  [{"x\u202e": "y"}]]  # fmt: skip


def values_for(entity: str, name: str, col: Col) -> list:
    """Valid values of the field, each spoilt with every hostile character, and values of every other kind."""
    good = [v for v in [*col.choices[:3], *SAMPLES, "Müller"] if check_value(entity, name, v) is None]
    out = SCALARS + JSONS + SAMPLES + [list(col.choices), list(col.choices) + ["x"], list(col.choices[:2])]
    for value in good:
        for bad in HOSTILE:
            out += [value + bad, bad + value, value[:3] + bad + value[3:]]
    out += [[c + "\u200b"] for c in col.choices[:2]] + [[1], [None]]
    out += [{"k" + bad: "v" + bad} for bad in HOSTILE]
    if col.kind in ("text", "note"):
        out += ["x" * col.max_len, "x" * (col.max_len + 1), "x" * col.max_len + "\u200b", "\u200b" * 3]
    if col.kind == "int":
        out += [col.lo, col.hi, col.lo - 1, col.hi + 1, True]
    return out


BIG_JSONS = [{"k": "x" * (MAX_JSON_TEXT + 1)}, {"k": "x" * MAX_JSON_TEXT}, {"k": "x" * MAX_JSON_TEXT + "\u200b"},
             ["a"] * (MAX_JSON_ITEMS + 1), {str(i): i for i in range(MAX_JSON_ITEMS + 1)}, [1] * MAX_JSON_ITEMS]  # fmt: skip


def same(a: object, b: object) -> bool:
    """Equal and of the same types all the way down (True is not 1 here); NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def outcome(take, value) -> tuple[str, object]:
    try:
        return "ok", take(value)
    except Refused as refused:
        return "refused", refused.reason


def reference(entity: str, name: str, value: object, *, stored: bool) -> tuple[str, object]:
    cleaned = clean_value(entity, name, value)
    reason = check_value(entity, name, cleaned)
    if reason is not None:
        return "refused", reason
    return "ok", protocol.to_sqlite(entity, name, cleaned) if stored else cleaned


def test_every_field_checks_and_cleans_as_the_reference() -> None:
    compared = 0
    for entity, spec in ENTITIES.items():
        for name, col in spec.cols.items():
            check = checkers.checker(entity, name)
            takes = checkers.cleaner(entity, name), checkers.cleaner(entity, name, stored=True)
            for value in values_for(entity, name, col):
                assert check(value) == check_value(entity, name, value), (entity, name, value)
                cleaned = clean_value(entity, name, value)
                reason = check_value(entity, name, cleaned)
                wants = (cleaned, protocol.to_sqlite(entity, name, cleaned)) if reason is None else (None, None)
                for take, want in zip(takes, wants, strict=True):
                    got = outcome(take, value)
                    if reason is None:
                        assert got[0] == "ok" and same(got[1], want), (entity, name, value, got, want)
                    else:
                        assert got == ("refused", reason), (entity, name, value, got, reason)
                compared += 1
    assert compared > 10_000
    for entity, name in protocol.JSON_FIELDS:  # large documents: on the JSON fields only (cleaning them is slow)
        for value in BIG_JSONS:
            assert checkers.checker(entity, name)(value) == check_value(entity, name, value)
            got, want = outcome(checkers.cleaner(entity, name), value), reference(entity, name, value, stored=False)
            assert got[0] == want[0] and same(got[1], want[1]), (entity, name)


def test_an_unknown_field_is_refused() -> None:
    assert checkers.checker("case", "no_such_field")("x") == "unknown_field"
    assert outcome(checkers.cleaner("case", "no_such_field"), "x") == ("refused", "unknown_field")


def test_a_checker_is_made_once_per_field() -> None:
    assert checkers.checker("person", "family_name") is checkers.checker("person", "family_name")
    assert checkers.cleaner("event", "payload", stored=True) is checkers.cleaner("event", "payload", stored=True)


def walk_before(value: object) -> str | None:
    """check_json as it was before it was compiled for speed: the oracle of the rewrite."""
    budget = [MAX_JSON_TEXT]

    def walk(node: object, depth: int, *, key: bool = False) -> str | None:
        if depth > MAX_JSON_DEPTH:
            return "too_deep"
        if isinstance(node, str):
            budget[0] -= len(node)
            if budget[0] < 0:
                return "too_long"
            return "control_characters" if has_control(node, multiline=not key) else None
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


JSON_TEXT = st.text(
    alphabet=st.sampled_from(["a", "ü", " ", "\u3000", *(c for c in HOSTILE if len(c) == 1)]), max_size=6
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**16), 10**16) | st.floats() | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_check_json_refuses_as_before(value: object) -> None:
    assert check_json(value) == walk_before(value)
    for stored in (False, True):
        take = checkers.cleaner("event", "payload", stored=stored)
        got, want = outcome(take, value), reference("event", "payload", value, stored=stored)
        assert got[0] == want[0] and same(got[1], want[1])
