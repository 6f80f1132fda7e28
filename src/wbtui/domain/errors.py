"""Errors the core raises; each carries a catalog key so every front end can say it in the user's
language (``wbtui.i18n.describe``); the domain itself knows no language."""

from __future__ import annotations


class WbtuiError(Exception):
    """A user-facing error: ``key`` is an i18n catalog key, ``params`` fill it in."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NotFound(WbtuiError):
    pass


class RuleViolation(WbtuiError):
    """A process rule refused an action; ``reasons`` lists ``(key, params)``."""

    def __init__(self, reasons: list[tuple[str, dict]]) -> None:
        super().__init__("err.rule_violation")
        self.reasons = reasons


class StoreError(WbtuiError):
    pass


class ConfigError(WbtuiError):
    pass
