"""Absences (Vertretung) over a real server (SQLite and PostgreSQL; sync schema 5): set by the team lead on
one device, they reach the office's other devices — also a new one through the snapshot — and route new
work there; another office never receives them; the server refuses a caseworker marking a colleague absent."""

from __future__ import annotations

from datetime import timedelta

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, LEAD_CONFIG, TODAY
from server_helpers import PEPPER, provision
from sync_helpers import office, q, sync
from wbtui.sync.client import enable


def test_an_absence_set_by_the_team_lead_routes_new_work_on_the_offices_other_devices(server, tmp_path):
    from wbtui.server.admin import add_user, issue_token
    from wbtui.sync.recorder import enqueue, load_clock, save_clock

    url, engine = server
    tokens = provision(engine)
    add_user(engine, "tl.tina", "Jobcenter Musterstadt", "jc_teamlead")
    tokens["tl.tina"] = issue_token(engine, PEPPER, "tl.tina", ["read", "push"], 30)[1]
    lead_store, lead = office(tmp_path, "lead", LEAD_CONFIG, url)
    ida_store, ida = office(tmp_path, "ida", JC_CONFIG, url)
    aa_store, _aa = office(tmp_path, "aa", AA_CONFIG, url)
    nora_store, _nora = office(tmp_path, "nora", JC_CONFIG, url)
    for store in (lead_store, ida_store, aa_store, nora_store):
        enable(store)
    assert sync(ida_store, url, tokens["ifk.ida"]).rejected == 0  # ida's device knows the office already

    lead.set_absence("ifk.ole", TODAY - timedelta(days=1), TODAY + timedelta(days=10), "ifk.max")
    summary = sync(lead_store, url, tokens["tl.tina"])
    assert summary.rejected == 0, summary.reasons

    # the caseworker's device receives it and routes new work by it
    assert sync(ida_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(ida_store, "SELECT login, deputy, created_by FROM absence") == [("ifk.ole", "ifk.max", "tl.tina")]
    case_id = ida.create_case({**COMPLETE_CASE, "kundennummer": "123A000077"})
    handed = ida.reassign([case_id], "ifk.ole")
    assert handed[0].receiver == "ifk.max" and handed[0].via == ("ifk.ole",)

    # a new device of the office gets it with the snapshot (no feed replay)
    new_store, new = office(tmp_path, "new", JC_CONFIG, url)
    enable(new_store)
    assert sync(new_store, url, tokens["ifk.ida"]).rejected == 0
    assert [a["login"] for a in new.absences()] == ["ifk.ole"]

    # ending it on the lead's device reaches the others (no row is deleted: its end moves)
    lead.end_absence("ifk.ole")
    assert sync(lead_store, url, tokens["tl.tina"]).rejected == 0
    assert sync(ida_store, url, tokens["ifk.ida"]).rejected == 0
    assert ida.absences() == []

    # another Jobcenter and the Agentur never receive it
    assert sync(nora_store, url, tokens["ifk.nora"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert q(nora_store, "SELECT COUNT(*) FROM absence") == [(0,)]
    assert q(aa_store, "SELECT COUNT(*) FROM absence") == [(0,)]

    # a caseworker's altered device marking a colleague absent: refused by the server, nobody receives it
    with ida_store.engine.begin() as conn:
        clock = load_clock(conn)
        enqueue(conn, clock, "absence", "cd" * 16, None, "set",
                {"login": {"v": "ifk.max", "base": None}, "date_from": {"v": TODAY.isoformat(), "base": None},
                 "date_until": {"v": TODAY.isoformat(), "base": None},
                 "created_at": {"v": "2026-11-20 08:00:00.000000", "base": None}}, tx="t-foreign-absence")  # fmt: skip
        save_clock(conn, clock)
    assert sync(ida_store, url, tokens["ifk.ida"]).rejected == 1
    assert sync(lead_store, url, tokens["tl.tina"]).rejected == 0
    assert q(lead_store, "SELECT COUNT(*) FROM absence WHERE login = 'ifk.max'") == [(0,)]
    # the own absence is fine
    ida.set_absence(None, TODAY, TODAY + timedelta(days=2), "ifk.ole")
    assert sync(ida_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(lead_store, url, tokens["tl.tina"]).rejected == 0
    assert [a["login"] for a in lead.absences()] == ["ifk.ida"]
