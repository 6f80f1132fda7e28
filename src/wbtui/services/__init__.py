"""Write-side services: every change of a case goes through here.

Each public method runs in one write transaction, checks the process rules of
:mod:`wbtui.domain.process` and appends timeline events in the same transaction,
so a refused or failed action leaves nothing half-written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from wbtui.data.models import (
    Appointment,
    AppUser,
    CaseEvent,
    Conference,
    ConferenceParticipant,
    Consent,
    Course,
    Enrolment,
    FbwCase,
    Handover,
    Obstacle,
    Organisation,
    Person,
    Task,
    Voucher,
    utcnow,
)
from wbtui.domain import process
from wbtui.domain.errors import NotFound, RuleViolation, WbtuiError
from wbtui.domain.fields import FIELDS, parse_field
from wbtui.domain.process import CaseFacts, Stage, TransitionInput
from wbtui.domain.text import clean, clean_opt

CONSENT_PURPOSES = ("fbw_uebergabe", "fallkonferenz", "fbw_gesamt")
CONSENT_RECIPIENTS = ("agentur", "bildungstraeger", "kommunaler_dienst", "jugendamt", "reha_traeger")
DATA_GROUPS = ("stammdaten", "qualifikation", "hemmnisse", "gesundheit")
CONFERENCE_VARIANTS = ("fallbesprechung", "ohne_person", "mit_person")
DECISIONS = (
    "continue_as_planned",
    "adjust_training",
    "pause_and_stabilise",
    "new_aptitude_check",
    "switch_to_reha_track",
    "alternative_instrument",
    "close_with_reason",
)
AGENDA_TEMPLATE = ("purpose_consent", "status", "obstacles", "options", "decisions", "inform_person", "next_review")
OBSTACLE_STATUSES = ("offen", "in_bearbeitung", "geloest", "nicht_loesbar", "nicht_relevant")


def today_local() -> date:
    return date.today()


@dataclass
class Actor:
    login: str
    name: str
    role: str
    side: str
    org_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class Services:
    """All write operations for one store and one configured user."""

    def __init__(self, store, config, *, today: date | None = None, channel: str = "cli") -> None:
        self.store = store
        self.config = config
        self.channel = channel
        self.catalog = config.catalog()
        self._today = today
        self._actor: Actor | None = None

    # -- context -------------------------------------------------------------
    def today(self) -> date:
        return self._today or today_local()

    def now(self) -> datetime:
        if self._today is None:
            return utcnow()
        return datetime(self._today.year, self._today.month, self._today.day, 12, 0, tzinfo=UTC)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            with self.store.session(hooks=_session_hooks()) as s:  # actor bootstrap
                org, user = self._ensure_home(s)
                self._actor = Actor(user.login, user.display_name, user.role, self.config.side, org.id, user.id)
        return self._actor

    @property
    def who(self):
        """The audit identity of this user and front end."""
        from wbtui.data.audit import Who

        if self._actor is None:  # read-only paths stay free of the ORM
            from wbtui.data.audit import who_for

            return who_for(self.store, self.config, self.channel)
        actor = self.actor
        return Who(actor.login, actor.role, actor.org_id.hex if actor.org_id else None, self.channel)

    def _tx(self):
        """A write transaction; the actor is resolved first (it needs its own)."""
        _ = self.actor
        return self.store.session(self.who, hooks=_session_hooks())

    def _ensure_home(self, s):
        from sqlmodel import select

        cfg = self.config
        org = s.exec(
            select(Organisation).where(Organisation.name == cfg.office_name, Organisation.kind == cfg.office_kind)
        ).first()
        if org is None:
            org = Organisation(kind=cfg.office_kind, name=cfg.office_name, traeger_nummer=cfg.office_number)
            s.add(org)
            s.flush()
        user = s.exec(select(AppUser).where(AppUser.login == cfg.user_login)).first()
        if user is None:
            user = AppUser(
                org_id=org.id, display_name=cfg.user_name, login=cfg.user_login, role=cfg.user_role, team=cfg.user_team
            )
            s.add(user)
            s.flush()
        elif (user.role, user.display_name, user.org_id, user.team) != (
            cfg.user_role,
            cfg.user_name,
            org.id,
            cfg.user_team,
        ):
            user.role, user.display_name, user.org_id, user.team = cfg.user_role, cfg.user_name, org.id, cfg.user_team
            s.add(user)
        return org, user

    def _partner_agentur(self, s) -> Organisation:
        from sqlmodel import select

        if self.config.office_kind == "agentur":
            return s.get(Organisation, self.actor.org_id)
        name = self.config.partner_agentur
        org = s.exec(select(Organisation).where(Organisation.name == name, Organisation.kind == "agentur")).first()
        if org is None:
            org = Organisation(kind="agentur", name=name)
            s.add(org)
            s.flush()
        return org

    def _event(self, s, case: FbwCase, type_: str, *, from_stage=None, to_stage=None, **payload) -> None:
        s.add(
            CaseEvent(
                case_id=case.id,
                at=self.now(),
                type=type_,
                from_stage=from_stage,
                to_stage=to_stage,
                actor=self.actor.login,
                org_id=self.actor.org_id,
                payload={k: _jsonable(v) for k, v in payload.items() if v is not None},
            )
        )

    def _touch(self, case: FbwCase) -> None:
        case.updated_at = self.now()

    # -- lookup ----------------------------------------------------------------
    def resolve(self, ref: str) -> uuid.UUID:
        """Find a case by id prefix (>= 4 hex digits) or by Kundennummer."""
        from wbtui.data.queries import resolve_case_ref

        con = self.store.raw()
        try:
            return resolve_case_ref(con, ref)
        finally:
            con.close()

    def _load(self, s, case_id: uuid.UUID, permission: str = "case.write") -> tuple[FbwCase, Person]:
        from wbtui.data import access

        case = s.get(FbwCase, case_id)
        if case is None:
            raise NotFound("err.case_not_found", ref=str(case_id)[:8])
        access.check(s.connection(), self.subject, case.id.hex, permission)
        person = s.get(Person, case.person_id)
        return case, person

    @property
    def subject(self):
        """This user as the access policy sees them."""
        from wbtui.domain.access import Subject

        actor = self.actor
        return Subject(
            actor.login,
            actor.role,
            actor.org_id.hex if actor.org_id else None,
            actor.user_id.hex if actor.user_id else None,
            self.config.user_team,
        )

    # -- reading (audited) -----------------------------------------------------------
    def read_case(self, case_id: uuid.UUID, engine, *, show_art9: bool = False, purpose: str | None = None) -> dict:
        """The case as the detail views show it, after the access check and the audit entry.

        The audit entry is committed before anything is read: no entry, no data."""
        from wbtui.data import access, audit
        from wbtui.data.detail import case_detail
        from wbtui.domain import access as policy

        subject, who = self.subject, self.who
        art9 = policy.has(subject.role, policy.ART9_READ)
        if show_art9 and not art9:
            raise policy.AccessDenied("err.no_permission_art9")
        with self.store.transaction() as con:
            access.check(con, subject, case_id.hex, policy.CASE_READ)
            groups = [
                "stammdaten",
                "qualifikation",
                "weiterbildung",
                "hemmnisse",
                "einwilligung",
                "uebergabe",
                "beratung",
                "fallkonferenz",
                "wiedervorlage",
                "verlauf",
            ] + (["gesundheit"] if art9 else [])
            audit.append(
                con, who, "read", "fbw_case", object_id=case_id.hex, case_id=case_id.hex, groups=groups, purpose=purpose
            )
            if show_art9:
                audit.append(
                    con, who, "reveal_art9", "obstacle", case_id=case_id.hex, groups=["gesundheit"], purpose=purpose
                )
        con = self.store.raw()
        try:
            detail = case_detail(con, case_id.hex, engine, show_art9=show_art9)
        finally:
            con.close()
        if not art9:
            detail["case"]["health_limits_summary"] = None
        return detail

    def open_break_glass(self, case_id: uuid.UUID, reason: str) -> datetime:
        """Access outside the own caseload: recorded with the reason, audited, valid two hours."""
        from wbtui.data import access

        subject, who = self.subject, self.who  # resolved before the write transaction (they may need their own)
        with self.store.transaction() as con:
            return access.open_break_glass(con, subject, case_id.hex, reason, who)

    def audit(self, action: str, object_type: str, **kwargs) -> None:
        """Record a read-type action (list, search, export, print, copy, report) before it happens."""
        from wbtui.data import audit

        audit.record(self.store, self.who, action, object_type, **kwargs)

    def audit_list(self, what: str, count: int, *, search: str | None = None) -> None:
        from wbtui.data.audit import record_list

        record_list(self.store, self.who, what, count, search=search)

    def check_read(self, case_id: uuid.UUID) -> None:
        from wbtui.data import access
        from wbtui.domain import access as policy

        con = self.store.raw()
        try:
            access.check(con, self.subject, case_id.hex, policy.CASE_READ)
        finally:
            con.close()

    def facts(self, s, case: FbwCase, person: Person) -> CaseFacts:
        from sqlmodel import select

        obstacles = s.exec(select(Obstacle).where(Obstacle.case_id == case.id)).all()
        consents = s.exec(select(Consent).where(Consent.person_id == person.id)).all()
        today = self.today()
        return CaseFacts(
            stage=Stage(case.stage),
            today=today,
            person=person.model_dump(),
            case=case.model_dump(),
            obstacles=[(o.code, o.status, o.art9) for o in obstacles],
            consent_for_agentur=any(
                consent_covers(c, today, "agentur", ("fbw_uebergabe", "fbw_gesamt")) for c in consents
            ),
            consent_health=any(
                consent_covers(c, today, "agentur", ("fbw_uebergabe", "fbw_gesamt"), group="gesundheit")
                for c in consents
            ),
            enabled_optional=self.config.enabled_optional(),
        )

    def next_steps(self, case_id: uuid.UUID) -> list[tuple[Stage, list]]:
        """Reachable stages with the reasons each is refused right now (for previews)."""
        with self._tx() as s:
            case, person = self._load(s, case_id, "case.read")
            return process.next_steps(self.facts(s, case, person), side=self.actor.side)

    def handover_check(self, case_id: uuid.UUID) -> list:
        """What is missing before the handover can be sent (empty when complete)."""
        with self._tx() as s:
            case, person = self._load(s, case_id, "case.read")
            return process.handover_readiness(self.facts(s, case, person))

    # -- intake ----------------------------------------------------------------
    def create_case(self, values: dict[str, object]) -> uuid.UUID:
        """Intake (Erfassung): person and need in one step. ``values`` are raw field values."""
        parsed = {name: parse_field(name, raw) for name, raw in values.items()}
        for name in ("kundennummer", "family_name", "given_names"):
            if not parsed.get(name):
                raise WbtuiError("err.field_required", field=name)
        actor = self.actor
        with self._tx() as s:
            from sqlmodel import select

            person = s.exec(select(Person).where(Person.kundennummer == parsed["kundennummer"])).first()
            if person is None:
                person = Person(**{k: v for k, v in parsed.items() if FIELDS[k].entity == "person"})
                person.jobcenter_org_id = actor.org_id
                s.add(person)
                s.flush()
            else:
                self._assert_no_open_case(s, person)
                for k, v in parsed.items():
                    if FIELDS[k].entity == "person" and v is not None:
                        setattr(person, k, v)
                person.updated_at = self.now()
            now = self.now()
            case = FbwCase(
                person_id=person.id,
                jobcenter_org_id=actor.org_id if actor.side == process.JC else None,
                owner_user_id=actor.user_id,
                stage_since=now,
                created_at=now,
                updated_at=now,
                **{k: v for k, v in parsed.items() if FIELDS[k].entity == "case"},
            )
            s.add(case)
            s.flush()
            self._event(s, case, "case_created", to_stage=case.stage)
            return case.id

    def _assert_no_open_case(self, s, person: Person) -> None:
        from sqlmodel import select

        open_case = s.exec(
            select(FbwCase).where(FbwCase.person_id == person.id, FbwCase.stage != Stage.CLOSED.value)
        ).first()
        if open_case is not None:
            raise WbtuiError("err.open_case_exists", kundennummer=person.kundennummer, ref=open_case.id.hex[:8])

    def update_fields(self, case_id: uuid.UUID, values: dict[str, object]) -> list[str]:
        """Change intake / need-assessment fields; returns the names changed."""
        parsed = {name: parse_field(name, raw) for name, raw in values.items()}
        with self._tx() as s:
            case, person = self._load(s, case_id)
            if case.stage == Stage.CLOSED:
                raise RuleViolation([("guard.case_closed", {})])
            changed = []
            for name, value in parsed.items():
                target = person if FIELDS[name].entity == "person" else case
                if getattr(target, name) != value:
                    setattr(target, name, value)
                    changed.append(name)
            if changed:
                person.updated_at = self.now()
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
        from sqlmodel import select

        now, today = self.now(), self.today()
        note = clean_opt(data.note, multiline=True)
        details: dict = {}
        if target == Stage.COUNSELLED and src == Stage.COUNSELLING_SCHEDULED:
            case.counselling_outcome = data.outcome or case.counselling_outcome
            if data.appointment_at:
                case.appointment_at = data.appointment_at
            s.add(
                Appointment(
                    case_id=case.id,
                    kind="aa_beratung",
                    starts_at=case.appointment_at,
                    status="wahrgenommen",
                    organiser=self.actor.login,
                )
            )
            self._event(s, case, "counselling_result", outcome=case.counselling_outcome)
        elif target == Stage.VOUCHER_ISSUED:
            voucher = Voucher(
                case_id=case.id,
                issued_on=data.issued_on or today,
                valid_until=data.valid_until,
                training_goal=case.target_title,
                kldb=case.target_kldb,
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
                title=clean(data.note) or (case.target_title or "Maßnahme"),
                start=case.course_start,
                planned_end=case.course_planned_end,
            )
            s.add(course)
            s.flush()
            s.add(Enrolment(case_id=case.id, course_id=course.id, planned_end=case.course_planned_end))
            for voucher in s.exec(select(Voucher).where(Voucher.case_id == case.id, Voucher.status == "ausgegeben")):
                voucher.status = "eingeloest"
            self._event(s, case, "enrolment_approved", start=case.course_start, planned_end=case.course_planned_end)
            note = None
        elif target == Stage.IN_TRAINING:
            for enrol in s.exec(select(Enrolment).where(Enrolment.case_id == case.id, Enrolment.actual_end.is_(None))):
                enrol.entered_on = enrol.entered_on or case.course_start
            case.last_contact_at = now
            self._event(s, case, "course_started", start=case.course_start)
        elif target == Stage.DROPPED_OUT:
            self._end_enrolment(s, case, data.reason)
            self._event(s, case, "dropout", reason=data.reason)
        elif target == Stage.COMPLETED:
            self._end_enrolment(s, case, "regulaer")
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
            self._event(s, case, "counselling_result", outcome=case.counselling_outcome)
        case.stage = target.value
        case.stage_since = now
        self._touch(case)
        details["note"] = note
        self._event(s, case, "stage_changed", from_stage=src.value, to_stage=target.value, **details)

    def _end_enrolment(self, s, case: FbwCase, outcome: str | None) -> None:
        from sqlmodel import select

        for enrol in s.exec(select(Enrolment).where(Enrolment.case_id == case.id, Enrolment.actual_end.is_(None))):
            enrol.actual_end = self.today()
            enrol.outcome = outcome

    def close(self, case_id: uuid.UUID, reason: str | None, note: str | None = None) -> None:
        self.move(case_id, Stage.CLOSED, TransitionInput(reason=reason, note=note))

    def set_appointment(self, case_id: uuid.UUID, when: datetime, kind: str = "aa_beratung") -> None:
        with self._tx() as s:
            case, _person = self._load(s, case_id)
            if case.stage != Stage.COUNSELLING_SCHEDULED:
                raise RuleViolation([("guard.appointment_stage", {})])
            if not process.side_may_act(self.actor.side, Stage(case.stage)):
                raise RuleViolation([("guard.wrong_side", {"owner": process.STAGES[Stage(case.stage)].owner})])
            case.appointment_at = when
            s.add(Appointment(case_id=case.id, kind=kind, starts_at=when, organiser=self.actor.login))
            self._touch(case)
            self._event(s, case, "appointment_set", at=when)

    def record_contact(self, case_id: uuid.UUID, note: str | None = None) -> None:
        """A sign of life (contact during the course or after it)."""
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            case.last_contact_at = self.now()
            self._touch(case)
            self._event(s, case, "contact", note=clean_opt(note, multiline=True))

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

    # -- consent ---------------------------------------------------------------
    def add_consent(
        self,
        case_id: uuid.UUID,
        *,
        purpose: str,
        recipients: list[str],
        data_groups: list[str],
        given_on: date | None = None,
        valid_until: date | None = None,
        form: str = "schriftlich",
        document_ref: str | None = None,
    ) -> uuid.UUID:
        if purpose not in CONSENT_PURPOSES:
            raise WbtuiError("err.bad_choice", field="purpose", value=purpose, choices=", ".join(CONSENT_PURPOSES))
        for r in recipients:
            if r not in CONSENT_RECIPIENTS:
                raise WbtuiError("err.bad_choice", field="recipients", value=r, choices=", ".join(CONSENT_RECIPIENTS))
        for g in data_groups:
            if g not in DATA_GROUPS:
                raise WbtuiError("err.bad_choice", field="data_groups", value=g, choices=", ".join(DATA_GROUPS))
        if not recipients or not data_groups:
            raise WbtuiError("err.consent_scope")
        if form not in ("schriftlich", "elektronisch"):
            raise WbtuiError("err.bad_choice", field="form", value=form, choices="schriftlich, elektronisch")
        given = given_on or self.today()
        if given > self.today():
            raise WbtuiError("err.consent_future")
        if valid_until is not None and valid_until < given:
            raise WbtuiError("err.consent_validity")
        with self._tx() as s:
            case, person = self._load(s, case_id)
            consent = Consent(
                person_id=person.id,
                purpose=purpose,
                recipients=sorted(set(recipients)),
                data_groups=sorted(set(data_groups)),
                form=form,
                given_on=given,
                valid_until=valid_until,
                document_ref=clean_opt(document_ref),
            )
            s.add(consent)
            s.flush()
            self._touch(case)
            self._event(
                s,
                case,
                "consent_recorded",
                consent=consent.id.hex[:8],
                purpose=purpose,
                recipients=consent.recipients,
                groups=consent.data_groups,
            )
            return consent.id

    def revoke_consent(self, case_id: uuid.UUID, consent_ref: str) -> None:
        from sqlmodel import select

        with self._tx() as s:
            case, person = self._load(s, case_id)
            consents = [
                c
                for c in s.exec(select(Consent).where(Consent.person_id == person.id)).all()
                if c.id.hex.startswith(consent_ref.lower().replace("-", ""))
            ]
            if len(consents) != 1:
                raise NotFound("err.consent_not_found", ref=clean(consent_ref))
            consent = consents[0]
            if consent.revoked_on is None:
                consent.revoked_on = self.today()
            self._touch(case)
            self._event(s, case, "consent_revoked", consent=consent.id.hex[:8])

    # -- handover ----------------------------------------------------------------
    def handover_package(self, s, case: FbwCase, person: Person, facts: CaseFacts) -> dict:
        """The minimum data set, restricted to what consent or § 69 SGB X allows."""
        from sqlmodel import select

        obstacles = s.exec(select(Obstacle).where(Obstacle.case_id == case.id)).all()
        package = {
            "version": 1,
            "person": {
                k: _jsonable(getattr(person, k))
                for k in (
                    "kundennummer",
                    "bg_nummer",
                    "family_name",
                    "given_names",
                    "birth_date",
                    "address",
                    "phone",
                    "email",
                    "preferred_language",
                    "needs_interpreter",
                    "german_level_cefr",
                    "school_certificate",
                )
            },
            "case": {
                k: _jsonable(getattr(case, k))
                for k in (
                    "target_kldb",
                    "target_title",
                    "training_type",
                    "schedule",
                    "earliest_start",
                    "max_commute_km",
                    "necessity_reason",
                    "care_arranged",
                    "availability",
                    "legacy_jc_funded",
                    "legal_basis",
                )
            },
            "obstacles": [
                {"code": o.code, "status": o.status} for o in obstacles if not o.art9 or facts.consent_health
            ],
            "jc_contact": {"name": self.actor.name, "office": self.config.office_name},
        }
        if facts.consent_health and case.health_limits_summary:
            package["case"]["health_limits_summary"] = case.health_limits_summary
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
                legal_basis="consent" if facts.consent_for_agentur else "sgb_x_69",
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
        from sqlmodel import select

        handover = s.exec(
            select(Handover)
            .where(Handover.case_id == case.id, Handover.status == "sent")
            .order_by(Handover.sent_at.desc())
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

    def ack_handover(self, case_id: uuid.UUID, *, appointment_at: datetime | None = None) -> None:
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            handover = self._open_handover(s, case)
            handover.status = "accepted"
            handover.acknowledged_by = self.actor.login
            handover.acknowledged_at = self.now()
            self._event(s, case, "handover_received")
            self._apply(s, case, Stage.HANDED_OVER, Stage.COUNSELLING_SCHEDULED, TransitionInput())
            if appointment_at is not None:
                case.appointment_at = appointment_at
                s.add(
                    Appointment(
                        case_id=case.id, kind="aa_beratung", starts_at=appointment_at, organiser=self.actor.login
                    )
                )
                self._event(s, case, "appointment_set", at=appointment_at)

    def query_handover(self, case_id: uuid.UUID, text: str) -> None:
        text = clean_opt(text, multiline=True)
        if not text:
            raise WbtuiError("err.query_needs_text")
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            handover = self._open_handover(s, case)
            handover.status = "query"
            handover.query_text = text
            handover.acknowledged_by = self.actor.login
            handover.acknowledged_at = self.now()
            self._event(s, case, "handover_query")
            self._apply(s, case, Stage.HANDED_OVER, Stage.READY, TransitionInput(note=text))

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
        with self._tx() as s:
            case, person = self._load(s, case_id)
            if case.stage == Stage.CLOSED:
                raise RuleViolation([("guard.case_closed", {})])
            consent_id = self._conference_consent(s, person, variant, held)
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
            )
            s.add(conference)
            s.flush()
            for name, role, org in participants:
                s.add(
                    ConferenceParticipant(
                        conference_id=conference.id, name=clean(name), role=clean(role), organisation=clean_opt(org)
                    )
                )
            for code, owner, due in decisions:
                s.add(
                    Task(
                        case_id=case.id,
                        origin="fallkonferenz",
                        title=code,
                        owner=clean(owner),
                        due_on=due,
                        conference_id=conference.id,
                    )
                )
                self._event(s, case, "task_created", title=code, owner=clean(owner), due=due)
            self._touch(case)
            self._event(s, case, "conference_held", variant=variant, decisions=[c for c, _, _ in decisions])
            return conference.id

    def _conference_consent(self, s, person: Person, variant: str, held: date) -> uuid.UUID | None:
        """Consent gate: a bilateral Fallbesprechung rests on § 69 SGB X; every other variant needs consent."""
        from sqlmodel import select

        if variant == "fallbesprechung":
            return None
        consents = s.exec(select(Consent).where(Consent.person_id == person.id)).all()
        valid = [c for c in consents if consent_covers(c, held, None, ("fallkonferenz", "fbw_gesamt"))]
        if not valid:
            raise RuleViolation([("guard.conference_needs_consent", {})])
        return valid[0].id

    def conference_gate(self, case_id: uuid.UUID, variant: str) -> list:
        """Reasons why a conference of ``variant`` may not be held now (empty when it may)."""
        with self._tx() as s:
            _case, person = self._load(s, case_id, "case.read")
            try:
                self._conference_consent(s, person, variant, self.today())
            except RuleViolation as exc:
                return exc.reasons
            return []

    # -- tasks -----------------------------------------------------------------
    def add_task(self, case_id: uuid.UUID, title: str, owner: str | None, due_on: date) -> uuid.UUID:
        title = clean(title)
        if not title:
            raise WbtuiError("err.field_required", field="title")
        with self._tx() as s:
            case, _ = self._load(s, case_id)
            task = Task(case_id=case.id, title=title, owner=clean(owner) or self.actor.login, due_on=due_on)
            s.add(task)
            self._touch(case)
            self._event(s, case, "task_created", title=title, owner=task.owner, due=due_on)
            return task.id

    def complete_task(self, task_ref: str) -> uuid.UUID:
        from wbtui.data.queries import resolve_task_ref

        con = self.store.raw()
        try:
            task_id = resolve_task_ref(con, task_ref)
        finally:
            con.close()
        with self._tx() as s:
            task = s.get(Task, task_id)
            if task.status != "offen":
                raise WbtuiError("err.task_not_open", ref=task.id.hex[:8])
            case, _ = self._load(s, task.case_id)
            task.status = "erledigt"
            task.done_at = self.now()
            self._touch(case)
            self._event(s, case, "task_done", title=task.title)
            return task.id


def consent_covers(
    c: Consent, on: date, recipient: str | None, purposes: tuple[str, ...], group: str | None = None
) -> bool:
    if c.revoked_on is not None and c.revoked_on <= on:
        return False
    if c.given_on > on or (c.valid_until is not None and c.valid_until < on):
        return False
    if c.purpose not in purposes:
        return False
    if recipient is not None and recipient not in (c.recipients or []):
        return False
    if group is not None and group not in (c.data_groups or []):
        return False
    return True


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _session_hooks() -> tuple:
    """Listeners every write transaction of the services runs: the sync recorder fills the outbox."""
    from wbtui.sync.recorder import before_flush

    return (before_flush,)
