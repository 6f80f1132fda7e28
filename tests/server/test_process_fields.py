"""Issue 12: the fields a transition sets (the time a stage was entered, the close reason and time, the
decline, dropout and non-integration reasons) were writable as plain fields. They are taken only with the
transition that sets them (domain/permissions.py TRANSITION_FIELDS), on SQLite and PostgreSQL, over real
HTTP: an Agentur's or a Jobcenter's device pushing them alone is refused, the honest transition is not."""

from __future__ import annotations

import uuid

from authz_helpers import feed_text, push, server_value, set_change

from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync

FORGED = {"close_reason": "moved", "closed_at": "2026-01-01 00:00:00.000000", "stage_since": "2020-01-01 00:00:00.000000"}  # fmt: skip


def test_process_fields_pushed_without_their_transition_were_applied__now_refused_for_both_offices(server, tmp_path):
    from common import AA_CONFIG, JC_CONFIG
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, _aa = office(tmp_path, "aa", AA_CONFIG, url)
    for store in (jc_store, aa_store):
        enable(store)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Prozess").hex
    before = {name: server_value(engine, "case", case_id, name) for name in FORGED}
    for login in ("aa.anton", "ifk.ida"):
        for name, value in FORGED.items():  # each alone, as its own local transaction
            answer = push(url, tokens[login], [set_change("case", case_id, case_id, {name: value})]).json()
            result = answer["results"][0]
            assert (result["status"], result["reason"]) == ("rejected", "permission"), (login, name, result)
            if login == "ifk.ida" or name == "stage_since":  # the Agentur never closes: its side refuses first
                assert result["detail"]["problem"] == "process", (login, name, result)
        # all three in one transaction, without the stage changing, are refused as well
        together = push(url, tokens[login], [set_change("case", case_id, case_id, FORGED, tx="t-" + login)]).json()
        assert together["results"][0]["status"] == "rejected"
    assert {name: server_value(engine, "case", case_id, name) for name in FORGED} == before
    assert server_value(engine, "case", case_id, "stage")[0] == "handed_over"
    assert "2020-01-01" not in feed_text(engine) and '"moved"' not in feed_text(engine)
    # the Jobcenter's own device closes the case: the transition carries its fields and is taken whole
    jc.close(uuid.UUID(case_id), reason="moved")
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert server_value(engine, "case", case_id, "stage")[0] == "closed"
    assert server_value(engine, "case", case_id, "close_reason")[0] == "moved"
    assert q(jc_store, "SELECT stage, close_reason FROM fbw_case") == [("closed", "moved")]
