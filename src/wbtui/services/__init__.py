"""The use cases: the one API of the CLI and the TUI (README "Where things are").

Each public method runs in one write transaction, checks the rules of :mod:`wbtui.domain` and
appends timeline events in the same transaction, so a refused or failed action leaves nothing
half-written. One module per aggregate; :class:`Services` combines them.
"""

from __future__ import annotations

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
from wbtui.services.base import Actor, ServiceBase, today_local
from wbtui.services.cases import CaseCommands
from wbtui.services.conference import ConferenceCommands
from wbtui.services.consent import ConsentCommands
from wbtui.services.handover import HandoverCommands
from wbtui.services.obstacles import ObstacleCommands
from wbtui.services.tasks import TaskCommands

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


class Services(
    CaseCommands, ObstacleCommands, ConsentCommands, HandoverCommands, ConferenceCommands, TaskCommands, ServiceBase
):
    """All use cases for one store and one configured user."""
