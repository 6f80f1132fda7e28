"""The store side of the access policy: what the policy needs to know about a case, and break-glass
records. The policy itself (roles, scopes, organisation walls) is :mod:`wbtui.domain.access`."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from wbtui.data import audit
from wbtui.data.audit import Who
from wbtui.data.sql import execute
from wbtui.domain.access import (
    AGENTUR_ROLES,
    BREAK_GLASS_HOURS,
    CASE_READ,
    MIN_REASON,
    AccessDenied,
    CaseRef,
    ReadScope,
    Subject,
    decide,
    decide_person,
    read_scope,
)
from wbtui.domain.assignment import TEAM_INBOX
from wbtui.domain.projection import referral_reader


def case_ref(conn, case_id: str, agentur_side: bool = False) -> CaseRef | None:
    column = "agentur_org_id" if agentur_side else "jobcenter_org_id"
    row = execute(
        conn,
        "SELECT c.jobcenter_org_id, c.agentur_org_id, c.owner_login, c.owner_team,"
        f" c.{column} IS NULL OR EXISTS (SELECT 1 FROM organisation o WHERE o.id = c.{column}),"
        " EXISTS (SELECT 1 FROM handover h WHERE h.case_id = c.id)"
        " FROM fbw_case c WHERE c.id = ?",
        (case_id,),
    ).fetchone()
    return CaseRef(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5])) if row else None


def person_verdict(conn, subject: Subject, person_id: str, person_org: str | None) -> tuple[str, str | None]:
    """:func:`wbtui.domain.access.decide_person` for a stored person, and the case a break-glass would open
    (the newest one the subject's office holds). A person without a case is judged like an ownerless case."""
    rows = execute(
        conn, "SELECT id FROM fbw_case WHERE person_id = ? ORDER BY created_at DESC, id", (person_id,)
    ).fetchall()
    agentur = subject.role in AGENTUR_ROLES
    verdicts: list[str] = []
    target = None
    for (case_id,) in rows:
        ref = case_ref(conn, case_id, agentur)
        if ref is None:
            continue
        verdict = decide(subject, ref, CASE_READ, break_glass_active=break_glass_active(conn, subject.login, case_id))
        verdicts.append(verdict)
        if verdict == "break_glass" and target is None:
            target = case_id
    if not rows:
        verdicts.append(decide(subject, CaseRef(person_org, None, None, None)))
    return decide_person(verdicts), target


def home_org_id(con, config) -> str | None:
    """The id of this office's organisation row: the pinned one (the server's id) when a server was used,
    else the row named like the configured office (created by the first write, services/base.py);
    pinned by ``wbtui sync login``: services/identity.py."""
    row = execute(con, "SELECT value FROM store_meta WHERE key = 'pinned_org_id'").fetchone()
    if row and row[0] and execute(con, "SELECT 1 FROM organisation WHERE id = ?", (row[0],)).fetchone():
        return row[0]
    found = execute(
        con, "SELECT id FROM organisation WHERE name = ? AND kind = ?", (config.office_name, config.office_kind)
    ).fetchone()
    return found[0] if found else None


def who_for(store, config, channel: str) -> Who:
    """The configured user as an audit identity, looked up without the ORM (fast read paths)."""
    con = store.raw()
    try:
        org = home_org_id(con, config)
    finally:
        con.close()
    return Who(config.user_login, config.user_role, org, channel)


def opened_cases(conn, login: str, now: datetime | None = None) -> frozenset[str]:
    """The cases ``login`` holds an active break-glass for (they join the lists for its two hours)."""
    now = now or datetime.now(UTC)
    rows = execute(
        conn, "SELECT DISTINCT case_id FROM break_glass WHERE actor = ? AND expires_at > ?", (login, now.isoformat())
    ).fetchall()
    return frozenset(r[0] for r in rows)


@dataclass(frozen=True)
class StoreScope(ReadScope):
    """A read scope with one fact of the store it was made for: ``wall_open`` when no case there lies
    behind the Jobcenter's organisation wall (no case names another organisation of the store as its
    Jobcenter). Its SQL then leaves the wall out: the board's count of the whole office reads the narrow
    stage index instead of every case's organisation (issue #16)."""

    wall_open: bool = False


# a case "behind the wall" for a Jobcenter: its jobcenter_org_id names another organisation of the store
# (ix_case_jobcenter_org, migration 0020: one probe per organisation)
BEHIND_JC_WALL = (
    "SELECT 1 FROM organisation o WHERE o.id IS NOT ? AND EXISTS"
    " (SELECT 1 FROM fbw_case c WHERE c.jobcenter_org_id = o.id) LIMIT 1"
)


def scope_for(conn, subject: Subject) -> ReadScope:
    """The read scope of ``subject`` now (its active break-glass accesses included)."""
    scope = read_scope(subject, opened_cases(conn, subject.login))
    if scope.everything and not scope.agentur and scope.org_id is not None:
        if execute(conn, BEHIND_JC_WALL, (scope.org_id,)).fetchone() is None:
            return StoreScope(**asdict(scope), wall_open=True)
    return scope


def predicate(scope: ReadScope, alias: str = "c") -> tuple[str, list]:
    """The read scope as an SQL condition on ``fbw_case`` (alias ``c``): the same answer as
    :func:`wbtui.domain.access.scope_allows` (and so :func:`check`) for every case, in one query."""
    if scope.nothing:
        return "0", []
    c = alias
    if scope.agentur:
        wall = (
            f"({c}.agentur_org_id = ? OR ({c}.agentur_org_id IS NULL AND EXISTS (SELECT 1 FROM handover h"
            f" WHERE h.case_id = {c}.id)) OR ({c}.agentur_org_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
            f" organisation o WHERE o.id = {c}.agentur_org_id)))"
        )
    elif getattr(scope, "wall_open", False):
        wall = "1"  # every case of the store is on this side (StoreScope); SQLite drops the constant term
    else:
        wall = (
            f"({c}.jobcenter_org_id IS NULL OR {c}.jobcenter_org_id = ? OR NOT EXISTS (SELECT 1 FROM organisation o"
            f" WHERE o.id = {c}.jobcenter_org_id))"
        )
    params: list = [] if wall == "1" else [scope.org_id]
    ways: list[str] = []
    if scope.content:
        if scope.everything:
            ways.append("1")
        if scope.owner_login is not None:
            ways.append(f"{c}.owner_login = ?")
            params.append(scope.owner_login)
        if scope.team is not None:
            ways.append(f"{c}.owner_team = ?")
            params.append(scope.team)
        if scope.ownerless:
            ways.append(f"{c}.owner_team IS NULL")
    if scope.opened:
        ways.append(f"{c}.id IN ({','.join('?' * len(scope.opened))})")
        params += sorted(scope.opened)
    return f"({wall} AND ({' OR '.join(ways) or '0'}))", params


# the timeline entries naming logins of the office that wrote them: a follow-up's or a case's owner (and the
# previous one); their follow-ups move along with a case (services/assignment.py)
OFFICE_TASK_EVENTS = ("task_created", "task_reassigned", "case_reassigned")


def task_predicate(subject: Subject, alias: str = "t") -> tuple[str, list]:
    """The follow-ups ``subject`` may see, as an SQL condition on ``task`` (alias ``t``): all of them for the
    office owning the case; for a referral office (the Agentur) only its own — never the owning office's
    team inbox or a follow-up of one of its logins (its users, and the logins it named as owners on the
    case's timeline): :func:`wbtui.domain.projection.hides_task`, compiled for every list (issue 15, H2)."""
    if not referral_reader(subject.role):
        return "1", []
    t = alias
    return (
        f"({t}.owner != ? AND {t}.owner NOT IN (SELECT u.login FROM app_user u WHERE u.org_id IS NOT ?)"
        f" AND NOT EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = {t}.case_id AND e.org_id IS NOT NULL"
        f" AND e.org_id IS NOT ? AND e.type IN ({','.join('?' * len(OFFICE_TASK_EVENTS))})"
        f" AND {t}.owner IN (json_extract(e.payload, '$.owner'), json_extract(e.payload, '$.previous'))))",
        [TEAM_INBOX, subject.org_id, subject.org_id, *OFFICE_TASK_EVENTS],
    )


def owning_office_logins(conn, subject: Subject, case_id: str) -> frozenset[str]:
    """The logins of the office owning ``case_id`` as this store knows them, seen from ``subject``'s office:
    users of other organisations, and the owners other offices named on the case's timeline."""
    rows = execute(
        conn,
        "SELECT login FROM app_user WHERE org_id IS NOT ? UNION SELECT j.value FROM case_event e, json_each(json_array("
        "json_extract(e.payload, '$.owner'), json_extract(e.payload, '$.previous'))) j WHERE e.case_id = ?"
        f" AND e.org_id IS NOT NULL AND e.org_id IS NOT ? AND e.type IN ({','.join('?' * len(OFFICE_TASK_EVENTS))})",
        (subject.org_id, case_id, subject.org_id, *OFFICE_TASK_EVENTS),
    ).fetchall()
    return frozenset(r[0] for r in rows if r[0])


def break_glass_active(conn, login: str, case_id: str, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    row = execute(
        conn,
        "SELECT 1 FROM break_glass WHERE actor = ? AND case_id = ? AND expires_at > ? LIMIT 1",
        (login, case_id, now.isoformat()),
    ).fetchone()
    return row is not None


def check(conn, subject: Subject, case_id: str, permission: str = CASE_READ) -> None:
    """Raise :class:`AccessDenied` unless ``subject`` may use ``permission`` on the case now."""
    ref = case_ref(conn, case_id, subject.role in AGENTUR_ROLES)
    if ref is None:
        return  # not found is reported by the caller
    verdict = decide(subject, ref, permission, break_glass_active=break_glass_active(conn, subject.login, case_id))
    if verdict == "allow":
        return
    if verdict == "break_glass":
        raise refusal(AccessDenied("err.break_glass_needed", break_glass=True, ref=case_id[:8]), case_id, permission)
    raise refusal(AccessDenied("err.access_denied", ref=case_id[:8]), case_id, permission)


def refusal(exc: AccessDenied, case_id: str | None, permission: str) -> AccessDenied:
    """Tag a refusal with the case and permission it concerns, for its audit entry (services write it once
    the refused transaction has rolled back: :func:`wbtui.data.audit.record_refusal`)."""
    exc.case_id = case_id  # type: ignore[attr-defined]
    exc.permission = permission  # type: ignore[attr-defined]
    return exc


def open_break_glass(conn, subject: Subject, case_id: str, reason: str, who, now: datetime | None = None) -> datetime:
    """Record a break-glass access (inside the caller's write transaction) and audit it; returns the expiry."""
    from wbtui.domain.text import clean

    reason = clean(reason).strip()
    if len(reason) < MIN_REASON:
        raise AccessDenied("err.break_glass_reason", break_glass=True, n=MIN_REASON)
    ref = case_ref(conn, case_id, subject.role in AGENTUR_ROLES)
    if ref is None or decide(subject, ref, CASE_READ, break_glass_active=True) != "allow":
        raise AccessDenied("err.access_denied", ref=case_id[:8])
    now = now or datetime.now(UTC)
    expires = now + timedelta(hours=BREAK_GLASS_HOURS)
    execute(
        conn,
        "INSERT INTO break_glass (id, actor, case_id, reason, started_at, expires_at) VALUES (?,?,?,?,?,?)",
        (uuid.uuid4().hex, subject.login, case_id, reason, now.isoformat(), expires.isoformat()),
    )
    audit.append(
        conn,
        who,
        "break_glass",
        "fbw_case",
        object_id=case_id,
        case_id=case_id,
        reason=reason,
        detail=f"bis {expires.isoformat(timespec='minutes')}",
    )
    return expires
