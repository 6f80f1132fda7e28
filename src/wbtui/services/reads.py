"""The list use cases: every read that returns cases or persons, under the one read policy.

Lists, the board and its search, overdue cases, follow-ups, the inbox, tasks and the steering figures
all ask :func:`wbtui.domain.access.read_scope` which cases the user may read and filter in SQL by the
same rule ``case show`` checks case by case (:func:`wbtui.data.access.predicate`). A role that reads
no case content (``admin``; ``dsb`` without break-glass) is refused with one line (exit 5); each view
is audited once, refusals too (README "Data protection").

No SQLModel here: ``wbtui case list`` starts without the ORM (tests/arch/test_import_hygiene.py).

Size: about 450 lines, kept whole so every read path stays next to the one policy it applies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from wbtui.data import access, queries
from wbtui.data.audit import Who, anchor, append, record, record_list, record_refusal
from wbtui.data.queries import CaseFilter, TaskFilter
from wbtui.domain import access as policy
from wbtui.domain import projection
from wbtui.services.identity import effective, home_org_id

CASE_GROUPS = ["stammdaten", "weiterbildung"]
# what reading a whole case shows (its audit entry names them; "gesundheit" is added with art9.read)
CASE_READ_GROUPS = [
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
]

# what reaches each office's inbox from the other one (the timeline entries the other office writes)
_FROM_AGENTUR = (
    "handover_received", "handover_query", "appointment_set", "appointment_updated", "appointment_missed",
    "counselling_result", "voucher_issued", "voucher_expired", "enrolment_approved", "course_started", "dropout",
    "course_completed",
)  # fmt: skip
_FROM_JOBCENTER = (
    "appointment_set", "appointment_updated", "appointment_missed", "consent_recorded", "consent_revoked",
    "handover_revoked", "dropout", "course_completed", "integration", "case_closed",
)  # fmt: skip
INBOX_TYPES = {"jobcenter": _FROM_AGENTUR, "agentur": _FROM_JOBCENTER}


@dataclass
class Board:
    """The board's answer: the case rowids in list order, how many the user may see, and the case the
    filter names exactly when it lies outside the caseload (Enter asks for a reason: break-glass)."""

    rowids: list[int]
    total: int
    locked: str | None = None
    closed: int = 0  # closed cases the search also finds while the list hides them (z shows them)


class InboxPage(list):
    """The other office's entries shown (at most 300, unread first) with the true totals: of all entries
    and of the unread ones, so the counts never stop at the page (and fall as entries are read)."""

    def __init__(self, rows: list) -> None:
        super().__init__(tuple(row[:9]) for row in rows)
        self.total = int(rows[0][9]) if rows else 0
        self.unread = int(rows[0][10] or 0) if rows else 0


class Reader:
    """The read use cases for one store and one configured user."""

    def __init__(
        self, store, config, *, channel: str = "cli", today: date | None = None, subject: policy.Subject | None = None
    ) -> None:
        self.closed_matches = 0  # closed cases the last search found besides the list (cases())
        self.store = store
        self.config = effective(store, config)
        self.channel = channel
        self.today = today
        self._subject: policy.Subject | None = subject  # the write services pass the actor they resolved

    # -- who asks --------------------------------------------------------------------------------
    @property
    def subject(self) -> policy.Subject:
        """The user as the policy sees them, looked up without the ORM (office and user as on record).
        Kept only once office and user are on record: in a new store the first write (e.g. a handover file
        read in the inbox) creates them, and a long-lived reader (the board) must see its cases then."""
        if self._subject is None:
            cfg = self.config
            con = self.store.raw()
            try:
                org = home_org_id(con, cfg)  # the server's office id once pinned (services/identity.py)
                user = con.execute("SELECT id FROM app_user WHERE login = ?", (cfg.user_login,)).fetchone()
            finally:
                con.close()
            subject = policy.Subject(
                cfg.user_login, cfg.user_role, org, user[0] if user else None, cfg.user_team,
                solo=cfg.team_pinned and cfg.user_team is None,
            )  # fmt: skip
            if org is None or user is None:
                return subject
            self._subject = subject
        return self._subject

    @property
    def who(self) -> Who:
        subject = self.subject
        return Who(subject.login, subject.role, subject.org_id, self.channel)

    def scope(self, con) -> tuple[str, list]:
        """The read policy for this user now, as SQL; refused (audited) for roles that see no case content."""
        scope = access.scope_for(con, self.subject)
        if not policy.has(self.subject.role, policy.CASE_READ) and not scope.opened:
            exc = policy.AccessDenied("err.no_case_content", role=self.subject.role)
            exc.permission = policy.CASE_READ  # type: ignore[attr-defined]
            exc.object_type = "list"  # type: ignore[attr-defined]
            record_refusal(self.store, self.who, exc)
            raise exc
        return access.predicate(scope)

    def task_condition(self) -> tuple[str, list]:
        """The follow-ups this user may see, as SQL on ``task`` (alias ``t``): the Agentur never sees the
        Jobcenter's (README "Consent projection"; :func:`wbtui.domain.projection.hides_task`)."""
        return access.task_predicate(self.subject)

    def _audit_list(self, what: str, count: int, *, search: str | None = None) -> None:
        record_list(self.store, self.who, what, count, search=search)  # anchored with it (audit.record)

    @contextmanager
    def _refusals_audited(self) -> Iterator[None]:
        """Every access refusal (:class:`AccessDenied`) leaves an audit entry (README "Audit trail")."""
        try:
            yield
        except policy.AccessDenied as exc:
            record_refusal(self.store, self.who, exc)
            raise

    # -- one case ----------------------------------------------------------------------------------
    def resolve(self, ref: str) -> uuid.UUID:
        """Find a case by id prefix (>= 4 hex digits) or by Kundennummer."""
        con = self.store.raw()
        try:
            return queries.resolve_case_ref(con, ref)
        finally:
            con.close()

    def read_case(self, case_id: uuid.UUID, engine, *, show_art9: bool = False, purpose: str | None = None) -> dict:
        """The case as the detail views show it (``case show``, the case screen), after the access check and
        the audit entry. The audit entry is committed before anything is read: no entry, no data."""
        from wbtui.data.detail import case_detail

        subject, who = self.subject, self.who
        art9 = policy.has(subject.role, policy.ART9_READ)
        with self._refusals_audited():
            if show_art9 and not art9:
                raise access.refusal(policy.AccessDenied("err.no_permission_art9"), case_id.hex, policy.ART9_READ)
            self._read_entry(case_id, subject, who, art9=art9, show_art9=show_art9, purpose=purpose)
        anchor(self.store)
        con = self.store.raw()
        try:
            detail = case_detail(con, case_id.hex, engine, show_art9=show_art9)
        finally:
            con.close()
        if not art9:
            detail["case"]["health_limits_summary"] = None
        if projection.referral_reader(subject.role):
            detail = self._referral_view(case_id.hex, detail)
        from dataclasses import asdict

        from wbtui.domain.benefits import entitlements

        detail["entitlements"] = asdict(entitlements(detail["case"]))  # § 87a SGB III (domain/benefits.py)
        return detail

    def _referral_view(self, case_id: str, detail: dict) -> dict:
        """The case cut to the consent projection, as the Agentur would receive it by a pull or a handover
        file — also on a store it shares with the Jobcenter (README "Consent projection", issue 15 H2)."""
        from wbtui.domain.entities import ART9_CODES

        subject = self.subject
        con = self.store.raw()
        try:
            writers = dict(con.execute("SELECT id, org_id FROM case_event WHERE case_id = ?", (case_id,)).fetchall())
            logins = access.owning_office_logins(con, subject, case_id)
        finally:
            con.close()
        today = self.today or date.today()
        groups = projection.covered_groups(
            detail["case"].get("legal_basis"), projection.terms_of(detail["consents"]), today
        )
        own = [subject.org_id is not None and writers.get(e["id"]) == subject.org_id for e in detail["timeline"]]
        return projection.project_case_view(detail, groups, ART9_CODES, own, logins)

    def _read_entry(self, case_id: uuid.UUID, subject, who, *, art9: bool, show_art9: bool, purpose) -> None:
        with self.store.transaction() as con:
            access.check(con, subject, case_id.hex, policy.CASE_READ)
            groups = CASE_READ_GROUPS + (["gesundheit"] if art9 else [])
            append(
                con, who, "read", "fbw_case", object_id=case_id.hex, case_id=case_id.hex, groups=groups, purpose=purpose
            )
            if show_art9:
                append(con, who, "reveal_art9", "obstacle", case_id=case_id.hex, groups=["gesundheit"], purpose=purpose)

    def open_break_glass(self, case_id: uuid.UUID, reason: str) -> datetime:
        """Access outside the own caseload: recorded with the reason, audited, valid two hours."""
        subject, who = self.subject, self.who  # resolved before the write transaction (they may need their own)
        with self._refusals_audited():
            with self.store.transaction() as con:
                expires = access.open_break_glass(con, subject, case_id.hex, reason, who)
        anchor(self.store)
        return expires

    # -- lists -------------------------------------------------------------------------------------
    def cases(
        self, flt: CaseFilter, engine, *, limit: int = 50, offset: int = 0, with_total: bool = True
    ) -> tuple[list[dict], int]:
        """One page of the case list and the number of cases the filter finds (``case list``)."""
        con = self.store.raw()
        try:
            flt.scope = self.scope(con)
            flt.tasks = self.task_condition()
            rows = queries.list_cases(con, flt, engine, limit=limit, offset=offset)
            total = queries.count_cases(con, flt, engine) if with_total or len(rows) == limit or offset else len(rows)
            self.closed_matches = self._closed_matches(con, flt)
        finally:
            con.close()
        self._audit_list("fbw_case", len(rows), search=flt.text or None)
        return rows, total

    def board(self, flt: CaseFilter, engine) -> Board:
        """Every matching case in list order (the board pages through them by rowid)."""
        con = self.store.raw()
        try:
            flt.scope = self.scope(con)
            rowids = queries.ordered_rowids(con, flt, engine)
            total = queries.count_cases(con, CaseFilter(include_closed=True, scope=flt.scope), None)
            locked = self._locked(con, flt.text) if not rowids and flt.text else None
            closed = self._closed_matches(con, flt)
        finally:
            con.close()
        self._audit_list("fbw_case", len(rowids), search=flt.text or None)
        return Board(rowids, total, locked, closed)

    @staticmethod
    def _closed_matches(con, flt: CaseFilter) -> int:
        """How many closed cases the search text finds (within the scope), whatever the other filters: "mine",
        the side and the timers never match a closed case, so the hint must not depend on them (issue 14)."""
        if not flt.text.strip() or flt.include_closed or flt.stages:
            return 0
        return queries.count_cases(con, CaseFilter(text=flt.text, scope=flt.scope, stages=("closed",)), None)

    def _locked(self, con, text: str) -> str | None:
        """The case a full Kundennummer or case reference names, when only break-glass opens it (the same
        answer ``case show`` gives for it); nothing for a case the user may not open at all."""
        from wbtui.domain.entities import KUNDENNUMMER  # only for a search: the entity table is not light

        value = text.strip().upper().replace(" ", "")
        hexref = text.strip().lower().replace("-", "")
        if KUNDENNUMMER.match(value):
            rows = con.execute(
                "SELECT c.id FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE p.kundennummer = ?"
                " ORDER BY c.stage = 'closed', c.created_at DESC LIMIT 1",
                (value,),
            ).fetchall()
        elif len(hexref) >= 8 and all(ch in "0123456789abcdef" for ch in hexref):
            rows = con.execute("SELECT id FROM fbw_case WHERE id LIKE ? LIMIT 2", (hexref + "%",)).fetchall()
        else:
            return None
        if len(rows) != 1:
            return None
        subject = self.subject
        ref = access.case_ref(con, rows[0][0], subject.role in policy.AGENTUR_ROLES)
        if ref is None or policy.decide(subject, ref) != "break_glass":
            return None
        return rows[0][0]

    def page(self, rowids: list[int]) -> dict[int, dict]:
        """The rows of one board page (within the read policy, whatever rowids are asked for)."""
        con = self.store.raw()
        try:
            return queries.rows_by_rowid(con, rowids, self.scope(con), self.task_condition())
        finally:
            con.close()

    def overdue(self, engine, *, kinds=("overdue", "warning", "stalled"), limit: int | None = None) -> list[dict]:
        """The "nobody gets lost" list (``wbtui overdue``)."""
        con = self.store.raw()
        try:
            rows = queries.overdue_cases(con, engine, kinds=kinds, limit=limit, scope=self.scope(con))
        finally:
            con.close()
        self._audit_list("fbw_case", len(rows))
        return rows

    def tasks(self, flt: TaskFilter, *, limit: int = 200) -> list[dict]:
        """Follow-ups (``wbtui task list``)."""
        con = self.store.raw()
        try:
            rows = queries.list_tasks(con, flt, limit=limit, scope=self.scope(con), tasks=self.task_condition())
        finally:
            con.close()
        self._audit_list("task", len(rows))
        return rows

    def followups(self, engine, *, team: bool, limit: int = 300) -> tuple[list[dict], list[dict]]:
        """The follow-up screen: my (or, ``team``, everyone's in scope) open tasks, and overdue cases."""
        con = self.store.raw()
        try:
            scope = self.scope(con)
            owner = None if team else self.subject.login
            tasks = queries.list_tasks(
                con, TaskFilter(owner=owner), limit=limit, scope=scope, tasks=self.task_condition()
            )
            cases = queries.overdue_cases(con, engine, limit=limit, scope=scope)
        finally:
            con.close()
        self._audit_list("followups", len(tasks) + len(cases))
        return tasks, cases

    def team_inbox(self, engine, *, limit: int = 500) -> tuple[list[dict], list[dict]]:
        """The team inbox (README "Vertretung"): cases nobody holds and follow-ups of the team, in scope."""
        from wbtui.domain.assignment import TEAM_INBOX

        con = self.store.raw()
        try:
            scope = self.scope(con)
            flt = CaseFilter(unassigned=True, scope=scope, tasks=self.task_condition())
            cases = queries.list_cases(con, flt, engine, limit=limit)
            tasks = queries.list_tasks(con, TaskFilter(owner=TEAM_INBOX), limit=limit, scope=scope, tasks=flt.tasks)
        finally:
            con.close()
        self._audit_list("team_inbox", len(cases) + len(tasks))
        return cases, tasks

    def inbox(self, since: date | None, feedback_types: tuple[str, ...] | None = None) -> tuple[list, list, InboxPage]:
        """The inbox: handovers received, queries to answer, the other office's entries (since ``since``;
        None: all, unread first) with their read marks. Without ``feedback_types``: what the other office
        writes (:data:`INBOX_TYPES`)."""
        from wbtui.domain.appointments import side_may_keep
        from wbtui.domain.process import AA, JC, ROLE_SIDE
        from wbtui.domain.vocab import APPOINTMENT_KINDS

        subject = self.subject
        side = ROLE_SIDE.get(subject.role, "none")
        other = AA if side == JC else JC
        types = feedback_types or INBOX_TYPES.get(side, ())
        kinds = tuple(k for k in APPOINTMENT_KINDS if side_may_keep(other, k))
        con = self.store.raw()
        try:
            received, asked, feedback = queries.inbox(
                con, since.isoformat() if since else "", types, self.scope(con), login=subject.login,
                own_org=subject.org_id, appointment_kinds=kinds,
            )  # fmt: skip
        finally:
            con.close()
        self._audit_list("inbox", len(received) + len(asked) + len(feedback))
        return received, asked, InboxPage(feedback)

    def mark_all_read(self) -> int:
        """Mark every unread entry of the inbox read (``inbox read --all``), not only the page shown."""
        from wbtui.data.inbox_unread import inbox_unread
        from wbtui.domain.appointments import side_may_keep
        from wbtui.domain.process import AA, JC, ROLE_SIDE
        from wbtui.domain.vocab import APPOINTMENT_KINDS

        subject = self.subject
        side = ROLE_SIDE.get(subject.role, "none")
        other = AA if side == JC else JC
        kinds = tuple(k for k in APPOINTMENT_KINDS if side_may_keep(other, k))
        con = self.store.raw()
        try:
            ids = inbox_unread(
                con, INBOX_TYPES.get(side, ()), self.scope(con), login=subject.login, own_org=subject.org_id,
                appointment_kinds=kinds,
            )  # fmt: skip
        finally:
            con.close()
        return self.mark_read(ids) if ids else 0

    def mark_read(self, event_ids: list[str]) -> int:
        """Mark the other office's entries read for this user (``inbox read``, the inbox screen)."""
        from datetime import UTC, datetime

        with self.store.transaction() as con:
            return queries.mark_read(con, self.subject.login, event_ids, datetime.now(UTC).isoformat(" "))

    def appointments(
        self, *, case_id: str | None = None, login: str | None = None, include_done: bool = False
    ) -> list[dict]:
        """Appointments (``appointment list``, the ICS export): of a case or a caseworker, in time order."""
        con = self.store.raw()
        try:
            rows = queries.list_appointments(
                con, scope=self.scope(con), case_id=case_id, login=login, include_done=include_done
            )
        finally:
            con.close()
        self._audit_list("appointment", len(rows))
        return rows

    # -- aggregates --------------------------------------------------------------------------------
    def may_steer(self) -> bool:
        """Whether the user may see steering figures (domain/access.py: ``report``); a refusal is audited."""
        try:
            policy.require(self.subject.role, policy.REPORT)
        except policy.AccessDenied as exc:
            record_refusal(self.store, self.who, exc)
            return False
        return True

    def steering(self, engine, *, channel_detail: str) -> dict:
        """Steering figures over the office's cases (counts, no persons) for the roles with ``report``,
        protected (:func:`wbtui.services.report.suppressed`) for every format and screen alike: no caller
        ever gets an exact small count."""
        from wbtui.services import report

        subject = self.subject
        try:
            policy.require(subject.role, policy.REPORT)
        except policy.AccessDenied as exc:
            record_refusal(self.store, self.who, exc)
            raise
        scope = policy.ReadScope(subject.org_id, subject.role in policy.AGENTUR_ROLES, True, everything=True)
        con = self.store.raw()
        try:
            figures = report.compute(con, engine, scope=access.predicate(scope))
        finally:
            con.close()
        record(self.store, self.who, "report", "fbw_case", detail=channel_detail)
        protected = report.suppressed(figures)
        protected["totals"] = {
            "cases": report.protect(sum(figures["stages"].values())),
            "overdue": report.protect(sum(figures["overdue_by_rule"].values())),
        }
        protected[report.PROTECTED] = True
        return protected
