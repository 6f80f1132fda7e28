"""The lists' read scope (domain.access.read_scope / scope_allows) says exactly what decide() says for
``case.read``, case by case, for every role, team, owner, office and break-glass (issue #13: one read
policy on every path). The SQL form of the scope is checked against ``case show`` in
tests/services/test_read_policy.py."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wbtui.domain import access as policy

ORGS = st.sampled_from(["jc1", "jc2", "aa1", None])
PEOPLE = st.sampled_from(["ida", "ole", "tina", None])
TEAMS = st.sampled_from(["Nord", "Süd", None])


@st.composite
def subjects(draw):
    return policy.Subject(
        draw(PEOPLE.filter(bool)),
        draw(st.sampled_from(sorted(policy.PERMISSIONS) + ["nobody"])),
        draw(ORGS),
        "u",
        draw(TEAMS),
    )


@st.composite
def cases(draw):
    return policy.CaseRef(draw(ORGS), draw(ORGS), draw(PEOPLE), draw(TEAMS), draw(st.booleans()), draw(st.booleans()))


@settings(max_examples=3000, deadline=None)
@given(subject=subjects(), case=cases(), opened=st.booleans())
def test_scope_allows_exactly_what_decide_allows(subject, case, opened):
    scope = policy.read_scope(subject, frozenset({"c1"}) if opened else frozenset())
    assert policy.scope_allows(scope, "c1", case) == (
        policy.decide(subject, case, policy.CASE_READ, break_glass_active=opened) == "allow"
    )


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
