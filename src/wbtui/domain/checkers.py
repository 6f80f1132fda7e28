"""The compiled checker of every synced field, by entity and field name (:mod:`wbtui.domain.columns` compiles
one column; :mod:`wbtui.domain.entities` names the columns). Made once per field and kept: a snapshot or a
push checks millions of values with the same few hundred checkers."""

from __future__ import annotations

from functools import cache

from wbtui.domain.columns import Check, Refused, Take, compile_check, compile_take
from wbtui.domain.entities import ENTITIES

__all__ = ["Check", "Refused", "Take", "checker", "cleaner"]


@cache
def checker(entity: str, field: str) -> Check:
    """``check_value(entity, field, value)`` compiled once: value -> reason code or None. No cleaning: for
    the server, which refuses what a device would have to clean."""
    col = ENTITIES[entity].cols.get(field)
    return _unknown_check if col is None else compile_check(col)


@cache
def cleaner(entity: str, field: str, *, stored: bool = False) -> Take:
    """Clean and check a received value in one pass, compiled once: value -> the value as ``clean_value``
    cleans it, or :class:`Refused` (with the reason code) when ``check_value`` refuses the cleaned value.
    ``stored``: the value as a store's column holds it (JSON text for a JSON field, 0/1 for a boolean), as
    ``protocol.to_sqlite`` makes it."""
    col = ENTITIES[entity].cols.get(field)
    if col is None:
        return _unknown_take
    return compile_take(col, json_text=stored and field in ENTITIES[entity].json, stored=stored)


def _unknown_check(value: object) -> str | None:
    return "unknown_field"


def _unknown_take(value: object) -> object:
    raise Refused("unknown_field")
