"""Vertretung and reassignment (README "Vertretung and reassignment"): who receives work.

A case belongs to a caseworker (``owner_login``) in a team (``owner_team``); a case without an owner
waits in the team inbox (the read policy, :mod:`wbtui.domain.access`, shows it to the whole team). A
follow-up (Wiedervorlage) belongs to a login, or to the team inbox (:data:`TEAM_INBOX`).

An absence names a period and, optionally, a deputy. Work addressed to an absent colleague goes to the
deputy — or on to the deputy's deputy, when the deputy is away too — and to the team inbox when nobody
present is named. Only the Jobcenter assigns its caseload (the Agentur has no owners; owner and team
never leave the office, :mod:`wbtui.domain.projection`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from wbtui.domain.access import CASE_WRITE, has
from wbtui.domain.process import JC, ROLE_SIDE

TEAM_INBOX = "@team"  # the owner of a follow-up nobody holds yet: the team of its case
LOGIN_MAX = 100
UNCONFIGURED_LOGIN = "local"  # config.py's default: nobody ran `wbtui config init` on this device yet
# Logins of no person: the unconfigured default and the demo generator's author (services/demo*.py); never
# offered as a colleague to hand work to, never shown as if they were a name.
TECHNICAL_LOGINS = frozenset({UNCONFIGURED_LOGIN, "demo"})


@dataclass(frozen=True)
class AbsenceSpan:
    login: str
    deputy: str | None
    date_from: date
    date_until: date

    def covers(self, day: date) -> bool:
        return self.date_from <= day <= self.date_until


def may_assign(role: str) -> bool:
    """Jobcenter roles that write cases hand cases and follow-ups on (within what they may read)."""
    return ROLE_SIDE.get(role) == JC and has(role, CASE_WRITE)


def absent_on(login: str, absences: Iterable[AbsenceSpan], day: date) -> AbsenceSpan | None:
    """The absence of ``login`` that covers ``day`` (the latest entered wins), or None."""
    found = None
    for span in absences:
        if span.login == login and span.covers(day):
            found = span
    return found


def route(login: str | None, absences: Iterable[AbsenceSpan], day: date) -> tuple[str | None, list[str]]:
    """Who receives work addressed to ``login`` on ``day``: ``(receiver, the absent logins passed)``.

    ``receiver`` is None for the team inbox (no owner given, or an absence without a present deputy;
    a circle of deputies who are all away ends there too)."""
    spans = list(absences)
    passed: list[str] = []
    current = login
    while current is not None and current != TEAM_INBOX:
        span = absent_on(current, spans, day)
        if span is None:
            return current, passed
        passed.append(current)
        current = span.deputy
        if current in passed:
            return None, passed
    return None, passed


def check_login(login: str) -> bool:
    """A login as typed for a colleague: no blanks, no control characters, at most 100 characters."""
    return bool(login) and len(login) <= LOGIN_MAX and login.isprintable() and not any(ch.isspace() for ch in login)


def unknown_colleague(login: str | None, known: Iterable[str]) -> bool:
    """Whether work may not go to ``login``: a case or follow-up goes only to a colleague the office knows
    (its users, ``[office] colleagues``, logins on its cases and absences) or to the team inbox (None) — a
    mistyped login would leave the person with nobody (README "Vertretung")."""
    return login is not None and login != TEAM_INBOX and login not in set(known)
