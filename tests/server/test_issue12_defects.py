"""Issue 12, one test per defect: the server is the authority between the offices. Each test runs the
real server over HTTP on loopback, on SQLite and on PostgreSQL (the ``server`` fixture), with real
device stores; an attacker's device pushes raw JSON (tests/server/authz_helpers.py)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from authz_helpers import (
    append_change,
    closed_long_ago,
    command_change,
    feed_text,
    org_id,
    pull_all,
    push,
    server_value,
    set_change,
)
from authz_helpers import stamp as hlc_stamp

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import PEPPER, provision
from sync_helpers import handed_over_case, office, q, sync
from wbtui.data.package import unpack

SECOND_JC = JC_CONFIG.replace("ifk.ida", "ifk.ina")
HEALTH_NOTE = "Bandscheibenvorfall 2024"
SUMMARY = "Kein schweres Heben"
NOW = "2026-11-25 12:00:00.000000"


def _offices(tmp_path, url, engine, *extra_logins):
    from wbtui.server.admin import add_user, issue_token
    from wbtui.sync.client import enable

    tokens = provision(engine)
    for login in extra_logins:
        add_user(engine, login, "Jobcenter Musterstadt", "jc_ifk")
        tokens[login] = issue_token(engine, PEPPER, login, ["read", "push"], 30)[1]
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    for store in (jc_store, aa_store):
        enable(store)
    return tokens, (jc_store, jc), (aa_store, aa)


def _health_case(jc, *, groups=("stammdaten", "hemmnisse"), valid_until=None):
    case_id = jc.create_case({**COMPLETE_CASE, "health_limits_summary": SUMMARY})
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=list(groups),
        given_on=TODAY,
        valid_until=valid_until,
    )
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung", note=HEALTH_NOTE)
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    return case_id


def _health_on(store) -> list:
    """Every trace of the Art. 9 data on a device: health obstacles, the summary, the note in any row."""
    found = q(store, "SELECT code FROM obstacle WHERE code = 'L-GES'")
    found += [r for r in q(store, "SELECT health_limits_summary FROM fbw_case") if r[0]]
    found += q(store, "SELECT id FROM case_event WHERE payload LIKE ?", f"%{HEALTH_NOTE}%")
    for row_id, package in q(store, "SELECT id, package FROM handover"):  # packed (data/package.py): read it
        text = json.dumps(unpack(package), ensure_ascii=False)
        if SUMMARY in text or "L-GES" in text:
            found.append((row_id,))
    return found


def test_art9_data_crossed_to_the_agentur_without_a_gesundheit_consent__now_cut_from_snapshot_feed_and_pull(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = _health_case(jc)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).grants == 1
    assert q(aa_store, "SELECT code FROM obstacle") == [("R-KIN",)]  # hemmnisse: yes; gesundheit: no
    # later edits of the health data do not travel either
    jc.update_fields(case_id, {"health_limits_summary": SUMMARY + " (aktualisiert)"})
    jc.set_obstacle(case_id, "L-GES", status="geloest")
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    sync(aa_store, url, tokens["aa.anton"])
    assert _health_on(aa_store) == []
    everything = json.dumps(pull_all(url, tokens["aa.anton"]))  # a pull from the start, too
    assert SUMMARY not in everything and HEALTH_NOTE not in everything and "L-GES" not in everything
    agentur = org_id(engine, "Agentur für Arbeit Musterstadt")
    assert SUMMARY not in feed_text(engine, agentur) and "L-GES" not in feed_text(engine, agentur)


def test_the_agentur_wrote_stage_closed_and_a_new_family_name__now_both_rejected_with_a_reason(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]
    closed = push(url, tokens["aa.anton"], [set_change("case", case_id, case_id, {"stage": "closed"})]).json()
    renamed = push(url, tokens["aa.anton"], [set_change("person", person_id, case_id, {"family_name": "Fremd"})]).json()
    assert closed["results"][0]["status"] == "rejected" and closed["results"][0]["reason"] in (
        "transition",
        "permission",
    )
    assert renamed["results"][0] == {**renamed["results"][0], "status": "rejected", "reason": "permission"}
    assert server_value(engine, "case", case_id, "stage")[0] == "handed_over"
    assert server_value(engine, "person", person_id, "family_name")[0] == "Beispiel"
    assert "Fremd" not in feed_text(engine)
    sync(jc_store, url, tokens["ifk.ida"])
    assert q(jc_store, "SELECT family_name FROM person") == [("Beispiel",)]


def test_a_per_field_clock_far_in_the_future_was_accepted__now_rejected_and_later_edits_still_win(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case_id = jc.create_case(COMPLETE_CASE)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    forged = set_change("case", case_id.hex, case_id.hex, {"availability": "für immer"})
    forged["fields"]["availability"]["hlc"] = hlc_stamp(ahead_ms=10 * 365 * 86_400_000)  # field clock ≠ change clock
    ahead = set_change("case", case_id.hex, case_id.hex, {"availability": "morgen"}, hlc=hlc_stamp(ahead_ms=3_600_000))
    answers = push(url, tokens["ifk.ida"], [forged, ahead]).json()["results"]
    assert [(a["status"], a["reason"]) for a in answers] == [("rejected", "clock"), ("rejected", "clock_drift")]
    jc.update_fields(case_id, {"availability": "vormittags"})
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert server_value(engine, "case", case_id.hex, "availability")[0] == "vormittags"


def test_json_keys_with_terminal_escapes_passed_server_and_client__now_refused_and_cleaned(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    handover_id = q(jc_store, "SELECT id FROM handover")[0][0]
    hostile = {"\x1b]52;c;ZWNobyBoaQ==\x07": "x", "ok": {"\x1b]0;title\x07": 1}}
    consent_id = uuid.uuid4().hex
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]
    changes = [
        set_change("handover", handover_id, case_id, {"package": hostile}),
        set_change("consent", consent_id, case_id, {"person_id": person_id, "purpose": "fbw_uebergabe",
                                                    "recipients": [{"\x1b]8;;http://x\x1b\\": "agentur"}],
                                                    "data_groups": ["stammdaten"], "given_on": "2026-11-25"}),
    ]  # fmt: skip
    answers = push(url, tokens["ifk.ida"], changes).json()["results"]
    assert {(a["status"], a["reason"]) for a in answers} == {("rejected", "invalid")}
    assert "\\u001b" not in feed_text(engine) and "\x1b" not in feed_text(engine)
    # the device cleans keys too (a server of an older version may still hold such an entry)
    from wbtui.sync.merge import clean_json

    assert "\x1b" not in json.dumps(clean_json(hostile), ensure_ascii=False)


def test_two_devices_adding_the_same_obstacle_code_stopped_every_sync__now_the_second_is_rejected_and_sync_goes_on(
    server, tmp_path
):
    url, engine = server
    tokens, (one_store, one), _ = _offices(tmp_path, url, engine, "ifk.ina")
    two_store, two = office(tmp_path, "two", SECOND_JC, url)
    case_id = one.create_case(COMPLETE_CASE)
    assert sync(one_store, url, tokens["ifk.ida"]).rejected == 0
    sync(two_store, url, tokens["ifk.ina"])
    one.add_obstacle(case_id, "R-KIN")  # both offline, the same code
    two.add_obstacle(case_id, "R-KIN", note="Kita ab März")
    assert sync(one_store, url, tokens["ifk.ida"]).rejected == 0
    second = sync(two_store, url, tokens["ifk.ina"])
    assert second.rejected >= 1 and "duplicate" in " ".join(second.reasons)
    for store, login in ((one_store, "ifk.ida"), (two_store, "ifk.ina"), (one_store, "ifk.ida")):
        sync(store, url, tokens[login])  # no exit 70, ever again; the cursor moves on
    assert q(one_store, "SELECT code FROM obstacle") == q(two_store, "SELECT code FROM obstacle") == [("R-KIN",)]
    assert q(two_store, "SELECT COUNT(*) FROM sync_conflict")[0][0] >= 1  # the local row kept for review


def test_a_pushed_row_without_its_required_columns_stopped_sync_for_every_holder__now_rejected_as_invalid(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    bare = set_change("obstacle", uuid.uuid4().hex, case_id, {"case_id": case_id, "service": "nur das"})
    bare_task = set_change("task", uuid.uuid4().hex, case_id, {"case_id": case_id, "title": "ohne Frist"})
    answers = push(url, tokens["ifk.ida"], [bare, bare_task]).json()["results"]
    assert [(a["status"], a["reason"]) for a in answers] == [("rejected", "invalid")] * 2
    assert answers[0]["detail"]["field"].startswith("obstacle.")  # the first missing column named
    for store, login in ((jc_store, "ifk.ida"), (aa_store, "aa.anton")):
        summary = sync(store, url, tokens[login])
        assert summary.quarantined == 0
    assert "nur das" not in feed_text(engine)


def test_losing_free_text_values_got_no_conflict_record__now_every_holder_of_the_case_reviews_them(server, tmp_path):
    url, engine = server
    tokens, (one_store, one), (aa_store, _aa) = _offices(tmp_path, url, engine, "ifk.ina")
    case_id = handed_over_case(one, one_store, aa_store, url, tokens, "Beispiel")
    two_store, two = office(tmp_path, "two", SECOND_JC, url)
    sync(two_store, url, tokens["ifk.ina"])
    one.update_fields(case_id, {"availability": "vormittags"})
    two.update_fields(case_id, {"availability": "nur Dienstag"})
    sync(one_store, url, tokens["ifk.ida"])
    sync(two_store, url, tokens["ifk.ina"])
    sync(one_store, url, tokens["ifk.ida"])
    sync(aa_store, url, tokens["aa.anton"])
    for store in (one_store, two_store, aa_store):  # the Agentur holds the case and sees availability
        rows = q(store, "SELECT kept_value, lost_value FROM sync_conflict WHERE field = 'availability'")
        assert {json.loads(v) for v in rows[0]} == {"vormittags", "nur Dienstag"}, store.path.name


def test_sync_verify_reported_a_repair_on_every_run_without_changing_anything__now_only_repairs_it_made(
    server, tmp_path
):
    from wbtui.sync.client import SyncClient

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    _health_case(jc, groups=("stammdaten",))  # the Agentur's copy is a cut: its digest must match the cut
    sync(jc_store, url, tokens["ifk.ida"])
    sync(aa_store, url, tokens["aa.anton"])
    for store, token in ((jc_store, tokens["ifk.ida"]), (aa_store, tokens["aa.anton"])):
        for _ in range(2):
            client = SyncClient(store, url, token)
            try:
                result = client.verify()
            finally:
                client.close()
            assert result["mismatched"] == 0 and result["repaired"] == 0, (store.path.name, result)


def test_a_rejection_vanished_when_its_response_was_lost__now_the_retry_gets_the_same_rejection(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    change = set_change("case", case_id, case_id, {"target_title": "vom Angreifer"})
    first = push(url, tokens["aa.anton"], [change]).json()["results"][0]  # pretend this answer was lost
    again = push(url, tokens["aa.anton"], [change]).json()["results"][0]
    assert (first["status"], first["reason"]) == ("rejected", "permission")
    assert (again["status"], again["reason"], again.get("duplicate")) == ("rejected", "permission", True)
    assert server_value(engine, "case", case_id, "target_title")[0] == COMPLETE_CASE["target_title"]


def test_a_handover_sent_before_the_first_sync_never_reached_the_agentur__now_sent_when_sync_starts(server, tmp_path):
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    path = tmp_path / "jc.toml"
    path.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
    jc_store = open_store(tmp_path / "jc.db")
    jc = Services(jc_store, load(path), today=TODAY)
    _health_case(jc)  # all of it before sync was ever switched on
    aa_store, _aa = office(tmp_path, "aa", AA_CONFIG, url)
    enable(aa_store)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).grants == 1
    assert q(aa_store, "SELECT stage FROM fbw_case") == [("handed_over",)]
    assert _health_on(aa_store) == []


def test_the_same_kundennummer_taken_in_twice_offline_made_two_persons__now_one_person_and_a_review(server, tmp_path):
    url, engine = server
    tokens, (one_store, one), _ = _offices(tmp_path, url, engine, "ifk.ina")
    two_store, two = office(tmp_path, "two", SECOND_JC, url)
    one.create_case(COMPLETE_CASE)
    two.create_case({**COMPLETE_CASE, "target_kldb": "51312", "target_title": "Lager"})
    for store, login in (
        (one_store, "ifk.ida"),
        (two_store, "ifk.ina"),
        (one_store, "ifk.ida"),
        (two_store, "ifk.ina"),
    ):
        sync(store, url, tokens[login])
    for store in (one_store, two_store):
        assert q(store, "SELECT COUNT(*) FROM person WHERE kundennummer = '123A456789'") == [(1,)], store.path.name
        persons = {p for (p,) in q(store, "SELECT person_id FROM fbw_case")}
        assert len(persons) == 1  # both cases filed under the one person
        kinds = {k for (k,) in q(store, "SELECT kind FROM sync_conflict")}
        assert "duplicate_case" in kinds, store.path.name  # the second open case flagged for review
    with engine.connect() as conn:
        from sqlalchemy import text

        count = conn.execute(
            text("SELECT COUNT(*) FROM srv_field WHERE entity = 'person' AND field = 'kundennummer'")
        ).scalar()
    assert count == 1


def test_after_handover_revoke_a_pull_without_cursor_still_returned_the_snapshot__now_nothing_of_the_case(
    server, tmp_path
):
    from wbtui.sync import protocol

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Geheimname")
    jc.revoke_handover(case_id)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).dropped == 1
    for cursor in (None, protocol.encode_cursor(0, 0, 0), protocol.encode_cursor(0, 1, 0)):
        entries = pull_all(url, tokens["aa.anton"], cursor)
        assert "Geheimname" not in json.dumps(entries)
        assert {e["kind"] for e in entries if e.get("case_id") == case_id.hex} <= {"revoke", "erased"}
    assert "Geheimname" not in feed_text(engine, org_id(engine, "Agentur für Arbeit Musterstadt"))


def test_a_jobcenter_set_the_agenturs_counselling_outcome_through_case_edit__now_refused(server, tmp_path):
    from wbtui.domain.errors import WbtuiError

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel")
    try:
        jc.update_fields(case_id, {"counselling_outcome": "foerderfaehig"})
        raise AssertionError("the Jobcenter set the Agentur's decision")
    except WbtuiError:
        pass
    raw = push(url, tokens["ifk.ida"], [set_change("case", case_id.hex, case_id.hex, {"counselling_outcome": "foerderfaehig"})])  # fmt: skip
    assert raw.json()["results"][0]["reason"] == "permission"
    assert server_value(engine, "case", case_id.hex, "counselling_outcome")[0] is None


def test_a_consent_running_out_by_its_date_kept_health_data_flowing__now_the_referral_narrows_on_the_day(
    server, tmp_path
):
    """No push changes the consent: its ``valid_until`` passes. The next pull cuts the grant and the
    Agentur's devices delete what is no longer covered."""
    from sqlalchemy import text

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = _health_case(
        jc, groups=("stammdaten", "hemmnisse", "gesundheit"), valid_until=TODAY + timedelta(days=300)
    )
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    sync(aa_store, url, tokens["aa.anton"])
    assert q(aa_store, "SELECT code FROM obstacle ORDER BY code") == [("L-GES",), ("R-KIN",)]
    consent_id = q(jc_store, "SELECT id FROM consent")[0][0]
    # the consent's last day lies in the past now (as if time had passed): written straight into the
    # server's register and the grant's lapse day, as the server would hold them on that later day
    past = (date.today() - timedelta(days=2)).isoformat()
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE srv_field SET value = :v WHERE entity = 'consent' AND row_id = :r AND field = 'valid_until'"),
            {"v": json.dumps(past), "r": consent_id},
        )
        changed = conn.execute(
            text("UPDATE srv_field SET value = :v WHERE entity = 'consent' AND row_id = :r AND field = 'given_on'"),
            {"v": json.dumps((date.today() - timedelta(days=30)).isoformat()), "r": consent_id},
        ).rowcount
        assert changed == 1
        conn.execute(text("UPDATE srv_grant SET lapses_on = :d WHERE access = 'referral'"), {"d": past})
    got = sync(aa_store, url, tokens["aa.anton"])
    assert got.retracted >= 1
    assert q(aa_store, "SELECT code FROM obstacle") == []  # neither gesundheit nor hemmnisse are covered now
    assert _health_on(aa_store) == []
    with engine.connect() as conn:
        groups = conn.execute(text("SELECT groups FROM srv_grant WHERE access = 'referral'")).scalar()
    assert "gesundheit" not in groups and case_id is not None


def test_a_purge_erased_an_open_case_and_a_person_another_case_still_uses__now_closed_cases_only(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    first = jc.create_case(COMPLETE_CASE)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    early = push(url, tokens["ifk.ida"], [command_change("case.purge", first.hex, reason="retention")]).json()
    assert (early["results"][0]["status"], early["results"][0]["reason"]) == ("rejected", "transition")
    jc.close(first, "moved")
    person_id = q(jc_store, "SELECT person_id FROM fbw_case")[0][0]
    second = uuid.uuid4().hex  # the person comes back: a new case for the same person
    answers = push(url, tokens["ifk.ida"], [
        set_change("case", second, second, {"person_id": person_id, "stage": "need_identified", "legacy_jc_funded": False,
                                            "stage_since": NOW, "created_at": NOW, "updated_at": NOW}, tx="t1"),
    ]).json()["results"]  # fmt: skip
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0 and answers[0]["status"] == "applied"
    closed_long_ago(engine, first.hex)
    purged = push(url, tokens["ifk.ida"], [command_change("case.purge", first.hex, reason="retention")]).json()
    assert purged["results"][0]["status"] == "applied"
    assert server_value(engine, "person", person_id, "family_name")[0] == "Beispiel"
    fresh_store, _fresh = office(tmp_path, "fresh", JC_CONFIG, url)
    from wbtui.sync.client import enable

    enable(fresh_store)
    got = sync(fresh_store, url, tokens["ifk.ida"])
    assert got.quarantined == 0, q(fresh_store, "SELECT kind, entity, reason FROM sync_quarantine")
    assert q(fresh_store, "SELECT family_name FROM person") == [("Beispiel",)]
    assert q(fresh_store, "SELECT id FROM fbw_case") == [(second,)]


def test_a_push_of_more_changes_than_the_limit_is_refused_whole_and_applies_nothing(server, tmp_path):
    import gzip

    import httpx

    from wbtui.server.service import LIMITS

    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case_id = jc.create_case(COMPLETE_CASE).hex
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    many = [set_change("case", case_id, case_id, {"availability": f"v{i}"}) for i in range(LIMITS["push_changes"] + 1)]
    body = {"device_id": "d", "batch_id": uuid.uuid4().hex, "schema_version": 3, "changes": many}
    answer = httpx.post(  # compressed, so the body passes the size limit on the wire and meets the count limit
        f"{url}/sync/v1/push", content=gzip.compress(json.dumps(body).encode()), timeout=120,
        headers={"Authorization": f"Bearer {tokens['ifk.ida']}", "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json() == {"detail": "validation"}
    assert server_value(engine, "case", case_id, "availability")[0] is None


def test_a_role_of_the_other_side_in_an_organisation_wrote_that_sides_data__now_refused(server, tmp_path):
    """An Agentur role provisioned in the Jobcenter that owns the case (an old server database: the
    administration refuses it now) wrote the counselling outcome; the server refuses it by org kind."""
    from sqlalchemy import text

    from wbtui.domain.errors import WbtuiError
    from wbtui.server.admin import add_user, issue_token

    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    try:
        add_user(engine, "aa.falsch", "Jobcenter Musterstadt", "aa_beratung")
        raise AssertionError("an Agentur role in a Jobcenter was provisioned")
    except WbtuiError as exc:
        assert exc.key == "err.srv_role_org"
    add_user(engine, "aa.falsch", "Agentur für Arbeit Musterstadt", "aa_beratung")
    jobcenter = org_id(engine, "Jobcenter Musterstadt")
    with engine.begin() as conn:  # as an older server's database may hold it
        conn.execute(text("UPDATE srv_user SET org_id = :org WHERE login = 'aa.falsch'"), {"org": jobcenter})
    token = issue_token(engine, PEPPER, "aa.falsch", ["read", "push"], 30)[1]
    case_id = jc.create_case(COMPLETE_CASE).hex
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    answer = push(url, token, [set_change("case", case_id, case_id, {"availability": "von der falschen Seite"})])
    assert answer.json()["results"][0]["reason"] == "forbidden"
    assert pull_all(url, tokens["ifk.ida"]) and not _pulls(url, token)


def _pulls(url, token) -> bool:
    import httpx

    return httpx.get(f"{url}/sync/v1/pull", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_closed_case_took_new_timeline_entries__now_refused_like_every_other_write(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case_id = jc.create_case(COMPLETE_CASE)
    jc.close(case_id, "moved")
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    late = push(url, tokens["ifk.ida"], [append_change(case_id.hex, "contact", payload={"note": "nachträglich"})])
    assert (late.json()["results"][0]["status"], late.json()["results"][0]["reason"]) == ("rejected", "permission")
    assert "nachträglich" not in feed_text(engine)
