"""Issue 15 over a real server (SQLite and PostgreSQL): reason codes and course details travel between the
offices (sync schema 4), and the server refuses a refusal without its reason — it trusts no device."""

from __future__ import annotations

from common import AA_CONFIG, JC_CONFIG
from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync
from wbtui.sync.client import enable


def test_a_decline_reason_and_course_details_reach_the_jobcenter(server, tmp_path):
    from datetime import UTC, datetime

    from wbtui.domain.process import TransitionInput

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    enable(jc_store)
    enable(aa_store)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Grund")
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    aa.move(case_id, "counselled", TransitionInput(outcome="nicht_foerderfaehig"))
    aa.update_fields(case_id, {"voucher_number": "BGS-7", "region": "bundesweit"})
    aa.move(case_id, "declined_by_agency", TransitionInput(reason="haushaltsmittel"))
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(
        jc_store, "SELECT stage, decline_reason, voucher_number, region FROM fbw_case WHERE id = ?", case_id.hex
    ) == [("declined_by_agency", "haushaltsmittel", "BGS-7", "bundesweit")]


def test_a_device_declining_without_a_reason_is_refused_by_the_server(server, tmp_path):
    """A device that skips the rule (an old or altered client): the stage moves, no reason is sent."""
    from datetime import UTC, datetime

    from wbtui.domain.process import TransitionInput
    from wbtui.sync.recorder import enqueue, load_clock, save_clock

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    enable(jc_store)
    enable(aa_store)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Ohnegrund")
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    aa.move(case_id, "counselled", TransitionInput(outcome="nicht_foerderfaehig"))
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    with aa_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE fbw_case SET stage = 'declined_by_agency' WHERE id = ?", (case_id.hex,))
        clock = load_clock(conn)
        enqueue(conn, clock, "case", case_id.hex, case_id.hex, "set",
                {"stage": {"v": "declined_by_agency", "base": None}}, tx="t-no-reason")  # fmt: skip
        save_clock(conn, clock)
    result = sync(aa_store, url, tokens["aa.anton"])
    assert result.rejected == 1
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(jc_store, "SELECT stage FROM fbw_case WHERE id = ?", case_id.hex) == [("counselled",)]
