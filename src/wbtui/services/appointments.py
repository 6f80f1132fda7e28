"""Appointments (Termine): add, move, record the result, list (rules: :mod:`wbtui.domain.appointments`).

A counselling appointment agreed after the handover was acknowledged moves the case to S5
("Beratungstermin vereinbart", :mod:`wbtui.domain.process`); the case's ``appointment_at`` follows its
counselling appointments (the planned one, else the one held), so the process guards and the handover
documents read one value. Every change appends a timeline entry without free text (README "Appointments").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from wbtui.data.models import Appointment, FbwCase, Handover
from wbtui.domain import appointments as rules
from wbtui.domain import process
from wbtui.domain.errors import NotFound, RuleViolation, WbtuiError
from wbtui.domain.process import Stage, TransitionInput
from wbtui.domain.text import clean
from wbtui.services.base import ServiceBase

STATUS_WORDS = {  # CLI words for the results (English and German), to the stored status
    "held": "wahrgenommen",
    "no_show": "nicht_erschienen",
    "cancelled": "abgesagt",
}


class AppointmentCommands(ServiceBase):
    if TYPE_CHECKING:

        def _apply(self, s, case: FbwCase, src: Stage, target: Stage, data: TransitionInput) -> None: ...

    def resolve_appointment(self, ref: str) -> uuid.UUID:
        """An appointment by the start of its id (at least 4 hex digits, as lists show it)."""
        hexref = (ref or "").strip().lower().replace("-", "")
        if len(hexref) < 4 or not all(ch in "0123456789abcdef" for ch in hexref):
            raise NotFound("err.appt_not_found", ref=(ref or "")[:40])
        con = self.store.raw()
        try:
            rows = con.execute("SELECT id FROM appointment WHERE id LIKE ? LIMIT 2", (hexref + "%",)).fetchall()
        finally:
            con.close()
        if not rows:
            raise NotFound("err.appt_not_found", ref=ref[:40])
        if len(rows) > 1:
            raise WbtuiError("err.ambiguous_ref", ref=ref)
        return uuid.UUID(rows[0][0])

    def add_appointment(
        self,
        case_id: uuid.UUID,
        kind: str,
        starts_at: datetime,
        *,
        location: str | None = None,
        with_whom: str | None = None,
        duration_minutes: int | None = None,
        status: str = rules.PLANNED,
    ) -> uuid.UUID:
        """A new appointment (planned, or recorded after the fact as held / missed)."""
        with self._tx() as s:
            case, person = self._load(s, case_id)
            stage = Stage(case.stage)
            self._refuse(kind, stage, None, status, starts_at)
            if duration_minutes is not None and not 5 <= duration_minutes <= 600:
                raise WbtuiError("err.appt_duration")
            move_to_s5 = kind == rules.COUNSELLING and status == rules.PLANNED and stage == Stage.HANDED_OVER
            if move_to_s5 and self._acknowledged(s, case) is None:
                raise RuleViolation([("guard.appt_ack_first", {})])
            now = self.now()
            appt = Appointment(
                case_id=case.id, kind=kind, starts_at=starts_at, duration_minutes=duration_minutes,
                location=clean(location)[:200] or None, with_whom=clean(with_whom)[:200] or None, status=status,
                organiser=self.actor.login, created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(appt)
            s.flush()
            self._check_appt_write(
                case, kind, new_row=True, stage_after=Stage.COUNSELLING_SCHEDULED if move_to_s5 else None
            )
            self._follow(s, case)
            self._touch(case)
            self._event(s, case, "appointment_set", kind=kind, at=starts_at, status=status, appointment=appt.id.hex)
            if move_to_s5:
                facts = self.facts(s, case, person)
                reasons = process.check_transition(
                    facts, Stage.COUNSELLING_SCHEDULED, TransitionInput(), side=self.actor.side
                )
                if reasons:
                    raise RuleViolation(reasons)
                self._apply(s, case, Stage.HANDED_OVER, Stage.COUNSELLING_SCHEDULED, TransitionInput())
            return appt.id

    def agree_counselling(
        self, case_id: uuid.UUID, starts_at: datetime | None, *, location: str | None = None
    ) -> uuid.UUID | None:
        """S4 -> S5: a counselling appointment agreed, acknowledging the handover first if that is still open."""
        if starts_at is None:
            raise RuleViolation([("guard.s5_needs_appointment", {})])
        with self._read() as s:
            case, _person = self._load(s, case_id, "case.read")
            acknowledged = self._acknowledged(s, case) is not None
        if not acknowledged:
            self.ack_handover(case_id, appointment_at=starts_at, location=location)  # type: ignore[attr-defined]
            return None
        return self.add_appointment(case_id, rules.COUNSELLING, starts_at, location=location)

    def move_appointment(
        self, appointment_id: uuid.UUID, starts_at: datetime, *, reason: str | None = None, location: str | None = None
    ) -> uuid.UUID:
        """Reschedule: the appointment becomes ``verschoben`` and a new planned one replaces it."""
        with self._tx() as s:
            old, case = self._appointment(s, appointment_id)
            stage = Stage(case.stage)
            self._refuse(old.kind, stage, old.status, "verschoben", old.starts_at, reason)
            self._refuse(old.kind, stage, None, rules.PLANNED, starts_at)
            now = self.now()
            old.status, old.status_reason, old.updated_at = "verschoben", clean(reason)[:500] or None, now
            new = Appointment(
                case_id=case.id, kind=old.kind, starts_at=starts_at, duration_minutes=old.duration_minutes,
                location=clean(location)[:200] or old.location, with_whom=old.with_whom, status=rules.PLANNED,
                moved_from=old.id.hex, organiser=self.actor.login, created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(new)
            s.flush()
            self._check_appt_write(case, old.kind, new_row=True)
            self._follow(s, case)
            self._touch(case)
            self._event(s, case, "appointment_updated", kind=old.kind, status="verschoben", at=starts_at,
                        appointment=new.id.hex, replaces=old.id.hex)  # fmt: skip
            return new.id

    def set_appointment_status(self, appointment_id: uuid.UUID, status: str, *, reason: str | None = None) -> None:
        """Record what became of a planned appointment: held, no-show or cancelled (with a reason)."""
        status = STATUS_WORDS.get(status, status)
        if status not in ("wahrgenommen", "nicht_erschienen", "abgesagt"):
            raise WbtuiError("err.bad_choice", field="status", value=status, choices="held, no_show, cancelled")
        with self._tx() as s:
            appt, case = self._appointment(s, appointment_id)
            self._refuse(appt.kind, Stage(case.stage), appt.status, status, appt.starts_at, reason)
            appt.status, appt.updated_at = status, self.now()
            appt.status_reason = clean(reason)[:500] or None
            self._check_appt_write(case, appt.kind, new_row=False)
            self._follow(s, case)
            self._touch(case)
            event = "appointment_missed" if status == "nicht_erschienen" else "appointment_updated"
            self._event(s, case, event, kind=appt.kind, status=status, at=appt.starts_at, appointment=appt.id.hex)

    # -- helpers -------------------------------------------------------------------------------------
    def _appointment(self, s, appointment_id: uuid.UUID) -> tuple[Appointment, FbwCase]:
        appt = s.get(Appointment, appointment_id)
        if appt is None:
            raise NotFound("err.appt_not_found", ref=appointment_id.hex[:8])
        case, _person = self._load(s, appt.case_id)
        return appt, case

    def _refuse(self, kind, stage, before, after, starts_at, reason=None) -> None:
        reasons = rules.appointment_refusals(
            kind=kind, side=self.actor.side, stage=stage, status_before=before, status_after=after,
            starts_at=_local_day(starts_at), today=self.today(), reason=reason,
        )  # fmt: skip
        if reasons:
            raise RuleViolation(reasons)

    def _check_appt_write(self, case: FbwCase, kind: str, *, new_row: bool, stage_after=None) -> None:
        from wbtui.domain.access import AccessDenied
        from wbtui.domain.permissions import write_refusal

        stage = Stage(case.stage)
        reason = write_refusal(
            "appointment", "status", role=self.actor.role, new_row=new_row, stage_before=stage,
            stage_after=stage_after or stage, appointment_kind=kind,
        )  # fmt: skip
        if reason is not None:
            from wbtui.data.access import refusal

            exc = AccessDenied("err.write_refused", field="field.appt_kind", reason=f"perm.{reason}")
            raise refusal(exc, case.id.hex, "write:appointment")

    def _acknowledged(self, s, case: FbwCase) -> Handover | None:
        from sqlmodel import select

        return s.exec(select(Handover).where(Handover.case_id == case.id, Handover.status == "accepted")).first()

    def _follow(self, s, case: FbwCase) -> None:
        """The case's ``appointment_at`` follows its counselling appointments (planned first, else held)."""
        from sqlmodel import select

        rows = s.exec(
            select(Appointment).where(Appointment.case_id == case.id, Appointment.kind == rules.COUNSELLING)
        ).all()
        planned = sorted(a.starts_at for a in rows if a.status == rules.PLANNED)
        held = sorted(a.starts_at for a in rows if a.status == "wahrgenommen")
        value = planned[0] if planned else (held[-1] if held else None)
        if _naive(case.appointment_at) != _naive(value) and self.actor.side == process.AA:
            case.appointment_at = value


def _naive(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None and value.tzinfo is not None else value


def _local_day(value: datetime | None):
    """The office-local calendar day of a stored time (stored UTC, naive from SQLite)."""
    from datetime import UTC

    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().date()
