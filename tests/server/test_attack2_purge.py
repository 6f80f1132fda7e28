"""Attack 2, F4: erasing a case at once, named after the finding: the real server over HTTP on loopback, on
SQLite and on PostgreSQL (the ``server`` fixture), an attacker's device pushing raw JSON
(tests/server/authz_helpers.py)."""

from __future__ import annotations

import uuid

from authz_helpers import closed_long_ago, command_change, new_case_changes, set_change
from test_issue12_write_side import _answers

from server_helpers import PEPPER, provision

NOW = "2026-11-25 12:00:00.000000"


def test_F4_close_and_purge_in_one_push_or_before_retention__refused_the_dsb_and_an_expired_period_erase(server):
    from wbtui.server.admin import add_user, issue_token

    url, engine = server
    tokens = provision(engine)
    add_user(engine, "dsb.dora", "Jobcenter Musterstadt", "dsb")
    dora = issue_token(engine, PEPPER, "dsb.dora", ["read", "push"], 30)[1]
    ida = tokens["ifk.ida"]
    cases = [uuid.uuid4().hex for _ in range(3)]
    opened = [c for i, case_id in enumerate(cases) for c in new_case_changes(case_id, kundennummer=f"12{i}A456789")]
    assert {a[0] for a in _answers(url, ida, opened)} == {"applied"}

    def close(case_id: str, tx: str) -> dict:
        fields = {"stage": "closed", "close_reason": "moved", "closed_at": NOW, "stage_since": NOW}
        return set_change("case", case_id, case_id, fields, tx=tx)

    def purge(case_id: str, tx: str | None = None) -> dict:
        return command_change("case.purge", case_id, reason="retention") | {"tx": tx or uuid.uuid4().hex}

    first = cases[0]
    together = _answers(url, ida, [close(first, "a"), purge(first, "b"), close(cases[1], "c"), purge(cases[2])])
    assert together == [("applied", None, None), ("rejected", "transition", "open_case"), ("applied", None, None),
                        ("rejected", "transition", None)]  # fmt: skip
    assert _answers(url, ida, [purge(first)]) == [("rejected", "transition", "retention")]
    assert _answers(url, dora, [purge(cases[1])])[0][0] == "applied"  # the DSB's erasure of a closed case
    closed_long_ago(engine, first)
    assert _answers(url, ida, [purge(first)])[0][0] == "applied"  # the retention period has passed
