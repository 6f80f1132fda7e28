"""The use cases: the one API of the CLI and the TUI (README "Where things are").

Each public method runs in one write transaction, checks the rules of :mod:`wbtui.domain` and
appends timeline events in the same transaction, so a refused or failed action leaves nothing
half-written. One module per aggregate; :class:`Services` combines them.

The package's names load on first use (PEP 562): the read paths (:mod:`wbtui.services.reads`,
``wbtui case list``) import this package without pulling in SQLModel (tests/arch/test_import_hygiene.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wbtui.domain.consent import consent_covers
    from wbtui.domain.vocab import (
        AGENDA_TEMPLATE,
        CONFERENCE_VARIANTS,
        CONSENT_PURPOSES,
        CONSENT_RECIPIENTS,
        DATA_GROUPS,
        DECISIONS,
        OBSTACLE_STATUSES,
    )
    from wbtui.services._combined import Services
    from wbtui.services.base import Actor, today_local

__all__ = [
    "AGENDA_TEMPLATE",
    "CONFERENCE_VARIANTS",
    "CONSENT_PURPOSES",
    "CONSENT_RECIPIENTS",
    "DATA_GROUPS",
    "DECISIONS",
    "OBSTACLE_STATUSES",
    "Actor",
    "Services",
    "consent_covers",
    "today_local",
]

_HOMES = {
    "Services": "wbtui.services._combined",
    "Actor": "wbtui.services.base",
    "today_local": "wbtui.services.base",
    "consent_covers": "wbtui.domain.consent",
    **dict.fromkeys(
        (
            "AGENDA_TEMPLATE",
            "CONFERENCE_VARIANTS",
            "CONSENT_PURPOSES",
            "CONSENT_RECIPIENTS",
            "DATA_GROUPS",
            "DECISIONS",
            "OBSTACLE_STATUSES",
        ),
        "wbtui.domain.vocab",
    ),
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'wbtui.services' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
