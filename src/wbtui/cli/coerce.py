"""Option values of the plain kinds without Pydantic: the hot read commands start without it.

Typer converts every parameter value through a Pydantic ``TypeAdapter``, and importing Pydantic costs
more than the whole of ``wbtui case list`` does otherwise (README: the list commands start fast; pinned
by tests/arch/test_import_hygiene.py). Most of wbtui's options are text, flags, whole numbers or lists of text
given on the command line, whose conversion is trivial: those are done here. Every other kind, and every
value this module does not take as plainly valid (``--limit abc``, a number out of range), goes to
Typer's own conversion, so messages and results stay exactly Typer's.

Typer's parameter class is patched once per process (:func:`install`, called by ``wbtui.cli.usage``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, get_args, get_origin

WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+\Z")


@dataclass
class _Plain:
    """A converter for one parameter: the plain case here, anything else through Typer's own."""

    kind: str  # "str", "bool", "int" or "list_str"
    descriptor: Any
    _typer: Any = None

    def coerce(self, value: Any, param, ctx) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        plain = self._plain(value, multi)
        if plain is not _NOT_PLAIN:
            return plain
        return self.typer().coerce(value, param=param, ctx=ctx)

    def _plain(self, value: Any, multi: bool) -> Any:
        if self.kind == "str" and not multi and isinstance(value, str):
            return value
        if self.kind == "bool" and not multi and isinstance(value, bool):
            return value
        if self.kind == "list_str" and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(value)
        if self.kind == "int" and not multi:
            number = (
                value
                if type(value) is int
                else int(value)
                if isinstance(value, str) and WHOLE_NUMBER.match(value)
                else None
            )
            info = self.descriptor.parameter_info
            if (
                number is not None
                and (info.min is None or number >= info.min)
                and (info.max is None or number <= info.max)
            ):
                return number
        return _NOT_PLAIN

    def typer(self):
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.descriptor)
        return self._typer


_NOT_PLAIN = object()


def plain_kind(descriptor) -> str | None:
    """Which plain kind a parameter is, or None when Typer's conversion must do it (files, paths, choices,
    dates, custom parsers, clamped numbers …)."""
    if descriptor.file_annotation is not None:
        return None
    info = descriptor.parameter_info
    if info.parser is not None or getattr(info, "click_type", None) is not None:
        return None
    if info.allow_dash or info.path_type is not None or info.resolve_path:
        return None
    annotation = descriptor.annotation
    if annotation is str:
        return "str"
    if annotation is int and not info.clamp:
        return "int"
    if annotation is bool:
        return "bool"
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        return "list_str"
    return None


_installed = False


def install() -> None:
    """Let Typer's parameters convert plain values here (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from typer import core

    original = core._TyperParameter.get_runtime_param

    def get_runtime_param(self):
        if self._runtime_param is None:
            kind = plain_kind(self.type_descriptor)
            if kind is not None:
                self._runtime_param = _Plain(kind, self.type_descriptor)
        return original(self)

    core._TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
