"""An office's own work organisation never reaches the other office (README "Consent projection"): the
Jobcenter's follow-ups travelled to the Agentur inside their timeline entries (``task_created`` carried the
title and the owner's login) although the follow-up rows stayed away. Now such entries reach only the
office that wrote them — on all its devices, by feed and by a new device's snapshot alike."""

from __future__ import annotations

from datetime import date

from common import AA_CONFIG, JC_CONFIG
from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync

TASK_EVENTS = "SELECT type, payload FROM case_event WHERE type LIKE 'task_%'"


def test_the_jobcenters_follow_up_titles_reached_the_agentur_in_timeline_entries__now_only_its_own_offices(
    server, tmp_path
):
    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Folgetermin")
    jc.add_task(case_id, "Termin beim Psychiater klären", "ifk.ida", date(2026, 12, 1))
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    sync(aa_store, url, tokens["aa.anton"])
    assert q(aa_store, TASK_EVENTS) == []
    assert not any("Psychiater" in str(row) for row in q(aa_store, "SELECT payload FROM case_event"))

    # the Agentur's own follow-up reaches its other devices (the case's owner holds the whole case anyway)
    aa.add_task(case_id, "Bildungsträger anrufen", "aa.anton", date(2026, 12, 2))
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    second, _ = office(tmp_path, "aa2", AA_CONFIG, url)  # a new device: its snapshot
    sync(second, url, tokens["aa.anton"])
    mine = q(second, TASK_EVENTS)
    assert len(mine) == 1 and "Bildungsträger" in mine[0][1]
    assert not any("Psychiater" in str(row) for row in q(second, "SELECT payload FROM case_event"))
