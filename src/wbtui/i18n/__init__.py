"""Translations: German by default, English as second language.

One catalog file per language next to this module (``de.toml``, ``en.toml``), loaded on first use.
Every user-facing string of the CLI, the TUI and the documents goes through this module:

- ``t(key, **params)``: the text of ``key`` in the current language with its ``{name}`` placeholders filled in.
- ``tn(key, n, **params)``: a plural entry, written in the catalog as a table ``{ one = "…", other = "…" }``;
  the form is chosen by ``n`` (German and English share the rule: "one" for exactly 1, "other" for
  everything else) and ``{n}`` is filled in. ``t(key, n=…)`` on a plural entry does the same.
- ``{name:plural:KEY}`` in a plain text renders the count ``name`` through the plural entry ``KEY``, for
  texts with several counts ("{pushed} gesendet, {conflicts:plural:count.conflicts}").
- ``lazy_t(key, **params)``: a text looked up each time it is shown, for labels defined when a module is
  imported (key bindings, help texts): a later language switch reaches them.

A missing key, a missing placeholder or a bad format spec is a bug. With ``WBTUI_I18N_STRICT`` set (the
test suite sets it) :func:`t` raises :class:`CatalogError`; otherwise it logs a warning (key and error,
never the values) and shows the raw text, so a slip in a translation never stops a caseworker.
"""

from __future__ import annotations

import logging
import os
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import cast

LANGUAGES = ("de", "en")
PLURAL_FORMS = ("one", "other")  # the CLDR categories German and English use
STRICT_ENV = "WBTUI_I18N_STRICT"
PLURAL_SPEC = "plural:"

Entry = str | dict[str, str]

_DIR = Path(__file__).resolve().parent
_language = "de"
_catalogs: dict[str, dict[str, Entry]] = {}
log = logging.getLogger(__name__)


class CatalogError(LookupError):
    """A catalog text could not be rendered: unknown key, missing placeholder, bad format spec or plural form."""


def catalog(lang: str) -> dict[str, Entry]:
    """The whole catalog of one language (loaded once per process); plural entries are dicts of forms."""
    if lang not in _catalogs:
        _catalogs[lang] = _load(_DIR / f"{lang}.toml")
    return _catalogs[lang]


def _load(path: Path) -> dict[str, Entry]:
    """Parse a catalog, or take the parse of the very same text from ``__pycache__``, as Python does with
    modules: parsing the TOML was a good part of every command's start (issue #16). The copy is named by
    a hash of the text, so an edited catalog is never answered from an old copy; a copy that cannot be
    read or written is simply not used."""
    import hashlib
    import marshal

    data = path.read_bytes()
    cached = path.parent / "__pycache__" / f"{path.stem}.{hashlib.sha256(data).hexdigest()[:20]}.catalog"
    try:
        loaded = marshal.loads(cached.read_bytes())
        if isinstance(loaded, dict):
            return loaded
    except (OSError, EOFError, ValueError, TypeError):
        pass
    parsed = tomllib.loads(data.decode("utf-8"))
    try:
        cached.parent.mkdir(exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(parsed))
        partial.replace(cached)  # whole or not at all, also with two processes at once
    except OSError:
        pass
    return parsed


class _Catalogs:
    """``CATALOG[lang]`` as before: the catalogs, loaded when first asked for."""

    def __getitem__(self, lang: str) -> dict[str, Entry]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return catalog(lang)

    def __iter__(self):
        return iter(LANGUAGES)

    def __contains__(self, lang: object) -> bool:
        return lang in LANGUAGES


CATALOG = _Catalogs()


def set_language(lang: str) -> None:
    global _language
    if lang not in CATALOG:
        raise ValueError(lang)
    _language = lang


def get_language() -> str:
    return _language


def plural_form(lang: str, n: object) -> str:
    """The plural category of ``n``: German and English both say "one" for exactly 1 and "other" otherwise."""
    return "one" if n == 1 else "other"


def _problem(message: str) -> None:
    if os.environ.get(STRICT_ENV):
        raise CatalogError(message)
    log.warning("%s", message)


class _Formatter(string.Formatter):
    """``str.format`` plus ``{name:plural:KEY}``: a count rendered through a plural entry of the same language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec.startswith(PLURAL_SPEC):
            return _plural(self.lang, format_spec[len(PLURAL_SPEC) :], value, {})
        return format(value, format_spec)


def _fill(lang: str, key: str, text: str, params: Mapping[str, object]) -> str:
    if "{" not in text:
        return text
    try:
        if PLURAL_SPEC in text:
            return _Formatter(lang).vformat(text, (), params)
        return text.format_map(params)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        _problem(f"catalog text {key!r} ({lang}) cannot be filled in: {type(exc).__name__}: {exc}")
        return text


def _entry(lang: str, key: str) -> Entry | None:
    entry = catalog(lang).get(key)
    if entry is None and lang != "de":
        entry = catalog("de").get(key)
        if entry is not None:
            _problem(f"catalog key {key!r} missing in {lang!r}")
    return entry


def _plural(lang: str, key: str, n: object, params: Mapping[str, object]) -> str:
    entry = _entry(lang, key)
    if not isinstance(entry, dict):
        _problem(f"catalog key {key!r} is {'unknown' if entry is None else 'not a plural entry'}")
        return f"{n} {key}" if entry is None else _fill(lang, key, entry, {**params, "n": n})
    form = plural_form(lang, n)
    text = entry.get(form)
    if text is None:
        _problem(f"plural entry {key!r} ({lang}) has no form {form!r}")
        text = entry.get("other") or next(iter(entry.values()), key)
    return _fill(lang, key, text, {**params, "n": n})


def translate(lang: str, key: str, params: Mapping[str, object]) -> str:
    """The text of ``key`` in ``lang`` (any language, not only the current one), ``params`` filled in."""
    entry = _entry(lang, key)
    if entry is None:
        _problem(f"unknown catalog key {key!r}")
        return key
    if isinstance(entry, dict):
        if "n" not in params:
            _problem(f"plural entry {key!r} needs its count as n")
            return _fill(lang, key, entry.get("other", key), params)
        return _plural(lang, key, params["n"], params)
    return _fill(lang, key, entry, params)


def t(key: str, /, **params: object) -> str:
    """Translate ``key`` into the current language and fill in ``params``."""
    return translate(_language, key, params)


def tn(key: str, n: int, /, **params: object) -> str:
    """The plural entry ``key`` in the form for ``n``, with ``{n}`` and ``params`` filled in."""
    return _plural(_language, key, n, params)


def has(key: str) -> bool:
    return key in CATALOG["de"]


def code_label(prefix: str, code: str) -> str:
    """The catalog label of a stored code (``prefix + code``), or the code itself when the catalog has none
    (a value written by a newer version or another office's configuration)."""
    return t(prefix + code) if has(prefix + code) else code


class LazyText:
    """A catalog text resolved when it is shown (``str()``, formatting, concatenation), not when it is made.

    Class attributes such as ``Binding(…, lazy_t("tui.key.help"))`` or ``HELP = lazy_t(…)`` are built when
    the module is imported, usually before the configuration has set the language. Holding the key instead
    of the text lets every redraw show the current language. It behaves like the ``str`` it stands for in
    the ways Textual and Rich use labels; code that needs a real ``str`` calls ``str()`` on it.
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, params: Mapping[str, object]) -> None:
        self.key = key
        self.params = dict(params)

    def __str__(self) -> str:
        return t(self.key, **self.params)

    def __repr__(self) -> str:
        return f"lazy_t({self.key!r})"

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)

    def __bool__(self) -> bool:
        return bool(str(self))

    def __len__(self) -> int:
        return len(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return (self.key, self.params) == (other.key, other.params)
        return str(self) == other

    def __hash__(self) -> int:
        return hash(str(self))  # equal to the hash of the text it equals right now

    def __lt__(self, other: object) -> bool:
        return str(self) < str(other)

    def __add__(self, other: str) -> str:
        return str(self) + str(other)

    def __radd__(self, other: str) -> str:
        return str(other) + str(self)

    def __contains__(self, item: str) -> bool:
        return item in str(self)

    def __iter__(self):
        return iter(str(self))

    def __getitem__(self, index):
        return str(self)[index]

    def __getattr__(self, name: str):
        # the str methods (rstrip, split, translate, …) of the current text, for code written for a str
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(str(self), name)


def lazy_t(key: str, /, **params: object) -> str:
    """``t(key, **params)``, looked up each time the text is shown (a :class:`LazyText`).

    Typed as ``str`` because it stands in for one where Textual takes a label (``Binding.description``,
    ``HELP``); code that hands it to something needing a real ``str`` (regular expressions, Rich markup)
    calls ``str()`` first, as ``screens.base.in_current_language`` does for the key panel."""
    return cast(str, LazyText(key, params))


def render_reason(key: str, params: dict) -> str:
    """Render a process-rule reason, translating parameters that are themselves codes."""
    shown = dict(params)
    if isinstance(shown.get("field"), str) and shown["field"].startswith("field."):
        shown["field"] = t(shown["field"])
    elif isinstance(shown.get("field"), str) and has("field." + shown["field"]):
        shown["field"] = t("field." + shown["field"])  # a bare field name (domain.fields) by its label
    if isinstance(shown.get("reason"), str) and shown["reason"].startswith("perm."):
        shown["reason"] = t(shown["reason"])
    if "owner" in shown:
        shown["owner"] = t(f"side.{shown['owner']}")
    for name, prefix in (("kind", "choice.appt_kind."), ("status", "choice.appt_status.")):
        if isinstance(shown.get(name), str) and has(prefix + shown[name]):
            shown[name] = t(prefix + shown[name])
    for name in ("src", "dst", "stage"):
        if name in shown and has(f"stage.{shown[name]}"):
            shown[name] = t(f"stage.{shown[name]}")
    # codes a user should never read (issue 14): the role, the permission, obstacle codes, code lists
    if isinstance(shown.get("role"), str) and has(f"role.{shown['role']}"):
        shown["role"] = t(f"role.{shown['role']}")
    if isinstance(shown.get("permission"), str) and has(f"permission.{shown['permission']}"):
        shown["permission"] = t(f"permission.{shown['permission']}")
    if isinstance(shown.get("codes"), str) and key == "guard.open_obstacles":
        shown["codes"] = _obstacle_titles(shown["codes"])
    code_prefix = CODE_LISTS.get(key)
    if code_prefix and isinstance(shown.get("choices"), str):
        shown["choices"] = ", ".join(_label(code_prefix, c.strip()) for c in shown["choices"].split(","))
    return t(key, **shown)


def render_reasons(reasons) -> str:
    """Several reasons in one line: sentences (ending in ".") one after the other, short reasons with "; "
    between them (never "….; …")."""
    out = ""
    for key, params in reasons:
        text = render_reason(key, params)
        if out:
            out += " " if out.endswith((".", "!", "?")) else "; "
        out += text
    return out


# reasons whose ``choices`` are codes of one vocabulary (domain.process): shown by their labels
CODE_LISTS = {
    "guard.close_needs_reason": "choice.close_reason.",
    "guard.needs_dropout_reason": "choice.dropout_reason.",
    "guard.needs_decline_reason": "choice.decline_reason.",
    "guard.needs_non_integration_reason": "choice.non_integration_reason.",
}


def _label(prefix: str, code: str) -> str:
    return t(prefix + code) if has(prefix + code) else code


def _obstacle_titles(codes: str) -> str:
    """Obstacle codes by their catalog titles ("Kinderbetreuung ungeklärt (R-KIN)"): the code stays in
    brackets, it is what the checklist and the CLI take."""
    from wbtui.domain.catalog import Catalog

    catalog = Catalog()
    out = []
    for code in (c.strip() for c in codes.split(",")):
        title = catalog.label(code, get_language())
        out.append(f"{title} ({code})" if title != code else code)
    return ", ".join(out)


def describe(exc) -> str:
    """The user-facing text of a :class:`~wbtui.domain.errors.WbtuiError` in the current language."""
    reasons = getattr(exc, "reasons", None)
    if reasons:
        return render_reasons(reasons)
    text = render_reason(exc.key, exc.params)
    problems = getattr(exc, "problems", None)  # (field path, message) pairs of a refused file
    if problems:
        # "$" is the file as a whole: its problem needs no field path in front
        text += "\n" + "\n".join(f"  {msg}" if path == "$" else f"  {path}: {msg}" for path, msg in problems)
    return text
