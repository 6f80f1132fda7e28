"""What every use case needs: the acting user and office, the clock, transactions with audit and
sync recording, access checks, and the facts the process rules are evaluated on.

The use cases themselves live in one module per aggregate (cases, obstacles, consent, handover,
conference, tasks); :class:`wbtui.services.Services` combines them into the one API of the CLI and
the TUI.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from wbtui.data.models import (
    AppUser,
    CaseEvent,
    Consent,
    FbwCase,
    Obstacle,
    Organisation,
    Person,
    Task,
    utcnow,
)
from wbtui.domain.consent import consent_covers
from wbtui.domain.entities import EVENT_BYTES, EVENT_NOTE_CHARS
from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.process import CaseFacts, Stage


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


class ServiceBase:
    """All write operations for one store and one configured user."""

    def __init__(self, store, config, *, today: date | None = None, channel: str = "cli") -> None:
        from wbtui.services.identity import effective

        self.store = store
        self.config = effective(store, config)  # a login and role the server pinned outrank the file
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
            with self.store.reader() as s:  # usually the office and user are on record: no write lock
                found = self._home_on_record(s)
                if found is not None:
                    self._actor = self._actor_of(*found)
            if found is None:
                with self.store.session(hooks=_session_hooks()) as s:  # first start, or the configuration changed
                    self._actor = self._actor_of(*self._ensure_home(s))
                self._anchor()
        assert self._actor is not None  # set by the lookup or by the creation above
        return self._actor

    def _home_org(self, s):
        """The office's organisation row: the server's (pinned, services/identity.py) or the configured one."""
        from wbtui.data.access import home_org_id

        org_id = home_org_id(s.connection(), self.config)
        return s.get(Organisation, uuid.UUID(org_id)) if org_id else None

    def _actor_of(self, org, user) -> Actor:
        return Actor(user.login, user.display_name, user.role, self.config.side, org.id, user.id)

    def _home_on_record(self, s):
        """This office and user as stored, or None when they must be created or updated first."""
        from sqlmodel import select

        cfg = self.config
        org = self._home_org(s)
        user = s.exec(select(AppUser).where(AppUser.login == cfg.user_login)).first()
        if org is None or user is None:
            return None
        if (user.role, user.display_name, user.org_id, user.team) != (
            cfg.user_role,
            cfg.user_name,
            org.id,
            cfg.user_team,
        ):
            return None
        return org, user

    @property
    def who(self):
        """The audit identity of this user and front end."""
        from wbtui.data.audit import Who

        if self._actor is None:  # read-only paths stay free of the ORM
            from wbtui.data.access import who_for

            return who_for(self.store, self.config, self.channel)
        actor = self.actor
        return Who(actor.login, actor.role, actor.org_id.hex if actor.org_id else None, self.channel)

    @contextmanager
    def _tx(self):
        """A write transaction; the actor is resolved first (it needs its own). A refusal is audited once
        the transaction has rolled back; after the commit the audit trail's newest entry is anchored."""
        _ = self.actor
        with self._refusals_audited():
            with self.store.session(self.who, hooks=_session_hooks()) as s:
                yield s
        self._anchor()

    @contextmanager
    def _refusals_audited(self):
        """Every access refusal (:class:`AccessDenied`) leaves an audit entry (README "Audit trail")."""
        from wbtui.domain.access import AccessDenied

        try:
            yield
        except AccessDenied as exc:
            self.record_refusal(exc)
            raise

    def record_refusal(self, exc) -> None:
        from wbtui.data.audit import record_refusal

        record_refusal(self.store, self.who, exc)

    def require(self, permission: str) -> None:
        """The role has ``permission``, or a refusal is audited and raised."""
        from wbtui.domain import access as policy

        with self._refusals_audited():
            policy.require(self.actor.role, permission)

    def _anchor(self) -> None:
        from wbtui.data.audit import anchor

        anchor(self.store)

    def _check_write(
        self, entity: str, names, case, *, new_row: bool = False, art9_row: bool = False, stage_after=None
    ) -> None:
        """The write-permission table (domain/permissions.py), the same one the server enforces."""
        from wbtui.domain.access import AccessDenied
        from wbtui.domain.permissions import write_refusal

        stage = Stage(case.stage)
        for name in names:
            reason = write_refusal(
                entity, name, role=self.actor.role, new_row=new_row, stage_before=stage,
                stage_after=stage_after or stage, art9_row=art9_row,
            )  # fmt: skip
            if reason == "closed":
                # a closed case takes no writes: a rule of the process, not of who asks (README "Exit codes": 1)
                from wbtui.domain.errors import RuleViolation

                raise RuleViolation([("guard.case_closed", {})])
            if reason is not None:
                from wbtui.data.access import refusal

                exc = AccessDenied("err.write_refused", field=f"field.{name}", reason=f"perm.{reason}")
                raise refusal(exc, case.id.hex, f"write:{entity}.{name}")

    @contextmanager
    def _read(self):
        """A read-only snapshot (never the write lock): previews and checks."""
        _ = self.actor
        with self._refusals_audited():
            with self.store.reader() as s:
                yield s

    def _ensure_home(self, s):
        from sqlmodel import select

        cfg = self.config
        org = self._home_org(s)
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
        payload = {k: jsonable(v) for k, v in payload.items() if v is not None}
        note = payload.get("note")
        if isinstance(note, str) and len(note) > EVENT_NOTE_CHARS:
            raise WbtuiError("err.too_long", field="note")  # the server refuses more (domain/entities.py EVENT_BYTES)
        if len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()) > EVENT_BYTES:
            raise WbtuiError("err.too_long", field="note")
        s.add(
            CaseEvent(
                case_id=case.id,
                at=self.now(),
                type=type_,
                from_stage=from_stage,
                to_stage=to_stage,
                actor=self.actor.login,
                org_id=self.actor.org_id,
                payload=payload,
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

    def _task_id(self, task_ref: str) -> uuid.UUID:
        """A follow-up named by its id or an id prefix (read outside the write transaction)."""
        from wbtui.data.queries import resolve_task_ref

        con = self.store.raw()
        try:
            return resolve_task_ref(con, task_ref)
        finally:
            con.close()

    def _open_task(self, s, task_id: uuid.UUID) -> tuple[Task, FbwCase]:
        """The follow-up, still open, and its case (loaded with the write check of :meth:`_load`)."""
        task = s.get(Task, task_id)
        if task.status != "offen":
            raise WbtuiError("err.task_not_open", ref=task.id.hex[:8])
        case, _ = self._load(s, task.case_id)
        return task, case

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
            solo=self.config.team_pinned and self.config.user_team is None,
        )

    # -- reading (audited) -----------------------------------------------------------
    def read_case(self, case_id: uuid.UUID, engine, *, show_art9: bool = False, purpose: str | None = None) -> dict:
        """The case as the detail views show it, after the access check and the audit entry
        (:meth:`wbtui.services.reads.Reader.read_case`, for this actor)."""
        return self._reader().read_case(case_id, engine, show_art9=show_art9, purpose=purpose)

    def open_break_glass(self, case_id: uuid.UUID, reason: str) -> datetime:
        """Access outside the own caseload: recorded with the reason, audited, valid two hours."""
        return self._reader().open_break_glass(case_id, reason)

    def _reader(self):
        from wbtui.services.reads import Reader

        return Reader(self.store, self.config, channel=self.channel, today=self._today, subject=self.subject)

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
            with self._refusals_audited():
                access.check(con, self.subject, case_id.hex, policy.CASE_READ)
        finally:
            con.close()

    @property
    def reads(self):
        """The list use cases (:mod:`wbtui.services.reads`) for this store and user."""
        from wbtui.services.reads import Reader

        return Reader(self.store, self.config, channel=self.channel, today=self._today)

    def facts(self, s, case: FbwCase, person: Person) -> CaseFacts:
        from sqlmodel import select

        obstacles = s.exec(select(Obstacle).where(Obstacle.case_id == case.id)).all()
        consents = s.exec(select(Consent).where(Consent.person_id == person.id)).all()
        from wbtui.data.models import Appointment

        appointments = s.exec(select(Appointment).where(Appointment.case_id == case.id)).all()
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
            appointments=[(a.kind, a.status, a.starts_at) for a in appointments],
        )


def jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _session_hooks() -> tuple:
    """Listeners every write transaction of the services runs: the sync recorder fills the outbox."""
    from wbtui.sync.recorder import before_flush

    return (before_flush,)
