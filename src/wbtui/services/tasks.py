"""Wiedervorlagen (follow-ups): create and complete."""

from __future__ import annotations

import uuid
from datetime import date

from wbtui.data.models import (
    Task,
)
from wbtui.domain.errors import WbtuiError
from wbtui.domain.text import clean
from wbtui.services.base import ServiceBase


class TaskCommands(ServiceBase):
    # -- tasks -----------------------------------------------------------------
    def add_task(self, case_id: uuid.UUID, title: str, owner: str | None, due_on: date) -> uuid.UUID:
        title = clean(title)
        if not title:
            raise WbtuiError("err.field_required", field="title")
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            self._check_write("task", ["title", "owner", "due_on"], case, new_row=True)
            from wbtui.domain.assignment import TEAM_INBOX
            from wbtui.services.assignment import route_in

            # an absent colleague's new work goes to the deputy or the team inbox (README "Vertretung")
            receiver, _via = route_in(s, clean(owner or "") or self.actor.login, self.today())
            task = Task(case_id=case.id, title=title, owner=receiver or TEAM_INBOX, due_on=due_on)
            s.add(task)
            self._touch(case)
            self._event(s, case, "task_created", title=title, owner=task.owner, due=due_on)
            return task.id

    def complete_task(self, task_ref: str) -> uuid.UUID:
        task_id = self._task_id(task_ref)
        with self._tx() as s:
            task, case = self._open_task(s, task_id)
            task.status = "erledigt"
            task.done_at = self.now()
            self._touch(case)
            self._event(s, case, "task_done", title=task.title)
            return task.id
