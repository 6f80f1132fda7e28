"""Who may see and change what (README "Data protection") — the one policy that the TUI,
the CLI and the server all call.

* A role grants permissions (read or write case data, see Art. 9 obstacles, read the audit
  trail, run retention, answer a subject-access request).
* A scope limits which cases: ``own`` caseload (plus the own team, the delegation circle),
  ``team``, or the whole ``org``. Without configured teams the organisation is the team. Owner and
  team are the case's own fields (``owner_login``, ``owner_team``; they travel with the case within
  the office), so a scope means the same on every device. A case without owner or team belongs to
  nobody's caseload: it waits in the team lead's queue.
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

# Steering figures (``REPORT``: ``wbtui report`` and the TUI's steering screen alike) are for the team
# lead, the DSB and the administrator; caseworkers of either office work from their own lists.
PERMISSIONS: dict[str, frozenset[str]] = {
    "jc_ifk": frozenset({CASE_READ, CASE_WRITE, ART9_READ, ART9_WRITE}),
    "jc_fallmanager": frozenset({CASE_READ, CASE_WRITE, ART9_READ, ART9_WRITE}),
    "jc_teamlead": frozenset({CASE_READ, CASE_WRITE, REPORT, SUBJECT_ACCESS}),
    "aa_beratung": frozenset({CASE_READ, CASE_WRITE}),
    "aa_reha": frozenset({CASE_READ, CASE_WRITE, ART9_READ}),
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


def may_create_cases(role: str, side: str) -> bool:
    """A case is opened by a Jobcenter role that writes cases (never the Agentur, the DSB or the
    administrator): the services refuse the rest, the TUI does not offer them the key."""
    return has(role, CASE_WRITE) and side == "jobcenter"


def require(role: str, permission: str) -> None:
    if not has(role, permission):
        raise AccessDenied("err.no_permission", permission=permission, role=role)


@dataclass(frozen=True)
class Subject:
    """The user asking: login, role, organisation, own user id, team (None: no teams configured, so the office
    is the team; with ``solo`` — the server's user record has no team — no team scope: own cases only)."""

    login: str
    role: str
    org_id: str | None
    user_id: str | None
    team: str | None
    solo: bool = False

    @property
    def office_is_team(self) -> bool:
        return self.team is None and not self.solo


@dataclass(frozen=True)
class CaseRef:
    """What the policy needs to know about a case (hex ids)."""

    jobcenter_org_id: str | None
    agentur_org_id: str | None
    owner_login: str | None
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
    if _in_scope(SCOPES[role], subject, case.owner_login, case.owner_team) or break_glass_active:
        return "allow"
    return "break_glass"


def decide_person(verdicts: list[str]) -> str:
    """A person is read through their cases: ``"allow"`` when the subject may read one of them, else
    ``"break_glass"`` when a reason would open one, else ``"deny"``. A known person's stored data (what an
    import or a new case would change) is shown and changed under this verdict (README "Data protection")."""
    for verdict in ("allow", "break_glass"):
        if verdict in verdicts:
            return verdict
    return "deny"


def _in_scope(scope: str, subject: Subject, owner_login: str | None, owner_team: str | None) -> bool:
    if scope == "org" or subject.office_is_team:
        return True  # an Agentur works on everything handed over to it; without teams the office is the team
    if scope == "own":
        return (owner_login is not None and owner_login == subject.login) or (
            owner_team is not None and owner_team == subject.team
        )
    return owner_team is None or owner_team == subject.team  # the team lead: the team and the ownerless queue


@dataclass(frozen=True)
class ReadScope:
    """Which cases a subject may read, as one description every list compiles (``data.access.predicate``).

    Equal to :func:`decide` with ``CASE_READ`` case by case (tests/unit/test_read_scope.py):
    the organisation wall (``org_id``, ``agentur``), then the caseload (``everything`` in the office, or
    the own ``owner_login``, the own ``team``, the ``ownerless`` queue), widened by the cases opened by
    break-glass (``opened``). ``content`` is False for roles that read no case content at all."""

    org_id: str | None
    agentur: bool
    content: bool
    everything: bool = False
    owner_login: str | None = None
    team: str | None = None
    ownerless: bool = False
    opened: frozenset[str] = frozenset()

    @property
    def nothing(self) -> bool:
        return self.org_id is None or (not self.content and not self.opened)


def read_scope(subject: Subject, opened: frozenset[str] = frozenset()) -> ReadScope:
    """The cases ``subject`` may read now; ``opened``: case ids with an active break-glass of the subject."""
    role = subject.role
    if role not in PERMISSIONS or subject.org_id is None:
        return ReadScope(None, False, False)
    agentur = role in AGENTUR_ROLES
    if not has(role, CASE_READ):
        return ReadScope(subject.org_id, agentur, False, opened=opened if role in BREAK_GLASS_ROLES else frozenset())
    scope = SCOPES[role]
    if scope == "org" or subject.office_is_team:
        return ReadScope(subject.org_id, agentur, True, everything=True, opened=opened)
    if scope == "own":
        return ReadScope(subject.org_id, agentur, True, owner_login=subject.login, team=subject.team, opened=opened)
    return ReadScope(subject.org_id, agentur, True, team=subject.team, ownerless=True, opened=opened)


def scope_allows(scope: ReadScope, case_id: str, case: CaseRef) -> bool:
    """:func:`read_scope` applied to one case (what the SQL predicate computes for a whole list)."""
    if scope.nothing:
        return False
    if scope.agentur:
        home = case.agentur_org_id or (scope.org_id if case.handed_over else None)
    else:
        home = case.jobcenter_org_id or scope.org_id
    if home is None or (home != scope.org_id and case.foreign_org_known):
        return False
    if case_id in scope.opened:
        return True
    if not scope.content:
        return False
    if scope.everything:
        return True
    return (
        (scope.owner_login is not None and case.owner_login == scope.owner_login)
        or (scope.team is not None and case.owner_team == scope.team)
        or (scope.ownerless and case.owner_team is None)
    )
