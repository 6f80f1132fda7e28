"""Reading a handover exchange file before anything is imported (:mod:`wbtui.services.exchange`).

JSON allows what the format does not: the same key twice (the last would silently win), nesting a hundred
thousand levels deep (the parser's recursion ends in an internal error), numbers of ten thousand digits.
The file is scanned and parsed so that each of these is refused with the field named; then the published
JSON Schema (``domain/schemas/handover-v1.schema.json``) checks the whole document at run time, every
problem by field path, in the user's language.
"""

from __future__ import annotations

import json
from pathlib import Path

from wbtui.domain.errors import WbtuiError

MAX_BYTES = 1_048_576
MAX_DEPTH = 8  # the format nests three levels; anything far deeper is refused before parsing
MAX_NUMBER = 10**15


# the ``format`` of each exchange file (services/exchange.py, services/feedback.py): an import of one
# kind recognises a file of the other and names the command that reads it
HANDOVER_FORMAT, FEEDBACK_FORMAT = "wbtui-uebergabe", "wbtui-rueckmeldung"


class ImportProblems(WbtuiError):
    """Every problem of a refused file, each ``(field path, message)``."""

    KEY = "err.import_invalid"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(self.KEY, n=len(problems))
        self.problems = problems  # wbtui.i18n.describe lists them under the summary line


class ExportProblems(ImportProblems):
    """A case whose stored handover would not make a valid file (nothing is written)."""

    KEY = "err.export_invalid"


def schema_path(name: str = "handover-v1") -> Path:
    """A published exchange schema: ``handover-v1`` (Übergabe) or ``feedback-v1``/``feedback-v2`` (Rückmeldung)."""
    return Path(__file__).resolve().parent.parent / "domain" / "schemas" / f"{name}.schema.json"


_VALIDATOR: dict = {}


def _validator(name: str = "handover-v1"):
    """The published schema as a validator (formats checked: dates, times)."""
    if name not in _VALIDATOR:
        from jsonschema import Draft202012Validator

        schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
        _VALIDATOR[name] = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return _VALIDATOR[name]


def schema_problems(document: object, schema: str = "handover-v1") -> list[tuple[str, str]]:
    """Everything the published schema refuses in ``document``, by field path, in the user's language."""
    from wbtui.i18n import t

    problems = []
    for error in sorted(
        _validator(schema).iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    ):
        where = _path(error.absolute_path)
        kind, value, instance = error.validator, error.validator_value, error.instance
        if kind == "additionalProperties" and isinstance(instance, dict):
            known = set(error.schema.get("properties", {}))
            problems += [(_join(where, key), t("imp.unknown_field")) for key in sorted(set(instance) - known)]
        elif kind == "required" and isinstance(instance, dict):
            problems += [(_join(where, key), t("imp.required")) for key in value if key not in instance]
        elif kind == "maxLength":
            problems.append((where, t("imp.too_long", max=value)))
        elif kind == "minLength":
            problems.append((where, t("imp.required")))
        elif kind in ("maxItems", "maxProperties"):
            problems.append((where, t("imp.too_many", max=value)))
        elif kind in ("minimum", "maximum"):
            problems.append((where, t("imp.range")))
        elif kind == "enum":
            problems.append((where, t("imp.one_of", choices=", ".join(str(v) for v in value if v is not None))))
        elif kind == "const":
            problems.append((where, t("imp.const", value=value)))
        elif kind == "type":
            problems.append((where, t("imp.type", type=value if isinstance(value, str) else " | ".join(value))))
        else:  # pattern, format
            problems.append((where, t("imp.format")))
    return problems


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "$"


def _join(where: str, key: str) -> str:
    from wbtui.domain.text import clean

    key = clean(str(key))[:60]
    return key if where == "$" else f"{where}.{key}"


# -- reading a file -----------------------------------------------------------------------------------


class _Big:
    """A number beyond what any field holds, kept as its text so that it can be named."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Object(dict):
    """A JSON object that remembers the keys it had twice."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    out = _Object(pairs)
    if len(out) != len(pairs):
        seen, dup = set(), []
        for key, _ in pairs:
            if key in seen and key not in dup:
                dup.append(key)
            seen.add(key)
        out.duplicates = tuple(dup)
    return out


def _int(text: str):
    return _Big(text) if len(text.lstrip("-")) > 15 else int(text)


def _float(text: str):
    value = float(text)
    return _Big(text) if value != value or abs(value) > MAX_NUMBER else value


def too_deep(text: str, limit: int = MAX_DEPTH) -> str | None:
    """The path where ``text`` nests deeper than ``limit`` (scanned before parsing, so a file nested
    a hundred thousand levels deep is named, not a crash)."""
    stack: list[list] = []  # [bracket, current key or index]
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            word, i = text[i + 1 : j], j + 1
            k = i
            while k < n and text[k] in " \t\r\n":
                k += 1
            if k < n and text[k] == ":" and stack and stack[-1][0] == "{":
                stack[-1][1] = word
            continue
        if ch in "{[":
            stack.append([ch, None if ch == "{" else 0])
            if len(stack) > limit:
                return _path(level[1] for level in stack[: min(len(stack) - 1, 6)] if level[1] is not None)
        elif ch in "}]":
            if stack:
                stack.pop()
        elif ch == "," and stack and stack[-1][0] == "[":
            stack[-1][1] += 1
        i += 1
    return None


def _strange(node, where: str, out: list[tuple[str, str]]) -> object:
    """Collect duplicate keys and oversized numbers (with their paths); returns the node as plain JSON."""
    from wbtui.i18n import t

    if isinstance(node, _Big):
        out.append((where, t("imp.number_too_large")))
        return None
    if isinstance(node, dict):
        for key in getattr(node, "duplicates", ()):
            out.append((_join(where, key), t("imp.duplicate_key")))
        return {key: _strange(value, _join(where, key), out) for key, value in node.items()}
    if isinstance(node, list):
        return [_strange(value, f"{where}[{i}]" if where != "$" else f"[{i}]", out) for i, value in enumerate(node)]
    return node


def _why_unreadable(exc: Exception) -> str:
    """The catalog key saying in plain words why a file could not be read (no exception names for users)."""
    if isinstance(exc, FileNotFoundError):
        return "err.unreadable.missing"
    if isinstance(exc, IsADirectoryError):
        return "err.unreadable.folder"
    if isinstance(exc, PermissionError):
        return "err.unreadable.denied"
    if isinstance(exc, UnicodeDecodeError):
        return "err.unreadable.encoding"
    return "err.unreadable.other"


def read(path: Path) -> object:
    """The file as JSON (any JSON value: :func:`validate` refuses what is not an object), or every reason why it is not an exchange file we may read."""
    from wbtui.i18n import t

    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportProblems([("$", t("imp.file_too_large"))])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WbtuiError("err.import_unreadable", path=str(path), detail=t(_why_unreadable(exc))) from None
    deep = too_deep(text)
    if deep is not None:
        raise ImportProblems([(deep, t("imp.too_deep", max=MAX_DEPTH))])
    try:
        data = json.loads(text, object_pairs_hook=_object, parse_int=_int, parse_float=_float, parse_constant=_Big)
    except json.JSONDecodeError as exc:
        # line and column only: the parser's own message is English and technical (issue 15 M4)
        raise ImportProblems([("$", t("imp.json", line=exc.lineno, column=exc.colno))]) from None
    problems: list[tuple[str, str]] = []
    data = _strange(data, "$", problems)
    if problems:
        raise ImportProblems(problems)
    return data
