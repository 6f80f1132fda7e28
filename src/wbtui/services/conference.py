"""Fallkonferenzen: the consent gate, the protocol and the follow-ups each decision creates."""

from __future__ import annotations

import re
import uuid
from datetime import date

from wbtui.data.models import (
    Conference,
    ConferenceParticipant,
    Consent,
    Person,
    Task,
)
from wbtui.domain.errors import RuleViolation, WbtuiError
from wbtui.domain.process import Stage
from wbtui.domain.text import clean, clean_opt
from wbtui.domain.vocab import (
    AGENDA_TEMPLATE,
    CONFERENCE_VARIANTS,
    DECISIONS,
)
from wbtui.services.base import ServiceBase


class ConferenceCommands(ServiceBase):
    # -- conference --------------------------------------------------------------
    def add_conference(
        self,
        case_id: uuid.UUID,
        *,
        variant: str,
        participants: list[tuple[str, str, str | None]],
        decisions: list[tuple[str, str, date]],
        held_on: date | None = None,
        agenda: list[str] | None = None,
        dissent: str | None = None,
        next_review: date | None = None,
        place: str | None = None,
        start_time: str | None = None,
        minutes: dict[str, str] | None = None,
        distribution: list[str] | None = None,
    ) -> uuid.UUID:
        """Record a Fallkonferenz. ``decisions`` are ``(code, task_owner, due_on)``; each creates a task."""
        if variant not in CONFERENCE_VARIANTS:
            raise WbtuiError("err.bad_choice", field="variant", value=variant, choices=", ".join(CONFERENCE_VARIANTS))
        if not participants:
            raise WbtuiError("err.conference_participants")
        if not decisions:
            raise WbtuiError("err.conference_decisions")
        for code, owner, _due in decisions:
            if code not in DECISIONS:
                raise WbtuiError("err.bad_choice", field="decision", value=code, choices=", ".join(DECISIONS))
            if not clean(owner):
                raise WbtuiError("err.task_owner")
        held = held_on or self.today()
        if start_time is not None and not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", start_time.strip()):
            raise WbtuiError("err.bad_time", value=start_time)
        for item in minutes or {}:
            if item not in AGENDA_TEMPLATE:
                raise WbtuiError("err.bad_choice", field="--minutes", value=item, choices=", ".join(AGENDA_TEMPLATE))
        with self._tx() as s:
            case, person = self._load(s, case_id)
            if case.stage == Stage.CLOSED:
                raise RuleViolation([("guard.case_closed", {})])
            consent_id = self._conference_consent(s, person, variant, held, participants)
            conference = Conference(
                case_id=case.id,
                held_on=held,
                variant=variant,
                with_person=variant == "mit_person",
                organiser=self.actor.login,
                consent_id=consent_id,
                agenda=list(agenda or AGENDA_TEMPLATE),
                decisions=[code for code, _, _ in decisions],
                dissent=clean_opt(dissent, multiline=True),
                next_review=next_review,
                place=clean_opt(place),
                start_time=start_time.strip() if start_time else None,
                minutes={item: clean(text, multiline=True) for item, text in (minutes or {}).items() if clean(text)},
                distribution=[clean(d) for d in distribution or [] if clean(d)],
            )
            s.add(conference)
            s.flush()
            for name, role, org in participants:
                s.add(
                    ConferenceParticipant(
                        conference_id=conference.id, name=clean(name), role=clean(role), organisation=clean_opt(org)
                    )
                )
            from wbtui.domain.assignment import TEAM_INBOX
            from wbtui.services.assignment import route_in

            for code, named, due in decisions:
                receiver, _via = route_in(s, clean(named), self.today())  # an absent owner's deputy (README)
                owner = receiver or TEAM_INBOX
                conference.responsible = [*conference.responsible, self._responsible(s, owner)]
                s.add(
                    Task(
                        case_id=case.id,
                        origin="fallkonferenz",
                        title=code,
                        owner=owner,
                        due_on=due,
                        conference_id=conference.id,
                    )
                )
                self._event(s, case, "task_created", title=code, owner=owner, due=due)
            self._touch(case)
            self._event(s, case, "conference_held", variant=variant, decisions=[c for c, _, _ in decisions])
            return conference.id

    def _responsible(self, s, login: str) -> str:
        """Who answers for a decision, as the protocol prints it ever after: name and role, never a login
        (README "Documents"); a login the office has no name for is named by the office."""
        from sqlmodel import select

        from wbtui.data.models import AppUser
        from wbtui.domain.assignment import TEAM_INBOX
        from wbtui.i18n import catalog

        if login == TEAM_INBOX:
            return "Team-Eingang"
        user = s.exec(select(AppUser).where(AppUser.login == login)).first()
        if user is None:
            return f"Sachbearbeitung {self.config.office_name}"
        role = catalog("de").get("role." + user.role)
        return f"{user.display_name} ({role})" if isinstance(role, str) else user.display_name

    def _conference_consent(self, s, person: Person, variant: str, held: date, participants) -> uuid.UUID | None:
        """The gate of domain/conference.py: who may sit at the table, and the consent it rests on."""
        from sqlmodel import select

        from wbtui.domain import conference

        consents = s.exec(select(Consent).where(Consent.person_id == person.id)).all()
        reasons, consent = conference.refusals(variant, participants, consents, held)
        if reasons:
            raise RuleViolation(reasons)
        return consent.id if consent is not None else None

    def conference_gate(self, case_id: uuid.UUID, variant: str, participants=()) -> list:
        """Reasons why a conference of ``variant`` with these participants may not be held now (empty: it may)."""
        from wbtui.services import case_checks

        return case_checks.conference_gate(self._reader(), case_id, variant, participants)  # raw: no ORM
