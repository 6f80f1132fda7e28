"""Obstacles (Hemmnisse) of a case from the catalog (:mod:`wbtui.domain.catalog`); Art. 9 items need ``art9.write``."""

from __future__ import annotations

import uuid
from datetime import date

from wbtui.data.models import (
    Obstacle,
)
from wbtui.domain.errors import NotFound, RuleViolation, WbtuiError
from wbtui.domain.process import Stage
from wbtui.domain.text import clean, clean_opt
from wbtui.domain.vocab import (
    OBSTACLE_STATUSES,
)
from wbtui.services.base import ServiceBase


class ObstacleCommands(ServiceBase):
    # -- obstacles -------------------------------------------------------------
    def add_obstacle(
        self,
        case_id: uuid.UUID,
        code: str,
        *,
        status: str = "offen",
        service: str | None = None,
        review_on: date | None = None,
        note: str | None = None,
    ) -> uuid.UUID:
        item = self.catalog.get(code)
        if item is None:
            raise WbtuiError("err.unknown_obstacle", code=clean(code))
        if item.art9:
            from wbtui.domain import access as policy

            policy.require(self.actor.role, policy.ART9_WRITE)
        if status not in OBSTACLE_STATUSES:
            raise WbtuiError("err.bad_choice", field="status", value=status, choices=", ".join(OBSTACLE_STATUSES))
        from sqlmodel import select

        with self._tx() as s:
            case, _ = self._load(s, case_id)
            self._check_write("obstacle", ["code", "status"], case, new_row=True, art9_row=item.art9)
            if case.stage == Stage.CLOSED:
                raise RuleViolation([("guard.case_closed", {})])
            if s.exec(select(Obstacle).where(Obstacle.case_id == case.id, Obstacle.code == item.code)).first():
                raise WbtuiError("err.obstacle_exists", code=item.code)
            obstacle = Obstacle(
                case_id=case.id,
                code=item.code,
                art9=item.art9,
                status=status,
                service=clean_opt(service) or item.service or None,
                referred_on=self.today() if status == "in_bearbeitung" else None,
                review_on=review_on,
                note=clean_opt(note, multiline=True),
            )
            s.add(obstacle)
            self._touch(case)
            self._event(s, case, "obstacle_added", code=item.code, status=status)
            return obstacle.id

    def set_obstacle(
        self,
        case_id: uuid.UUID,
        code: str,
        *,
        status: str | None = None,
        service: str | None = None,
        review_on: date | None = None,
        note: str | None = None,
    ) -> None:
        from sqlmodel import select

        if status is not None and status not in OBSTACLE_STATUSES:
            raise WbtuiError("err.bad_choice", field="status", value=status, choices=", ".join(OBSTACLE_STATUSES))
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            code_u = clean(code).upper()
            obstacle = s.exec(select(Obstacle).where(Obstacle.case_id == case.id, Obstacle.code == code_u)).first()
            if obstacle is None:
                raise NotFound("err.obstacle_not_on_case", code=code_u)
            changing = [
                n
                for n, v in (("status", status), ("service", service), ("review_on", review_on), ("note", note))
                if v is not None
            ]
            self._check_write("obstacle", changing, case, art9_row=obstacle.art9)
            if obstacle.art9:
                from wbtui.domain import access as policy

                policy.require(self.actor.role, policy.ART9_WRITE)
            if status is not None and status != obstacle.status:
                if status == "in_bearbeitung" and obstacle.referred_on is None:
                    obstacle.referred_on = self.today()
                obstacle.status = status
            if service is not None:
                obstacle.service = clean_opt(service)
            if review_on is not None:
                obstacle.review_on = review_on
            if note is not None:
                obstacle.note = clean_opt(note, multiline=True)
            obstacle.updated_at = self.now()
            self._touch(case)
            self._event(s, case, "obstacle_updated", code=obstacle.code, status=obstacle.status)
