"""Vertretung and reassignment: hand cases and follow-ups on, the team inbox, absences that route new
work (rules: :mod:`wbtui.domain.assignment`; README "Vertretung and reassignment").

Every change is a write of the Jobcenter's own fields (``owner_login``/``owner_team`` of the case, the
follow-up's ``owner``): checked with the permission table like any write, recorded in the audit trail
by the store, synced within the office and shown on the timeline (``case_reassigned``,
``task_reassigned``) with the logins only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from wbtui.data.models import Absence, AppUser, FbwCase, Task
from wbtui.domain import assignment
from wbtui.domain.access import AccessDenied
from wbtui.domain.errors import WbtuiError
from wbtui.domain.process import Stage
from wbtui.domain.text import clean
from wbtui.services.base import ServiceBase


def route_in(s, login: str | None, today: date) -> tuple[str | None, list[str]]:
    """Who receives work addressed to ``login`` on ``today`` in the store of session ``s``: every new
    follow-up (services/tasks.py, services/conference.py) and every case handed on passes here."""
    from sqlmodel import col, select

    rows = s.exec(select(Absence).where(Absence.date_until >= today).order_by(col(Absence.created_at)))
    spans = [assignment.AbsenceSpan(a.login, a.deputy, a.date_from, a.date_until) for a in rows]
    return assignment.route(login, spans, today)


@dataclass(frozen=True)
class Handed:
    """One case handed on: to whom (None: the team inbox), past whose absence, how many follow-ups moved."""

    case_id: uuid.UUID
    previous: str | None
    receiver: str | None
    via: tuple[str, ...]
    tasks: int


class AssignmentCommands(ServiceBase):
    def _may_assign(self) -> None:
        if not assignment.may_assign(self.actor.role):
            exc = AccessDenied("err.assign_refused", role=self.actor.role)
            exc.permission = "case.assign"  # type: ignore[attr-defined]
            self.record_refusal(exc)
            raise exc

    @staticmethod
    def _login(login: str | None) -> str | None:
        """A colleague's login as typed; None or blank means the team inbox."""
        text = clean(login or "")
        if not text or text == assignment.TEAM_INBOX:
            return None
        if not assignment.check_login(text):
            raise WbtuiError("err.bad_login", value=text)
        return text

    def known_colleagues(self) -> list[str]:
        """The logins of the office a case or follow-up may go to, sorted: its users on record,
        ``[office] colleagues``, the owners of its cases and follow-ups, its absences and the authors of its
        timeline entries (so a colleague the office has worked with needs no configuration)."""
        with self._read() as s:
            return sorted(self._known(s))

    def _known(self, s) -> set[str]:
        from sqlalchemy import text

        org = self._org_id(s)
        rows = s.execute(
            text(
                "SELECT login FROM app_user WHERE org_id = :org"
                " UNION SELECT owner_login FROM fbw_case WHERE jobcenter_org_id IS NULL OR jobcenter_org_id = :org"
                " UNION SELECT t.owner FROM task t JOIN fbw_case c ON c.id = t.case_id"
                " WHERE c.jobcenter_org_id IS NULL OR c.jobcenter_org_id = :org"
                " UNION SELECT login FROM absence UNION SELECT deputy FROM absence"
                " UNION SELECT actor FROM case_event WHERE org_id = :org"
            ),
            {"org": org},
        ).all()
        known = {r[0] for r in rows if r[0]} | set(self.config.office_colleagues) | {self.actor.login}
        return known - {assignment.TEAM_INBOX} - assignment.TECHNICAL_LOGINS

    def _org_id(self, s) -> str | None:
        return self.actor.org_id.hex if self.actor.org_id else None

    def _check_known(self, s, login: str | None) -> None:
        known = self._known(s)
        if assignment.unknown_colleague(login, known):
            raise WbtuiError("err.unknown_colleague", login=login, known=", ".join(sorted(known)) or "–")

    def route_owner(self, s, login: str | None) -> tuple[str | None, list[str]]:
        """Who receives work addressed to ``login`` today (absences and deputies followed)."""
        return route_in(s, login, self.today())

    def reassign(
        self, case_ids: list[uuid.UUID], to: str | None, *, team: str | None = None, with_tasks: bool = True
    ) -> list[Handed]:
        """Hand cases to a colleague (or the team inbox with ``to`` None), all or none.

        ``with_tasks``: the previous owner's open follow-ups of each case go along."""
        self._may_assign()
        wanted = self._login(to)
        team = clean(team or "") or None
        out: list[Handed] = []
        with self._tx() as s:
            self._check_known(s, wanted)
            receiver, via = self.route_owner(s, wanted)
            for case_id in case_ids:
                case, _ = self._load(s, case_id)
                if case.stage == Stage.CLOSED:
                    from wbtui.domain.errors import RuleViolation

                    raise RuleViolation([("guard.case_closed", {})])
                self._check_write("case", ["owner_login", "owner_team"], case)
                previous = case.owner_login
                case.owner_login = receiver
                case.owner_user_id = self._user_id(s, receiver)
                if team is not None:
                    case.owner_team = team
                elif case.owner_team is None:
                    case.owner_team = self.config.user_team
                moved = 0
                if with_tasks and previous is not None:
                    moved = self._move_tasks(s, case, previous, receiver)
                self._touch(case)
                self._event(
                    s, case, "case_reassigned", previous=previous, owner=receiver or assignment.TEAM_INBOX,
                    team=case.owner_team, via=via or None, tasks=moved or None,
                )  # fmt: skip
                out.append(Handed(case.id, previous, receiver, tuple(via), moved))
        return out

    def take(self, case_ids: list[uuid.UUID]) -> list[Handed]:
        """Take cases from the team inbox (or a colleague) into the own caseload."""
        return self.reassign(case_ids, self.actor.login)

    def _user_id(self, s, login: str | None) -> uuid.UUID | None:
        from sqlmodel import select

        if login is None:
            return None
        user = s.exec(select(AppUser).where(AppUser.login == login)).first()
        return user.id if user is not None else None

    def _move_tasks(self, s, case: FbwCase, previous: str, receiver: str | None) -> int:
        from sqlmodel import select

        moved = 0
        for task in s.exec(select(Task).where(Task.case_id == case.id, Task.status == "offen", Task.owner == previous)):
            self._check_write("task", ["owner"], case)
            task.owner = receiver or assignment.TEAM_INBOX
            moved += 1
        return moved

    def reassign_task(self, task_ref: str, to: str | None) -> tuple[uuid.UUID, str]:
        """Hand one follow-up to a colleague (or the team inbox); returns the task id and its new owner."""
        self._may_assign()
        wanted = self._login(to)
        task_id = self._task_id(task_ref)
        with self._tx() as s:
            task, case = self._open_task(s, task_id)
            self._check_write("task", ["owner"], case)
            self._check_known(s, wanted)
            receiver, via = self.route_owner(s, wanted)
            previous = task.owner
            task.owner = receiver or assignment.TEAM_INBOX
            self._touch(case)
            self._event(s, case, "task_reassigned", previous=previous, owner=task.owner, via=via or None)
            return task.id, task.owner

    # -- absences ----------------------------------------------------------------
    def set_absence(self, login: str | None, date_from: date, date_until: date, deputy: str | None) -> uuid.UUID:
        """Record an absence (the own one without ``login``); new work for it goes to the deputy. It syncs to
        the office's other devices (schema 5), checked there and on the server by the same rule."""
        who = self._login(login) or self.actor.login
        deputy_login = self._login(deputy)
        if date_until < date_from:
            raise WbtuiError("err.absence_order")
        if deputy_login == who:
            raise WbtuiError("err.absence_self_deputy")
        self._may_record_absence(who, new_row=True)
        with self._tx() as s:
            row = Absence(
                login=who, deputy=deputy_login, date_from=date_from, date_until=date_until,
                created_by=self.actor.login, created_at=self.now(),
            )  # fmt: skip
            s.add(row)
            s.flush()
            return row.id

    def end_absence(self, login: str | None = None) -> int:
        """End the absences of ``login`` (default: the own) from today on; returns how many changed."""
        from sqlmodel import select

        who = self._login(login) or self.actor.login
        self._may_record_absence(who, new_row=False)
        yesterday = date.fromordinal(self.today().toordinal() - 1)
        changed = 0
        with self._tx() as s:
            for row in s.exec(select(Absence).where(Absence.login == who, Absence.date_until >= self.today())):
                if row.date_until < row.date_from:
                    continue  # withdrawn already
                # rows are never deleted (sync knows no deletes): an absence not yet begun is withdrawn by an end
                # before its start, which covers no day (domain/assignment.py AbsenceSpan.covers)
                row.date_until = (
                    yesterday if row.date_from <= yesterday else date.fromordinal(row.date_from.toordinal() - 1)
                )
                changed += 1
        return changed

    def _may_record_absence(self, login: str, *, new_row: bool) -> None:
        """The permission table's rule for absences (domain/permissions.py office_refusal), as the server checks it."""
        from wbtui.domain.permissions import office_refusal

        fields = ("login", "deputy", "date_from", "date_until") if new_row else ("date_until",)
        refusal = next((r for f in fields if (r := office_refusal(
            "absence", f, role=self.actor.role, org_kind=self.config.office_kind, new_row=new_row,
            own=login == self.actor.login)) is not None), None)  # fmt: skip
        if refusal is not None:
            exc = AccessDenied("err.absence_refused", role=self.actor.role)
            exc.permission = "absence.write"  # type: ignore[attr-defined]
            self.record_refusal(exc)
            raise exc

    def absences(self) -> list[dict]:
        """Current and coming absences of the office (logins and dates only)."""
        from sqlmodel import col, select

        with self._read() as s:
            rows = s.exec(
                select(Absence)
                .where(Absence.date_until >= self.today(), Absence.date_until >= Absence.date_from)
                .order_by(col(Absence.date_from))
            ).all()
            return [
                {"id": a.id.hex, "login": a.login, "deputy": a.deputy, "from": a.date_from, "until": a.date_until,
                 "active": a.date_from <= self.today() <= a.date_until}
                for a in rows
            ]  # fmt: skip
