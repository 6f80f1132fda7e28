"""Translations: German by default, English as second language.

One catalog file per language next to this module (``de.toml``, ``en.toml``), loaded on first use.
Every user-facing string of the CLI, the TUI and the documents goes through :func:`t`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

LANGUAGES = ("de", "en")
_DIR = Path(__file__).resolve().parent
_language = "de"
_catalogs: dict[str, dict[str, str]] = {}


def catalog(lang: str) -> dict[str, str]:
    """The whole catalog of one language (loaded once per process)."""
    if lang not in _catalogs:
        with open(_DIR / f"{lang}.toml", "rb") as handle:
            _catalogs[lang] = tomllib.load(handle)
    return _catalogs[lang]


class _Catalogs:
    """``CATALOG[lang]`` as before: the catalogs, loaded when first asked for."""

    def __getitem__(self, lang: str) -> dict[str, str]:
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


def t(key: str, /, **params: object) -> str:
    """Translate ``key`` into the current language and fill in ``params``."""
    text = CATALOG[_language].get(key)
    if text is None:
        text = CATALOG["de"].get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has(key: str) -> bool:
    return key in CATALOG["de"]


def render_reason(key: str, params: dict) -> str:
    """Render a process-rule reason, translating parameters that are themselves codes."""
    shown = dict(params)
    if isinstance(shown.get("field"), str) and shown["field"].startswith("field."):
        shown["field"] = t(shown["field"])
    if "owner" in shown:
        shown["owner"] = t(f"side.{shown['owner']}")
    for name in ("src", "dst", "stage"):
        if name in shown and has(f"stage.{shown[name]}"):
            shown[name] = t(f"stage.{shown[name]}")
    return t(key, **shown)


def describe(exc) -> str:
    """The user-facing text of a :class:`~wbtui.domain.errors.WbtuiError` in the current language."""
    reasons = getattr(exc, "reasons", None)
    if reasons:
        return "; ".join(render_reason(key, params) for key, params in reasons)
    text = t(exc.key, **exc.params)
    problems = getattr(exc, "problems", None)  # (field path, message) pairs of a refused file
    if problems:
        text += "\n" + "\n".join(f"  {path}: {msg}" for path, msg in problems)
    return text
