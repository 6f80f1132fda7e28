"""Who may see and change what (README "Data protection") — the one policy that the TUI,
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

from dataclasses import dataclass

from wbtui.domain.errors import WbtuiError

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
SCOPES = {
    "jc_ifk": "own",
    "jc_fallmanager": "own",
    "jc_teamlead": "team",
    "aa_beratung": "org",
    "aa_reha": "org",
    "dsb": "none",
    "admin": "none",
}
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
    foreign_org_known: bool = (
        True  # False: the responsible office is not an organisation of this store (case arrived by sync)
    )
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
        home = (
            case.jobcenter_org_id or subject.org_id
        )  # records from before organisations were kept are the local office's
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
