"""Issue 12, the independent attacker's findings on what a device reads and what the server takes in
(F2 device half, F7, F9, F10, F11): real server over HTTP on loopback, on SQLite and on PostgreSQL (the
``server`` fixture), real device stores; the attacker pushes raw JSON (tests/server/authz_helpers.py).
A row "that got in before the fix" is planted in the server's tables directly (:func:`plant`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from authz_helpers import command_change, org_id, push, set_change, stamp
from sqlalchemy import insert

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, run_cli
from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync

JC, AA = "Jobcenter Musterstadt", "Agentur für Arbeit Musterstadt"


def _offices(tmp_path, url, engine):
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    return tokens, (jc_store, jc), (aa_store, aa)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def plant(engine, entity: str, row_id: str, case_id: str, values: dict, *, creator: str, feeds: list[str]) -> None:
    """A row on the server as an older server took it in unchecked: its fields, the case it is filed under
    (``creator``: the office that wrote it) and a feed entry for each organisation in ``feeds``."""
    from wbtui.server.feed import feed_row, insert_now
    from wbtui.server.models import SrvField, SrvRowCase, table_of

    hlc = stamp("planted")
    fields = {name: {"v": value, "hlc": hlc} for name, value in values.items()}
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(SrvRowCase)).values(
                entity=entity, row_id=row_id, case_id=case_id, org_id=creator, art9=False
            )
        )
        conn.execute(
            insert(table_of(SrvField)),
            [{"entity": entity, "row_id": row_id, "field": n, "value": json.dumps(v), "hlc": hlc, "origin": None}
             for n, v in values.items()],
        )  # fmt: skip
        for org in feeds:
            insert_now(conn, feed_row(org, "set", entity, row_id, case_id, {"fields": fields}))


def _task(case_ref: str, title: str = "Bitte anrufen", owner: str = "ifk.ida") -> dict:
    return {"case_id": case_ref, "origin": "manual", "title": title, "owner": owner, "due_on": "2026-12-01",
            "status": "offen"}  # fmt: skip


def _event(case_id: str, payload: dict) -> dict:
    return {
        "change_id": uuid.uuid4().hex, "entity": "event", "row_id": uuid.uuid4().hex, "case_id": case_id,
        "op": "append", "hlc": stamp(),
        "data": {"case_id": case_id, "at": _now(), "type": "contact", "actor": "ifk.ida", "payload": payload},
    }  # fmt: skip


# -- F2 (device half) -------------------------------------------------------------------------------------


def test_F2_a_row_naming_a_case_that_does_not_exist_stopped_every_sync__now_quarantined_and_sync_goes_on(
    server, tmp_path
):
    url, engine = server
    tokens, (jc_store, jc), (aa_store, aa) = _offices(tmp_path, url, engine)
    case = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel")
    case_id, bad = case.hex, uuid.uuid4().hex
    agentur = org_id(engine, AA)
    plant(engine, "task", bad, case_id, _task(uuid.uuid4().hex, owner="aa.anton"), creator=agentur,
          feeds=[org_id(engine, JC), agentur])  # fmt: skip
    jc.update_fields(case, {"availability": "vormittags"})  # on the same page as the bad row, for the Agentur
    first = sync(jc_store, url, tokens["ifk.ida"])
    assert first.quarantined == 1 and first.rejected == 0
    second = sync(aa_store, url, tokens["aa.anton"])
    assert second.quarantined == 1
    assert q(aa_store, "SELECT availability FROM fbw_case") == [("vormittags",)]  # the rest of the page is there
    for store in (jc_store, aa_store):
        assert q(store, "SELECT id FROM task WHERE id = ?", bad) == []
        assert q(store, "SELECT kind, entity, row_id, reason FROM sync_quarantine") == [
            ("set", "task", bad, "task.case_id: foreign_key")
        ]
    # the cursor moved on: the next sync is clean, and a later change still arrives
    jc.update_fields(case, {"availability": "nachmittags"})
    assert sync(jc_store, url, tokens["ifk.ida"]).quarantined == 0
    assert sync(aa_store, url, tokens["aa.anton"]).quarantined == 0
    assert q(aa_store, "SELECT availability FROM fbw_case") == [("nachmittags",)]
    # a new device of the office loads the snapshot: the same row is quarantined there, the case arrives whole
    fresh_store, _fresh = office(tmp_path, "jc2", JC_CONFIG, url)
    done = run_cli(
        "--db", str(fresh_store.path), "sync",
        env={"WBTUI_CONFIG": str(tmp_path / "jc2.toml"), "WBTUI_TOKEN": tokens["ifk.ida"]},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert q(fresh_store, "SELECT id FROM fbw_case") == [(case_id,)]
    assert q(fresh_store, "SELECT row_id, reason FROM sync_quarantine") == [(bad, "task.case_id: foreign_key")]
    again = run_cli(
        "--db",
        str(jc_store.path),
        "sync",
        env={"WBTUI_CONFIG": str(tmp_path / "jc.toml"), "WBTUI_TOKEN": tokens["ifk.ida"]},
    )
    assert again.returncode == 0, again.stderr


# -- F9 ---------------------------------------------------------------------------------------------------

HOSTILE = ["\u200f", "\u061c", "\u200b", "\u2028", "\ufeff", "\u202e", "\u2066", "\u00ad", "\U000e0041"]


def test_F9_bidi_and_invisible_characters_and_tab_passed_in_titles_and_event_payloads__now_refused(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case_id = jc.create_case(COMPLETE_CASE).hex
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    changes = []
    for char in [*HOSTILE, "\t"]:
        changes.append(
            set_change("task", uuid.uuid4().hex, case_id, _task(case_id, f"Rück{char}ruf"), tx=uuid.uuid4().hex)
        )
        changes.append(_event(case_id, {"note": f"Anruf{char}", "by": "x"}) | {"tx": uuid.uuid4().hex})
    for char in HOSTILE:
        changes.append(_event(case_id, {f"no{char}te": "x"}) | {"tx": uuid.uuid4().hex})
    answers = push(url, tokens["ifk.ida"], changes).json()["results"]
    refused = [(a["status"], a.get("reason")) for a in answers]
    # TAB stays allowed in a multi-line value (an event's note), never in a single-line title or a key
    tab_note = 2 * len(HOSTILE) + 1
    assert refused[tab_note] == ("applied", None)
    assert {r for i, r in enumerate(refused) if i != tab_note} == {("rejected", "invalid")}
    honest = [
        set_change("task", uuid.uuid4().hex, case_id, _task(case_id, "Rückruf")),
        _event(case_id, {"note": "Anruf"}),
    ]
    assert [a["status"] for a in push(url, tokens["ifk.ida"], honest).json()["results"]] == ["applied", "applied"]


def test_F9_a_device_cleans_what_an_older_server_still_holds(server, tmp_path):
    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case_id = jc.create_case(COMPLETE_CASE).hex
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    task_id = uuid.uuid4().hex
    jobcenter = org_id(engine, JC)
    plant(engine, "task", task_id, case_id, _task(case_id, "R\u200fück\u2028ruf\tbitte\u00ad"), creator=jobcenter,
          feeds=[jobcenter])  # fmt: skip
    assert sync(jc_store, url, tokens["ifk.ida"]).quarantined == 0
    assert q(jc_store, "SELECT title FROM task WHERE id = ?", task_id) == [("Rück ruf bitte",)]


# -- F10 --------------------------------------------------------------------------------------------------


def _cursor(body) -> str:
    import base64

    return base64.urlsafe_b64encode((body if isinstance(body, str) else json.dumps(body)).encode()).decode()


BAD_CURSORS = [
    _cursor('{"v": 1, "tx": 1e400, "seq": 0}'),
    _cursor({"v": 1, "tx": 0, "seq": 10**23}),
    _cursor({"v": 1, "tx": 2**63, "seq": 0}),
    _cursor({"v": 1, "tx": 1.5, "seq": 0}),
    _cursor({"v": 1, "tx": -1, "seq": 0}),
    _cursor({"v": 1, "tx": True, "seq": 0}),
    _cursor({"v": 1, "tx": "1", "seq": [0]}),
    _cursor({"v": 1, "tx": 0, "seq": 0, "g": {"x": 1}}),
    _cursor([1, 2]),
    _cursor('{"tx": 1' + "0" * 5000 + ', "seq": 0}'),
    _cursor("\x00"),
    "%%%not-base64",
]
BAD_ARGS = [{"x": 1}, ["Agentur für Arbeit Musterstadt"], "Agentur\x00", 10**30, 1.5, True, "x" * 201, "a\u202eb"]


def test_F10_malformed_cursors_and_command_args_answered_500__now_400_or_rejected_as_validation(server, tmp_path):
    import httpx

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel").hex
    auth = {"Authorization": f"Bearer {tokens['aa.anton']}"}
    with httpx.Client(timeout=60) as client:
        for cursor in BAD_CURSORS:
            answer = client.get(f"{url}/sync/v1/pull", params={"cursor": cursor[:200]}, headers=auth)
            assert (answer.status_code, answer.json()) == (400, {"detail": "validation"}), cursor
        changes = []
        for value in BAD_ARGS:
            changes.append(command_change("handover.revoke", case_id, to_org=value) | {"tx": uuid.uuid4().hex})
            changes.append(command_change("handover.revoke", case_id, reason=value) | {"tx": uuid.uuid4().hex})
            changes.append(command_change("handover.send", case_id, to_org=value) | {"tx": uuid.uuid4().hex})
            changes.append(command_change("case.purge", case_id, reason=value) | {"tx": uuid.uuid4().hex})
        answer = push(url, tokens["ifk.ida"], changes, client=client)
        assert answer.status_code == 200, answer.text
        assert {(a["status"], a.get("reason")) for a in answer.json()["results"]} == {("rejected", "validation")}
        # nothing happened: the Agentur still holds the case, and a proper revoke still works
        assert sync(aa_store, url, tokens["aa.anton"]).dropped == 0
        proper = push(url, tokens["ifk.ida"], [command_change("handover.revoke", case_id, reason="kurs_beendet")])
        assert proper.json()["results"][0]["status"] == "applied"


MALFORMED = [{"a": 1}, [1], "x\x00y", 10**30, 1e300, -1, True, None, ""]


def test_F10_a_change_of_the_wrong_shape_anywhere_is_never_a_500(server, tmp_path):
    """Every key of a change (and of a set's field spec) replaced by a value of the wrong kind."""
    import httpx

    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case_id = jc.create_case(COMPLETE_CASE).hex
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    honest = [
        set_change("case", case_id, case_id, {"availability": "vormittags"}),
        set_change("task", uuid.uuid4().hex, case_id, _task(case_id)),
        _event(case_id, {"note": "Anruf"}),
        command_change("handover.revoke", case_id, reason="x"),
    ]
    changes = []
    for change in honest:
        for key in [k for k in change if k != "change_id"] + ["tx", "origin"]:
            for value in MALFORMED:
                changes.append({**change, "change_id": uuid.uuid4().hex, key: value})
    spec = honest[0]["fields"]["availability"]
    for value in MALFORMED:
        changes.append({**honest[0], "change_id": uuid.uuid4().hex, "fields": {"availability": value}})
        changes.append({**honest[0], "change_id": uuid.uuid4().hex, "fields": {"availability": {**spec, "hlc": value}}})
    with httpx.Client(timeout=120) as client:
        for start in range(0, len(changes), 100):
            answer = push(url, tokens["ifk.ida"], changes[start : start + 100], client=client)
            assert answer.status_code in (200, 400), answer.text


# -- F11 --------------------------------------------------------------------------------------------------


def _field_events(store) -> list:
    rows = q(store, "SELECT payload FROM case_event WHERE type = 'intake_updated' ORDER BY at")
    return [json.loads(p)["fields"] for (p,) in rows]


def test_F11_the_agentur_learnt_that_health_data_changed__now_field_names_are_cut_like_the_fields(server, tmp_path):
    from authz_helpers import pull_all

    url, engine = server
    tokens, (jc_store, jc), (aa_store, _aa) = _offices(tmp_path, url, engine)
    case = handed_over_case(jc, jc_store, aa_store, url, tokens, "Beispiel")  # stammdaten + hemmnisse only
    jc.update_fields(case, {"health_limits_summary": "Kein schweres Heben", "address": "Hauptstr. 1, 12345 Ort"})
    jc.update_fields(case, {"health_limits_summary": "Kein Heben über 5 kg"})
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert _field_events(jc_store) == [["address", "health_limits_summary"], ["health_limits_summary"]]
    sync(aa_store, url, tokens["aa.anton"])
    assert _field_events(aa_store) == [["address"]]  # the entry naming only the health summary is not sent
    fresh_store, _fresh = office(tmp_path, "aa2", AA_CONFIG, url)  # a new device loads the snapshot
    sync(fresh_store, url, tokens["aa.anton"])
    assert _field_events(fresh_store) == [["address"]]
    assert "health_limits_summary" not in json.dumps(pull_all(url, tokens["aa.anton"]))


# -- F7 ---------------------------------------------------------------------------------------------------


def test_F7_one_push_flooded_every_timeline_with_megabytes__now_entries_and_pushes_are_bounded(
    server, tmp_path, monkeypatch
):
    import pytest

    from wbtui.domain.entities import EVENT_BYTES
    from wbtui.domain.errors import WbtuiError
    from wbtui.server import screen

    url, engine = server
    tokens, (jc_store, jc), _ = _offices(tmp_path, url, engine)
    case = jc.create_case(COMPLETE_CASE)
    other = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A456780"})
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    case_id, other_id = case.hex, other.hex
    # one entry: the longest honest note (2,000 characters, three bytes each) passes, one byte more of data does not
    honest = _event(case_id, {"note": "€" * 2000})
    flood = _event(case_id, {"note": "x" * EVENT_BYTES})
    answers = push(url, tokens["ifk.ida"], [honest, flood]).json()["results"]
    assert [(a["status"], a.get("reason")) for a in answers] == [("applied", None), ("rejected", "too_large")]
    # per case and per push in all (the limits made small here; README "Server hygiene" names the real ones)
    monkeypatch.setattr(screen, "EVENTS_PER_CASE", 3)
    monkeypatch.setattr(screen, "APPEND_BYTES", 3500)
    batch = [_event(case_id, {"note": "a" * 900}) for _ in range(4)] + [_event(other_id, {"note": "b" * 900})]
    same_tx = [
        _event(other_id, {"note": "c"}) | {"tx": "t1"},
        set_change("case", other_id, other_id, {"availability": "ab Mai"}) | {"tx": "t1"},
    ]
    answers = push(url, tokens["ifk.ida"], batch + same_tx).json()["results"]
    assert [(a["status"], a.get("reason")) for a in answers] == [
        ("applied", None), ("applied", None), ("applied", None), ("rejected", "too_large"),  # 4th entry of one case
        ("rejected", "too_large"),  # the push's 3,500 bytes are used up
        ("rejected", "too_large"), ("rejected", "too_large"),  # its local transaction goes whole
    ]  # fmt: skip
    sync(jc_store, url, tokens["ifk.ida"])
    assert q(jc_store, "SELECT count(*) FROM case_event WHERE payload LIKE '%aaaa%'") == [(3,)]
    assert q(jc_store, "SELECT availability FROM fbw_case WHERE id = ?", other_id) != [("ab Mai",)]
    # a device never writes what the server refuses
    with pytest.raises(WbtuiError) as refused:
        jc.record_contact(case, "z" * 2001)
    assert refused.value.key == "err.too_long"
