"""Who may see and change what (domain.md 6.3, security.md 1.4) — the one policy that the TUI,
the CLI and the server all call.

* A role grants permissions (read or write case data, see Art. 9 obstacles, read the audit
  trail, run retention, answer a subject-access request).
* A scope limits which cases: ``own`` caseload (plus the own team, the delegation circle),
  ``team``, or the whole ``org``. Without configured teams the organisation is the team.
* Organisations are hard walls: a Jobcenter sees its own cases, an Agentur only cases handed
  over to it. Inside the organisation, access outside the scope is possible only as
  break-glass: with a reason, for two hours, audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from wbtui.data.errors import WbtuiError
from wbtui.data.store import execute

CASE_READ, CASE_WRITE = "case.read", "case.write"
ART9_READ, ART9_WRITE = "art9.read", "art9.write"
AUDIT_READ, RETENTION_RUN, SUBJECT_ACCESS, REPORT = "audit.read", "retention.run", "subject.access", "report"

PERMISSIONS: dict[str, frozenset[str]] = {
    "jc_ifk": frozenset({CASE_READ, CASE_WRITE, ART9_READ, ART9_WRITE, REPORT}),
    "jc_fallmanager": frozenset({CASE_READ, CASE_WRITE, ART9_READ, ART9_WRITE, REPORT}),
    "jc_teamlead": frozenset({CASE_READ, CASE_WRITE, REPORT, SUBJECT_ACCESS}),
    "aa_beratung": frozenset({CASE_READ, CASE_WRITE, REPORT}),
    "aa_reha": frozenset({CASE_READ, CASE_WRITE, ART9_READ, REPORT}),
    "dsb": frozenset({AUDIT_READ, RETENTION_RUN, SUBJECT_ACCESS, REPORT}),
    "admin": frozenset({RETENTION_RUN, REPORT}),
}
SCOPES = {"jc_ifk": "own", "jc_fallmanager": "own", "jc_teamlead": "team", "aa_beratung": "org", "aa_reha": "org", "dsb": "none", "admin": "none"}
AGENTUR_ROLES = frozenset({"aa_beratung", "aa_reha"})
CASE_ROLES = frozenset(role for role, perms in PERMISSIONS.items() if CASE_READ in perms)
BREAK_GLASS_ROLES = CASE_ROLES | {"dsb"}  # the DSB sees case content only via break-glass with a reason
BREAK_GLASS_HOURS = 2
MIN_REASON = 10


class AccessDenied(WbtuiError):
    """Refused by the access policy; ``break_glass`` says whether a reason would open it."""

    def __init__(self, key: str, *, break_glass: bool = False, **params: object) -> None:
        super().__init__(key, **params)
        self.break_glass = break_glass


def has(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def require(role: str, permission: str) -> None:
    if not has(role, permission):
        raise AccessDenied("err.no_permission", permission=permission, role=role)


@dataclass(frozen=True)
class Subject:
    """The user asking: login, role, organisation, own user id, team (None: no teams configured)."""

    login: str
    role: str
    org_id: str | None
    user_id: str | None
    team: str | None


@dataclass(frozen=True)
class CaseRef:
    """What the policy needs to know about a case (hex ids)."""

    jobcenter_org_id: str | None
    agentur_org_id: str | None
    owner_user_id: str | None
    owner_team: str | None
    foreign_org_known: bool = True  # False: the responsible office is not an organisation of this store (case arrived by sync)
    handed_over: bool = False  # a handover of the case is on record here


def decide(subject: Subject, case: CaseRef, permission: str = CASE_READ, *, break_glass_active: bool = False) -> str:
    """``"allow"``, ``"break_glass"`` (allowed with a reason) or ``"deny"``."""
    role = subject.role
    if role not in PERMISSIONS:
        return "deny"
    if role in AGENTUR_ROLES:
        # an Agentur sees a case only after a handover to it; office ids do not travel by sync, so a
        # synced case (handover on record, no local office id) counts as handed to this store's Agentur
        home = case.agentur_org_id or (subject.org_id if case.handed_over else None)
    else:
        home = case.jobcenter_org_id or subject.org_id  # records from before organisations were kept are the local office's
    if home is None or subject.org_id is None:
        return "deny"
    if home != subject.org_id and case.foreign_org_known:
        return "deny"  # another organisation's case on this store: no reason opens it
    # (a case whose office id is not an organisation of this store arrived by sync: the server checked the grant)
    if not has(role, permission):
        if role in BREAK_GLASS_ROLES and permission == CASE_READ:
            return "allow" if break_glass_active else "break_glass"
        return "deny"
    scope = SCOPES[role]
    in_scope = (
        scope == "org"
        or subject.team is None
        or case.owner_user_id is None
        or (scope == "own" and case.owner_user_id == subject.user_id)
        or case.owner_team == subject.team
    )
    if in_scope or break_glass_active:
        return "allow"
    return "break_glass"


def case_ref(conn, case_id: str, agentur_side: bool = False) -> CaseRef | None:
    column = "agentur_org_id" if agentur_side else "jobcenter_org_id"
    row = execute(conn, "SELECT c.jobcenter_org_id, c.agentur_org_id, c.owner_user_id, u.team,"
                      f" c.{column} IS NULL OR EXISTS (SELECT 1 FROM organisation o WHERE o.id = c.{column}),"
                      " EXISTS (SELECT 1 FROM handover h WHERE h.case_id = c.id)"
                      " FROM fbw_case c LEFT JOIN app_user u ON u.id = c.owner_user_id WHERE c.id = ?", (case_id,)).fetchone()
    return CaseRef(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5])) if row else None


def break_glass_active(conn, login: str, case_id: str, now: datetime | None = None) -> bool:
    now = now or datetime.now(timezone.utc)
    row = execute(conn, "SELECT 1 FROM break_glass WHERE actor = ? AND case_id = ? AND expires_at > ? LIMIT 1",
                (login, case_id, now.isoformat())).fetchone()
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
        raise AccessDenied("err.break_glass_needed", break_glass=True, ref=case_id[:8])
    raise AccessDenied("err.access_denied", ref=case_id[:8])


def open_break_glass(conn, subject: Subject, case_id: str, reason: str, who, now: datetime | None = None) -> datetime:
    """Record a break-glass access (inside the caller's write transaction) and audit it; returns the expiry."""
    from wbtui.data import audit
    from wbtui.safetext import clean

    reason = clean(reason).strip()
    if len(reason) < MIN_REASON:
        raise AccessDenied("err.break_glass_reason", break_glass=True, n=MIN_REASON)
    ref = case_ref(conn, case_id, subject.role in AGENTUR_ROLES)
    if ref is None or decide(subject, ref, CASE_READ, break_glass_active=True) != "allow":
        raise AccessDenied("err.access_denied", ref=case_id[:8])
    now = now or datetime.now(timezone.utc)
    expires = now + timedelta(hours=BREAK_GLASS_HOURS)
    execute(conn, "INSERT INTO break_glass (id, actor, case_id, reason, started_at, expires_at) VALUES (?,?,?,?,?,?)",
          (uuid.uuid4().hex, subject.login, case_id, reason, now.isoformat(), expires.isoformat()))
    audit.append(conn, who, "break_glass", "fbw_case", object_id=case_id, case_id=case_id, reason=reason,
                 detail=f"bis {expires.isoformat(timespec='minutes')}")
    return expires

