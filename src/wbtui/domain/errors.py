"""Errors the core raises; each carries a catalog key so every front end can say it."""

from __future__ import annotations


class WbtuiError(Exception):
    """A user-facing error: ``key`` is an i18n catalog key, ``params`` fill it in."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self) -> str:
        from wbtui.i18n import t

        return t(self.key, **self.params)


class NotFound(WbtuiError):
    pass


class RuleViolation(WbtuiError):
    """A process rule refused an action; ``reasons`` lists ``(key, params)``."""

    def __init__(self, reasons: list[tuple[str, dict]]) -> None:
        super().__init__("err.rule_violation")
        self.reasons = reasons

    def message(self) -> str:
        from wbtui.i18n import render_reason

        return "; ".join(render_reason(key, params) for key, params in self.reasons)


class StoreError(WbtuiError):
    pass


class ConfigError(WbtuiError):
    pass
