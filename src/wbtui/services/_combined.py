"""All use cases for one store and one configured user (``from wbtui.services import Services``)."""

from __future__ import annotations

from wbtui.services.appointments import AppointmentCommands
from wbtui.services.assignment import AssignmentCommands
from wbtui.services.base import ServiceBase
from wbtui.services.cases import CaseCommands
from wbtui.services.conference import ConferenceCommands
from wbtui.services.consent import ConsentCommands
from wbtui.services.handover import HandoverCommands
from wbtui.services.history import HistoryCommands
from wbtui.services.obstacles import ObstacleCommands
from wbtui.services.tasks import TaskCommands


class Services(
    AssignmentCommands,
    HistoryCommands,
    CaseCommands,
    ObstacleCommands,
    ConsentCommands,
    HandoverCommands,
    ConferenceCommands,
    TaskCommands,
    AppointmentCommands,
    ServiceBase,
):
    """All use cases for one store and one configured user."""
