"""``wbtui.services.privacy``: the permission checks are inside the use cases, whichever front end calls them."""

from __future__ import annotations

import pytest

from common import COMPLETE_CASE, TODAY, write_config


@pytest.fixture
def dsb(store, tmp_path):
    from wbtui.config import load
    from wbtui.services import Services

    cfg = load(write_config(tmp_path, '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n', "dsb.toml"))
    return Services(store, cfg, today=TODAY, channel="tui")


def test_caseworkers_may_not_read_the_trail_or_run_retention(jc):
    # verify_trail is open to every user (README "Audit trail": it shows no content): tests/sync/test_audit_verify_synced.py
    from wbtui.domain.access import AccessDenied
    from wbtui.services import privacy

    case_id = jc.create_case(COMPLETE_CASE)
    for call in (
        lambda: privacy.read_trail(jc),
        lambda: privacy.review_trail(jc, limit=10),
        lambda: privacy.export_trail(jc),
        lambda: privacy.run_retention(jc),
        lambda: privacy.hold(jc, case_id.hex[:8], "Widerspruchsverfahren"),
        lambda: privacy.release(jc, case_id.hex[:8]),
    ):
        with pytest.raises(AccessDenied):
            call()


def test_the_dsb_reads_the_trail_audited_and_sets_a_hold(jc, dsb, store):
    from wbtui.services import privacy

    case_id = jc.create_case(COMPLETE_CASE)
    verification, items = privacy.review_trail(dsb, limit=5)
    assert verification.ok and len(items) == 5
    assert (items[0]["action"], items[0]["object_type"], items[0]["channel"]) == ("read", "audit_log", "tui")
    assert privacy.hold(dsb, "123A456789", "Widerspruchsverfahren") == case_id
    assert privacy.run_retention(dsb).as_dict()["applied"] is False
    assert privacy.release(dsb, case_id.hex[:8]) == case_id
    exported = privacy.export_trail(dsb)
    assert exported[-1]["action"] == "export" and exported[0]["seq"] < exported[-1]["seq"]  # oldest first
