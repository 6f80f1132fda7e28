"""The lists' read scope (domain.access.read_scope / scope_allows) says exactly what decide() says for
``case.read``, case by case, for every role, team, owner, office and break-glass (issue #13: one read
policy on every path). The SQL form of the scope is checked against ``case show`` in
tests/services/test_read_policy.py."""

from __future__ import annotations

import itertools

from wbtui.domain import access as policy

ORGS = ["jc1", "jc2", "aa1", None]
PEOPLE = ["ida", "ole", "tina", None]
TEAMS = ["Nord", "Süd", None]


def test_scope_allows_exactly_what_decide_allows():
    """Every combination (about 440,000, in under a second where 3,000 random ones took 14 s): subject × case ×
    break-glass."""
    roles = [*sorted(policy.PERMISSIONS), "nobody"]
    subjects = [policy.Subject(p, r, o, "u", t) for p, r, o, t in itertools.product(PEOPLE[:3], roles, ORGS, TEAMS)]
    cases = [policy.CaseRef(*c) for c in itertools.product(ORGS, ORGS, PEOPLE, TEAMS, (True, False), (True, False))]
    for subject, opened in itertools.product(subjects, (True, False)):
        scope = policy.read_scope(subject, frozenset({"c1"}) if opened else frozenset())
        for case in cases:
            expected = policy.decide(subject, case, policy.CASE_READ, break_glass_active=opened) == "allow"
            assert policy.scope_allows(scope, "c1", case) == expected, (subject, case, opened)


def test_an_ownerless_case_counts_as_in_scope_for_everyone__now_only_the_team_lead():
    ownerless = policy.CaseRef("jc1", None, None, None, True, False)
    for role, verdict in (("jc_ifk", "break_glass"), ("jc_fallmanager", "break_glass"), ("jc_teamlead", "allow")):
        assert policy.decide(policy.Subject("x", role, "jc1", "u", "Nord"), ownerless) == verdict, role
    # without teams the office is the team: everyone there works on it
    assert policy.decide(policy.Subject("x", "jc_ifk", "jc1", "u", None), ownerless) == "allow"


def test_owner_is_a_login_so_it_means_the_same_on_every_device():
    case = policy.CaseRef("jc1", None, "ida", "Nord", True, False)
    assert policy.decide(policy.Subject("ida", "jc_ifk", "jc1", "local-id-1", "Süd"), case) == "allow"
    assert policy.decide(policy.Subject("ole", "jc_ifk", "jc1", "local-id-1", "Süd"), case) == "break_glass"
    assert policy.decide(policy.Subject("ole", "jc_ifk", "jc1", "x", "Nord"), case) == "allow"  # same team
