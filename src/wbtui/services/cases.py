"""Intake, field changes and stage transitions of a case (rules: :mod:`wbtui.domain.process`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from wbtui.data.models import (
    Appointment,
    Course,
    Enrolment,
    FbwCase,
    Person,
    Voucher,
)
from wbtui.domain import process
from wbtui.domain.errors import RuleViolation, WbtuiError
from wbtui.domain.fields import FIELDS, parse_field
from wbtui.domain.process import Stage, TransitionInput
from wbtui.domain.text import clean, clean_opt
from wbtui.services.base import ServiceBase


class CaseCommands(ServiceBase):
    def next_steps(self, case_id: uuid.UUID) -> list[tuple[Stage, list]]:
        """Reachable stages with the reasons each is refused right now (for previews), from the raw rows
        (services/case_checks.py: opening a case loads no ORM)."""
        from wbtui.services import case_checks

        return case_checks.next_steps(self._reader(), case_id, self.config.side)

    # -- intake ----------------------------------------------------------------
    def create_case(
        self, values: dict[str, object], *, update_person: bool = False, reason: str | None = None
    ) -> uuid.UUID:
        """Intake (Erfassung): person and need in one step. ``values`` are raw field values.

        For a Kundennummer on record (services/known_person.py): the lookup is audited, a second open
        case is refused, the person must lie within the caseload (or ``reason`` opens it by break-glass),
        and changing their stored data needs ``update_person``."""
        from wbtui.services import known_person

        actor = self.actor
        self._may_create()
        # values of many field types, each checked by parse_field; they feed the row constructors
        parsed: dict[str, Any] = {name: parse_field(name, raw, today=self.today()) for name, raw in values.items()}
        for name in ("kundennummer", "family_name", "given_names"):
            if not parsed.get(name):
                raise WbtuiError("err.field_required", field=name)
        known = known_person.look_up(self, [parsed["kundennummer"]]).get(parsed["kundennummer"])
        if known is not None:
            if known.open_case is not None:
                raise WbtuiError("err.open_case_exists", kundennummer=known.kundennummer, ref=known.open_case[:8])
            known_person.admit(self, known, reason)
            changes = known.changes(parsed)
            if changes and not update_person:
                raise WbtuiError("err.person_differs", changes=known_person.changes_text(changes))
        with self._tx() as s:
            from sqlmodel import select

            person = s.exec(select(Person).where(Person.kundennummer == parsed["kundennummer"])).first()
            if person is None:
                person = Person(**{k: v for k, v in parsed.items() if FIELDS[k].entity == "person"})
                person.jobcenter_org_id = actor.org_id
                s.add(person)
                s.flush()
            else:
                if known is None or known.person_id != person.id.hex:
                    raise WbtuiError("err.store_busy")  # another process took the person in meanwhile
                self._assert_no_open_case(s, person)
                changed = False
                for k, v in parsed.items():
                    if FIELDS[k].entity == "person" and v is not None and getattr(person, k) != v:
                        setattr(person, k, v)
                        changed = True
                if changed:
                    person.updated_at = self.now()
            now = self.now()
            case = FbwCase(
                person_id=person.id,
                jobcenter_org_id=actor.org_id if actor.side == process.JC else None,
                owner_user_id=actor.user_id,
                owner_login=actor.login,  # the caseload travels with the case (domain/access.py)
                owner_team=self.config.user_team,
                stage_since=now,
                created_at=now,
                updated_at=now,
                **{k: v for k, v in parsed.items() if FIELDS[k].entity == "case"},
            )
            s.add(case)
            s.flush()
            self._event(s, case, "case_created", to_stage=case.stage)
            return case.id

    def _may_create(self) -> None:
        """A case is opened by a Jobcenter role that writes cases (never the DSB or the administrator)."""
        from wbtui.domain import access as policy

        if not policy.may_create_cases(self.actor.role, self.actor.side):
            exc = policy.AccessDenied("err.create_refused", role=self.actor.role)
            exc.permission = "case.create"  # type: ignore[attr-defined]
            self.record_refusal(exc)
            raise exc

    def _assert_no_open_case(self, s, person: Person) -> None:
        from sqlmodel import select

        open_case = s.exec(
            select(FbwCase).where(FbwCase.person_id == person.id, FbwCase.stage != Stage.CLOSED.value)
        ).first()
        if open_case is not None:
            raise WbtuiError("err.open_case_exists", kundennummer=person.kundennummer, ref=open_case.id.hex[:8])

    def update_fields(self, case_id: uuid.UUID, values: dict[str, object]) -> list[str]:
        """Change intake / need-assessment fields; returns the names changed."""
        parsed = {name: parse_field(name, raw, today=self.today()) for name, raw in values.items()}
        with self._tx() as s:
            case, person = self._load(s, case_id)
            if case.stage == Stage.CLOSED:
                raise RuleViolation([("guard.case_closed", {})])
            for name in parsed:
                self._check_write("person" if FIELDS[name].entity == "person" else "case", [name], case)
            changed = []
            for name, value in parsed.items():
                target = person if FIELDS[name].entity == "person" else case
                if getattr(target, name) != value:
                    setattr(target, name, value)
                    changed.append(name)
            if changed:
                if any(FIELDS[name].entity == "person" for name in changed):
                    person.updated_at = self.now()  # only when the person changed (it is the Jobcenter's record)
                self._touch(case)
                # field names only: the timeline never copies personal data
                self._event(s, case, "intake_updated", fields=sorted(changed))
            return changed

    # -- stage transitions -------------------------------------------------------
    def move(
        self, case_id: uuid.UUID, target: Stage | str, data: TransitionInput | None = None, *, _command: bool = False
    ) -> Stage:
        target = Stage(target)
        data = data or TransitionInput()
        with self._tx() as s:
            case, person = self._load(s, case_id)
            src = Stage(case.stage)
            command = process.VIA_COMMAND.get((src, target))
            if command and not _command:
                raise RuleViolation([("guard.use_command", {"command": command})])
            facts = self.facts(s, case, person)
            reasons = process.check_transition(facts, target, data, side=self.actor.side)
            if reasons:
                raise RuleViolation(reasons)
            self._apply(s, case, src, target, data)
            return target

    def _apply(self, s, case: FbwCase, src: Stage, target: Stage, data: TransitionInput) -> None:
        from sqlmodel import col, select

        from wbtui.domain.permissions import transition_fields

        # what the transition sets (stage, its time, its reason) is checked with it against the one table the
        # server enforces too (domain/permissions.py): e.g. only the Jobcenter writes a close reason
        self._check_write("case", transition_fields(target), case, stage_after=target)
        now, today = self.now(), self.today()
        note = clean_opt(data.note, multiline=True)
        details: dict = {}
        if target == Stage.COUNSELLED and src == Stage.COUNSELLING_SCHEDULED:
            case.counselling_outcome = data.outcome or case.counselling_outcome
            if data.appointment_at:
                case.appointment_at = data.appointment_at
            assert case.appointment_at is not None  # check_transition refused it otherwise (guard.no_appointment)
            self._counselling_held(s, case)
            self._event(s, case, "counselling_result", outcome=case.counselling_outcome)
        elif target == Stage.VOUCHER_ISSUED:
            assert data.valid_until is not None  # check_transition refused it otherwise (guard.voucher_needs_validity)
            voucher = Voucher(
                case_id=case.id,
                number=case.voucher_number,
                issued_on=data.issued_on or today,
                valid_until=data.valid_until,
                training_goal=case.training_goal or case.target_title,
                kldb=case.target_kldb,
                max_duration_months=case.duration_months,
                regional_scope=case.region,
                cost_items=["lehrgang"],
            )
            s.add(voucher)
            case.voucher_valid_until = data.valid_until
            self._event(s, case, "voucher_issued", valid_until=data.valid_until)
        elif target == Stage.VOUCHER_EXPIRED:
            for voucher in s.exec(select(Voucher).where(Voucher.case_id == case.id, Voucher.status == "ausgegeben")):
                voucher.status = "verfallen"
            self._event(s, case, "voucher_expired")
        elif target == Stage.ENROLMENT_APPROVED:
            case.course_start = data.course_start or case.course_start
            case.course_planned_end = data.course_end or case.course_planned_end
            course = Course(
                title=case.course_title or clean(data.note) or (case.target_title or "Maßnahme"),
                provider_name=case.provider_name,
                kursnet_id=case.kursnet_id,
                start=case.course_start,
                planned_end=case.course_planned_end,
                leads_to_qualification=bool(case.qualification_2y),
            )
            s.add(course)
            s.flush()
            s.add(Enrolment(case_id=case.id, course_id=course.id, planned_end=case.course_planned_end))
            for voucher in s.exec(select(Voucher).where(Voucher.case_id == case.id, Voucher.status == "ausgegeben")):
                voucher.status = "eingeloest"
            self._event(s, case, "enrolment_approved", start=case.course_start, planned_end=case.course_planned_end)
            note = None
        elif target == Stage.IN_TRAINING:
            for enrol in s.exec(
                select(Enrolment).where(Enrolment.case_id == case.id, col(Enrolment.actual_end).is_(None))
            ):
                enrol.entered_on = enrol.entered_on or case.course_start
            case.course_actual_start = case.course_actual_start or case.course_start
            case.last_contact_at = now
            self._event(s, case, "course_started", start=case.course_start)
        elif target == Stage.DROPPED_OUT:
            self._end_enrolment(s, case, data.reason)
            case.dropout_reason = data.reason
            case.course_actual_end = case.course_actual_end or today
            self._event(s, case, "dropout", reason=data.reason)
        elif target == Stage.COMPLETED:
            self._end_enrolment(s, case, "regulaer")
            case.course_actual_end = case.course_actual_end or today
            self._event(s, case, "course_completed")
        elif target == Stage.INTEGRATED:
            if src == Stage.IN_TRAINING:
                self._end_enrolment(s, case, "abbruch_arbeitsaufnahme")
            self._event(s, case, "integration")
        elif target == Stage.CLOSED:
            case.close_reason = data.reason
            case.closed_at = now
            self._event(s, case, "case_closed", reason=data.reason)
        elif target == Stage.DECLINED_BY_AGENCY:
            case.decline_reason = data.reason
            self._event(s, case, "counselling_result", outcome=case.counselling_outcome, reason=data.reason)
        elif target == Stage.NOT_YET_INTEGRATED:
            case.non_integration_reason = data.reason
            self._event(s, case, "not_integrated", reason=data.reason)
        case.stage = target.value
        case.stage_since = now
        self._touch(case)
        details["note"] = note
        self._event(s, case, "stage_changed", from_stage=src.value, to_stage=target.value, **details)

    def _counselling_held(self, s, case: FbwCase) -> None:
        """The counselling took place at ``case.appointment_at``. The planned counselling appointment (the
        earliest) is held when that is its time; at another time it keeps its time and becomes ``verschoben``,
        replaced by a held appointment at the actual time: a planned appointment's date is history and is
        never rewritten (README "Appointments"). Without a planned one, the counselling is recorded as held."""
        from sqlmodel import col, select

        planned = s.exec(
            select(Appointment)
            .where(Appointment.case_id == case.id, Appointment.kind == "aa_beratung", Appointment.status == "geplant")
            .order_by(col(Appointment.starts_at))
        ).first()
        now = self.now()
        at = case.appointment_at
        assert at is not None  # check_transition refused it otherwise (guard.no_appointment)
        if planned is not None and _utc_naive(planned.starts_at) == _utc_naive(at):
            planned.status, planned.updated_at = "wahrgenommen", now
            return
        held = Appointment(case_id=case.id, kind="aa_beratung", starts_at=at, status="wahrgenommen",
                           organiser=self.actor.login, created_at=now, updated_at=now)  # fmt: skip
        if planned is not None:
            planned.status, planned.updated_at = "verschoben", now
            held.moved_from = planned.id.hex
            held.duration_minutes, held.location = planned.duration_minutes, planned.location
            held.with_whom = planned.with_whom
            self._event(s, case, "appointment_updated", kind=planned.kind, status="verschoben", at=at,
                        appointment=held.id.hex, replaces=planned.id.hex)  # fmt: skip
        s.add(held)

    def _end_enrolment(self, s, case: FbwCase, outcome: str | None) -> None:
        from sqlmodel import col, select

        for enrol in s.exec(select(Enrolment).where(Enrolment.case_id == case.id, col(Enrolment.actual_end).is_(None))):
            enrol.actual_end = self.today()
            enrol.outcome = outcome

    def close(self, case_id: uuid.UUID, reason: str | None, note: str | None = None) -> None:
        self.move(case_id, Stage.CLOSED, TransitionInput(reason=reason, note=note))

    def set_appointment(self, case_id: uuid.UUID, when: datetime, kind: str = "aa_beratung") -> uuid.UUID:
        """``case appointment``: a planned appointment (services/appointments.py holds the rules' use)."""
        return self.add_appointment(case_id, kind, when)  # type: ignore[attr-defined]

    def record_contact(self, case_id: uuid.UUID, note: str | None = None) -> None:
        """A sign of life (contact during the course or after it)."""
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            case.last_contact_at = self.now()
            self._touch(case)
            self._event(s, case, "contact", note=clean_opt(note, multiline=True))


def _utc_naive(value: datetime) -> datetime:
    """A time as naive UTC (SQLite hands stored times back naive, in UTC), for comparing two of them."""
    from datetime import UTC

    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
