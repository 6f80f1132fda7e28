"""The handover to the Agentur: check, send, acknowledge, query, revoke (rules: :mod:`wbtui.domain.process`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wbtui.data.models import (
    FbwCase,
    Handover,
    Obstacle,
    Person,
)
from wbtui.domain import process
from wbtui.domain.errors import RuleViolation, WbtuiError
from wbtui.domain.fields import HANDOVER_CASE_FIELDS, HANDOVER_PERSON_FIELDS, HEALTH_SUMMARY_FIELD
from wbtui.domain.process import CaseFacts, Stage, TransitionInput
from wbtui.domain.text import clean, clean_opt
from wbtui.services.base import ServiceBase, jsonable


class HandoverCommands(ServiceBase):
    if TYPE_CHECKING:
        # the stage change itself lives in CaseCommands, which Services combines with this mixin
        def _apply(self, s, case: FbwCase, src: Stage, target: Stage, data: TransitionInput) -> None: ...

    def handover_check(self, case_id: uuid.UUID) -> list:
        """What is missing before the handover can be sent (empty when complete); the check shows which
        personal data are there or not, so it is audited like a read."""
        from wbtui.services import case_checks

        return case_checks.handover_check(self._reader(), case_id)  # the raw read path: no ORM

    # -- handover ----------------------------------------------------------------
    def handover_package(self, s, case: FbwCase, person: Person, facts: CaseFacts) -> dict:
        """The minimum data set, restricted to what consent or § 69 SGB X allows."""
        from sqlmodel import select

        obstacles = s.exec(select(Obstacle).where(Obstacle.case_id == case.id)).all()
        package: dict[str, Any] = {
            "version": 1,
            "person": {k: jsonable(getattr(person, k)) for k in HANDOVER_PERSON_FIELDS},
            "case": {k: jsonable(getattr(case, k)) for k in HANDOVER_CASE_FIELDS},
            "obstacles": [
                {"code": o.code, "status": o.status} for o in obstacles if not o.art9 or facts.consent_health
            ],
            "jc_contact": {"name": self.actor.name, "office": self.config.office_name},
        }
        if facts.consent_health and case.health_limits_summary:
            package["case"][HEALTH_SUMMARY_FIELD] = case.health_limits_summary
        return package

    def send_handover(self, case_id: uuid.UUID, *, channel: str = "shared_system") -> uuid.UUID:
        if channel not in ("shared_system", "file_export", "post", "email"):
            raise WbtuiError(
                "err.bad_choice", field="channel", value=channel, choices="shared_system, file_export, post, email"
            )
        with self._tx() as s:
            case, person = self._load(s, case_id)
            facts = self.facts(s, case, person)
            if Stage(case.stage) != Stage.READY:
                raise RuleViolation([("guard.handover_needs_ready", {})])
            reasons = process.check_transition(facts, Stage.HANDED_OVER, TransitionInput(), side=self.actor.side)
            if reasons:
                raise RuleViolation(reasons)
            agentur = self._partner_agentur(s)
            handover = Handover(
                case_id=case.id,
                from_org_id=self.actor.org_id,
                to_org_id=agentur.id,
                from_user=self.actor.login,
                sent_at=self.now(),
                channel=channel,
                package=self.handover_package(s, case, person, facts),
                # the basis the Jobcenter declared for the case comes first: a statute where it applies,
                # a consent only where no statute does (README "Consent projection")
                legal_basis=case.legal_basis or ("consent" if facts.consent_for_agentur else "sgb_x_69"),
            )
            s.add(handover)
            case.agentur_org_id = agentur.id
            from wbtui.sync.recorder import queue_command

            # on a shared server the handover also grants the Agentur access (a server-validated command)
            queue_command(s, "handover.send", case_id=case.id.hex, to_org=agentur.name)
            self._event(s, case, "handover_sent", to=agentur.name, channel=channel)
            self._apply(s, case, Stage.READY, Stage.HANDED_OVER, TransitionInput())
            return handover.id

    def _open_handover(self, s, case: FbwCase) -> Handover:
        from sqlmodel import col, select

        handover = s.exec(
            select(Handover)
            .where(Handover.case_id == case.id, Handover.status == "sent")
            .order_by(col(Handover.sent_at).desc())
        ).first()
        if handover is None or Stage(case.stage) != Stage.HANDED_OVER:
            raise RuleViolation([("guard.no_open_handover", {})])
        if not process.side_may_act(self.actor.side, Stage.HANDED_OVER):
            raise RuleViolation([("guard.wrong_side", {"owner": process.AA})])
        return handover

    def revoke_handover(self, case_id: uuid.UUID, reason: str = "handover_revoked") -> None:
        """The Jobcenter withdraws the Agentur's access to the case (e.g. after the course ended).

        On a shared server the Agentur's devices delete the case at their next sync; their
        unsent changes survive as ``access_lost`` conflicts."""
        from wbtui.domain import access as policy

        if self.actor.side != process.JC:
            raise policy.AccessDenied("err.revoke_needs_jobcenter")
        from sqlmodel import select

        from wbtui.sync.recorder import queue_command

        reason = clean(reason)[:40] or "handover_revoked"
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            if s.exec(select(Handover).where(Handover.case_id == case.id)).first() is None:
                raise WbtuiError("err.export_needs_handover")
            case.agentur_org_id = None
            queue_command(s, "handover.revoke", case_id=case.id.hex, reason=reason)
            self._touch(case)
            self._event(s, case, "handover_revoked", reason=reason)

    def ack_handover(
        self, case_id: uuid.UUID, *, appointment_at: datetime | None = None, location: str | None = None
    ) -> None:
        if appointment_at is not None:  # checked before anything is written
            self._refuse("aa_beratung", Stage.HANDED_OVER, None, "geplant", appointment_at)  # type: ignore[attr-defined]
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            handover = self._open_handover(s, case)
            handover.status = "accepted"
            handover.acknowledged_by = self.actor.login
            handover.acknowledged_at = self.now()
            self._event(s, case, "handover_received")
        # acknowledged, the case stays in S4 until a counselling appointment is agreed (domain/process.py);
        # given with the acknowledgement, it is agreed at once (its own transaction: the rules of appointments)
        if appointment_at is not None:
            self.add_appointment(case_id, "aa_beratung", appointment_at, location=location)  # type: ignore[attr-defined]

    def query_handover(self, case_id: uuid.UUID, text: str) -> None:
        cleaned = clean_opt(text, multiline=True)
        if not cleaned:
            raise WbtuiError("err.query_needs_text")
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            handover = self._open_handover(s, case)
            handover.status = "query"
            handover.query_text = cleaned
            handover.acknowledged_by = self.actor.login
            handover.acknowledged_at = self.now()
            self._event(s, case, "handover_query")
            self._apply(s, case, Stage.HANDED_OVER, Stage.READY, TransitionInput(note=cleaned))
