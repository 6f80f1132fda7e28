"""Issue 12, the attacker's findings on the server's write side (F1-F6, F8), one test each, named after the
finding: the real server over HTTP on loopback, on SQLite and on PostgreSQL (the ``server`` fixture), an
attacker's device pushing raw JSON beside honest device stores (tests/server/authz_helpers.py)."""

from __future__ import annotations

import json
import uuid
from datetime import date

from authz_helpers import append_change, feed_text, pull_all, push, server_value, set_change
from sqlalchemy import text
from test_issue12_defects import HEALTH_NOTE, NOW, SECOND_JC, SUMMARY, _health_case, _offices

from common import COMPLETE_CASE
from server_helpers import PEPPER
from sync_helpers import handed_over_case, office, q, sync


def _case_fields(person_id: str, stage: str = "need_identified", **extra) -> dict:
    return {"person_id": person_id, "stage": stage, "legacy_jc_funded": False, "stage_since": NOW,
            "created_at": NOW, "updated_at": NOW, **extra}  # fmt: skip


def _answers(url, token, changes) -> list[tuple[str, str | None, str | None]]:
    results = push(url, token, changes).json()["results"]
    return [(r["status"], r.get("reason"), (r.get("detail") or {}).get("problem")) for r in results]


def _appends(engine, case_id: str) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM srv_append WHERE case_id = :c"), {"c": case_id}).fetchall()
    return [json.loads(d) for (d,) in rows]


def _teamlead(engine) -> str:
    from wbtui.server.admin import add_user, issue_token

    add_user(engine, "tl.tina", "Jobcenter Musterstadt", "jc_teamlead")  # no art9.write
    return issue_token(engine, PEPPER, "tl.tina", ["read", "push"], 30)[1]


def test_F1_a_forged_consent_of_the_agentur_in_a_case_of_its_own_for_the_jobcenters_person__refused_and_never_counted(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = _health_case(jc).hex  # consent: stammdaten and hemmnisse only
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]
    forged = uuid.uuid4().hex
    consent = {"person_id": person_id, "purpose": "fbw_uebergabe", "recipients": ["agentur"], "given_on": "2026-11-25",
               "data_groups": ["stammdaten", "hemmnisse", "gesundheit", "qualifikation"]}  # fmt: skip
    own_case = [
        set_change("case", forged, forged, _case_fields(person_id), tx="t1"),
        set_change("consent", uuid.uuid4().hex, forged, consent, tx="t1"),
    ]
    # the Agentur opens no case; nor does it add a consent to the Jobcenter's case
    assert _answers(url, tokens["aa.anton"], own_case) == [("rejected", "permission", "side")] * 2
    assert _answers(url, tokens["aa.anton"], [set_change("consent", uuid.uuid4().hex, case_id, consent)])[0][:2] == (
        "rejected",
        "permission",
    )
    # another Jobcenter may open cases, but never for a person of another office
    other = [
        set_change("case", forged, forged, _case_fields(person_id), tx="t2"),
        set_change("consent", uuid.uuid4().hex, forged, consent, tx="t2"),
    ]
    assert _answers(url, tokens["ifk.nora"], other) == [("rejected", "invalid", "foreign_person")] * 2
    everything = json.dumps(pull_all(url, tokens["aa.anton"]), ensure_ascii=False)
    assert SUMMARY not in everything and HEALTH_NOTE not in everything and "L-GES" not in everything
    assert "gesundheit" not in feed_text(engine)
    sync(aa_store, url, tokens["aa.anton"])
    assert q(aa_store, "SELECT code FROM obstacle") == [("R-KIN",)]


def test_F1_a_forged_consent_already_in_the_server_database__never_widens_the_agenturs_grant(server, tmp_path):
    """As an older server accepted it: the Agentur's consent for the Jobcenter's person, covering gesundheit.
    When the coverage is computed again (the Jobcenter records a consent), only the owner's consents count."""
    from authz_helpers import org_id, stamp

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = _health_case(jc)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]
    forged, agentur = uuid.uuid4().hex, org_id(engine, "Agentur für Arbeit Musterstadt")
    values = {"person_id": person_id, "purpose": "fbw_uebergabe", "recipients": ["agentur"], "given_on": "2026-11-20",
              "data_groups": ["stammdaten", "hemmnisse", "gesundheit"], "form": "schriftlich",
              "explained_consequences": True}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO srv_row_case (entity, row_id, case_id, org_id, art9) VALUES ('consent', :r, :c, :o, :f)"),
            {"r": forged, "c": case_id.hex, "o": agentur, "f": False},
        )
        conn.execute(
            text("INSERT INTO srv_field (entity, row_id, field, value, hlc) VALUES ('consent', :r, :f, :v, :h)"),
            [{"r": forged, "f": k, "v": json.dumps(v), "h": stamp()} for k, v in values.items()],
        )
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"],
                   given_on=date(2026, 11, 25))  # fmt: skip
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    with engine.connect() as conn:
        groups = conn.execute(text("SELECT groups FROM srv_grant WHERE access = 'referral'")).scalar()
    assert "gesundheit" not in groups
    sync(aa_store, url, tokens["aa.anton"])
    everything = json.dumps(pull_all(url, tokens["aa.anton"]), ensure_ascii=False)
    assert SUMMARY not in everything and HEALTH_NOTE not in everything and "L-GES" not in everything
    assert q(aa_store, "SELECT code FROM obstacle") == [("R-KIN",)]


def test_F2_a_row_whose_case_id_or_person_id_names_another_case__refused_and_both_offices_keep_syncing(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    task = {"case_id": uuid.uuid4().hex, "origin": "manual", "title": "x", "owner": "aa.anton",
            "due_on": "2026-11-29", "status": "offen"}  # fmt: skip
    assert _answers(url, tokens["aa.anton"], [set_change("task", uuid.uuid4().hex, case_id, task)]) == [
        ("rejected", "invalid", "parent")
    ]
    consent = {"person_id": uuid.uuid4().hex, "purpose": "fbw_uebergabe", "recipients": ["agentur"],
               "data_groups": ["stammdaten"], "given_on": "2026-11-25", "form": "schriftlich",
               "explained_consequences": True}  # fmt: skip
    assert _answers(url, tokens["ifk.ida"], [set_change("consent", uuid.uuid4().hex, case_id, consent)]) == [
        ("rejected", "invalid", "parent")
    ]
    # a row of a case the server does not hold: nobody's devices could store it
    phantom = uuid.uuid4().hex
    assert _answers(url, tokens["aa.anton"], [set_change("task", uuid.uuid4().hex, phantom, {**task, "case_id": phantom})]) == [
        ("rejected", "invalid", "unknown_case")
    ]  # fmt: skip
    for store, login in ((jc_store, "ifk.ida"), (aa_store, "aa.anton")):
        got = sync(store, url, tokens[login])
        assert got.rejected == 0 and got.quarantined == 0
    assert q(aa_store, "SELECT COUNT(*) FROM task") == [(0,)]


def test_F3_a_forged_stage_change_a_future_date_and_a_borrowed_actor_in_the_timeline__refused_or_bound_to_the_token(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    stage = append_change(case_id, "stage_changed")
    stage["data"].update(from_stage="handed_over", to_stage="closed", actor="ifk.ida")
    assert _answers(url, tokens["aa.anton"], [stage]) == [("rejected", "permission", "step")]
    step = append_change(case_id, "integration")  # a step without its transition
    assert _answers(url, tokens["ifk.ida"], [step]) == [("rejected", "permission", "step")]
    future = append_change(case_id, "contact", payload={"note": "aus der Zukunft"})
    future["data"]["at"] = "2099-01-01 00:00:00.000000"
    assert _answers(url, tokens["aa.anton"], [future])[0][:2] == ("rejected", "clock")
    borrowed = append_change(case_id, "contact", payload={"note": "Rückruf"})
    borrowed["data"]["actor"] = "ifk.ida"
    assert _answers(url, tokens["aa.anton"], [borrowed])[0][0] == "applied"
    contacts = [e for e in _appends(engine, case_id) if e["type"] == "contact"]
    assert [e["actor"] for e in contacts] == ["aa.anton"]
    assert server_value(engine, "case", case_id, "stage")[0] == "handed_over"
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(jc_store, "SELECT actor FROM case_event WHERE type = 'contact'") == [("aa.anton",)]
    assert q(jc_store, "SELECT COUNT(*) FROM case_event WHERE to_stage = 'closed'") == [(0,)]


def test_F4_the_agentur_set_the_handovers_status_by_a_plain_write__refused_only_its_acknowledgement_counts(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel")
    handover_id = q(jc_store, "SELECT id FROM handover")[0][0]
    writes = [
        {"status": "returned"},
        {"status": "accepted", "acknowledged_by": "ifk.ida", "acknowledged_at": "2020-01-01 00:00:00"},
        {"status": "query", "query_text": "Bitte Unterlagen"},  # a query without sending the case back
        {"query_text": "nur der Text"},
    ]
    for fields in writes:
        answer = _answers(url, tokens["aa.anton"], [set_change("handover", handover_id, case_id.hex, fields)])[0]
        assert answer[:2] == ("rejected", "permission"), fields
    assert server_value(engine, "handover", handover_id, "status")[0] == "sent"
    aa.ack_handover(case_id)  # the honest acknowledgement passes
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert server_value(engine, "handover", handover_id, "status")[0] == "accepted"
    assert server_value(engine, "handover", handover_id, "acknowledged_by")[0] == "aa.anton"


def test_F5_the_upload_mark_on_a_case_the_server_holds__changes_nothing_and_a_new_upload_keeps_art9_rules(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    tina = _teamlead(engine)
    case_id = jc.create_case(COMPLETE_CASE).hex
    jc.add_obstacle(uuid.UUID(case_id), "M-ERW", status="in_bearbeitung")
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    obstacle_id = q(jc_store, "SELECT id FROM obstacle")[0][0]
    for fields, problem in (
        ({"close_reason": "moved", "closed_at": NOW}, "process"),
        ({"counselling_outcome": "foerderfaehig"}, "side"),
    ):
        change = set_change("case", case_id, case_id, fields, origin="upload")
        assert _answers(url, tokens["ifk.ida"], [change]) == [("rejected", "permission", problem)]
    code = set_change("obstacle", obstacle_id, case_id, {"code": "L-SUC"}, origin="upload")
    assert _answers(url, tokens["ifk.ida"], [code]) == [("rejected", "permission", "immutable")]
    summary = set_change("case", case_id, case_id, {"health_limits_summary": SUMMARY}, origin="upload")
    assert _answers(url, tina, [summary]) == [("rejected", "permission", "art9")]
    # a case new to the server, marked as an upload: still art9.write, and the flag follows the code
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]
    new = uuid.uuid4().hex
    health = [
        set_change("case", new, new, _case_fields(person_id, "closed", health_limits_summary=SUMMARY), tx="u", origin="upload")
    ]  # fmt: skip
    assert _answers(url, tina, health) == [("rejected", "permission", "art9")]
    unflagged = {
        "case_id": new,
        "code": "L-SUC",
        "art9": False,
        "status": "offen",
        "created_at": NOW,
        "updated_at": NOW,
    }
    hidden = [
        set_change("case", new, new, _case_fields(person_id, "closed"), tx="v", origin="upload"),
        set_change("obstacle", uuid.uuid4().hex, new, unflagged, tx="v", origin="upload"),
    ]
    assert _answers(url, tokens["ifk.ida"], hidden) == [("rejected", "invalid", "art9_flag")] * 2
    assert server_value(engine, "obstacle", obstacle_id, "code")[0] == "M-ERW"
    assert server_value(engine, "case", case_id, "close_reason")[0] is None


def test_F6_a_new_case_in_a_late_stage_by_the_agentur_or_with_health_data_by_a_role_without_art9_write__refused(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    tina = _teamlead(engine)
    jc.create_case(COMPLETE_CASE)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]

    def new_case(stage: str, **extra) -> list[dict]:
        case = uuid.uuid4().hex
        return [set_change("case", case, case, _case_fields(person_id, stage, **extra), tx=case)]

    assert _answers(url, tokens["ifk.ida"], new_case("closed", close_reason="moved")) == [
        ("rejected", "permission", "stage")
    ]
    assert _answers(url, tokens["ifk.ida"], new_case("enrolment_approved", counselling_outcome="foerderfaehig"))[0][
        :2
    ] == ("rejected", "permission")
    assert _answers(url, tokens["aa.anton"], new_case("in_training")) == [("rejected", "permission", "side")]
    assert _answers(url, tina, new_case("need_identified", health_limits_summary=SUMMARY)) == [
        ("rejected", "permission", "art9")
    ]
    case = uuid.uuid4().hex
    obstacle = {"case_id": case, "code": "L-GES", "art9": True, "status": "offen", "created_at": NOW, "updated_at": NOW}
    with_obstacle = [
        set_change("case", case, case, _case_fields(person_id), tx=case),
        set_change("obstacle", uuid.uuid4().hex, case, obstacle, tx=case),
    ]
    assert _answers(url, tina, with_obstacle) == [("rejected", "permission", "art9")] * 2
    with engine.connect() as conn:
        cases = conn.execute(text("SELECT COUNT(*) FROM srv_row_case WHERE entity = 'case'")).scalar()
    assert cases == 1


def test_F6_a_case_taken_in_twice_offline_and_moved_on__lands_in_its_stage_under_the_known_person(server, tmp_path):
    """The honest side of F6: the relinked case is the office's own record of a case new to the server (sent
    again marked as an upload), so it keeps the stage it reached offline, with no refusal left to review."""
    from wbtui.sync.client import enable

    url, engine = server
    tokens, (one_store, one), _ = _offices(tmp_path, url, engine, "ifk.ina")
    two_store, two = office(tmp_path, "two", SECOND_JC, url)
    enable(two_store)
    one.create_case(COMPLETE_CASE)
    moved = two.create_case({**COMPLETE_CASE, "target_kldb": "51312", "target_title": "Lager"})
    two.add_obstacle(moved, "M-ERW", status="in_bearbeitung")
    two.move(moved, "obstacles_in_clarification")
    for store, login in ((one_store, "ifk.ida"), (two_store, "ifk.ina"), (two_store, "ifk.ina")):
        sync(store, url, tokens[login])
    assert server_value(engine, "case", moved.hex, "stage")[0] == "obstacles_in_clarification"
    assert q(two_store, "SELECT COUNT(*) FROM person") == [(1,)]
    assert q(two_store, "SELECT COUNT(*) FROM sync_conflict WHERE status = 'open' AND kind = 'rejected_write'") == [
        (0,)
    ]


def test_F8_the_agentur_gave_a_follow_up_to_a_jobcenter_caseworker__refused_its_own_follow_ups_pass(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex

    def task(owner: str) -> dict:
        fields = {"case_id": case_id, "origin": "manual", "title": "Bitte Fall schliessen", "owner": owner,
                  "due_on": "2026-11-29", "status": "offen"}  # fmt: skip
        return set_change("task", uuid.uuid4().hex, case_id, fields)

    assert _answers(url, tokens["aa.anton"], [task("ifk.ida")]) == [("rejected", "permission", "owner")]
    assert _answers(url, tokens["aa.anton"], [task("ifk.unbekannt")]) == [("rejected", "permission", "owner")]
    assert _answers(url, tokens["aa.anton"], [task("@team")]) == [("rejected", "permission", "owner")]
    assert _answers(url, tokens["aa.anton"], [task("aa.anton")])[0][0] == "applied"
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(jc_store, "SELECT owner FROM task") == [("aa.anton",)]
