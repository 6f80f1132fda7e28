"""Issue 12 F11: a timeline entry naming changed fields is cut like the row (domain/projection.py)."""

from __future__ import annotations

from wbtui.domain.projection import ALWAYS, BY_STATUTE, project_event

ENTRY = {"type": "intake_updated", "payload": {"fields": ["address", "health_limits_summary", "owner_login"]}}


def test_F11_field_names_follow_the_groups_the_referral_office_holds():
    assert project_event(ENTRY, ALWAYS, frozenset())["payload"]["fields"] == ["address"]
    with_health = ALWAYS | BY_STATUTE | {"gesundheit"}
    assert project_event(ENTRY, with_health, frozenset())["payload"]["fields"] == ["address", "health_limits_summary"]
    only_history = {"type": "intake_updated", "payload": {"fields": ["work_history"]}}
    assert project_event(only_history, ALWAYS, frozenset()) is None
    assert project_event(only_history, ALWAYS | BY_STATUTE, frozenset()) == only_history
    other = {"type": "contact", "payload": {"fields": ["health_limits_summary"]}}  # not a field-naming entry
    assert project_event(other, ALWAYS, frozenset()) == other
