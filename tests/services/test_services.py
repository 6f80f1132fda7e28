"""Services on a real SQLite store: the whole process from intake to closure, and refusals that write nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from common import COMPLETE_CASE, TODAY
from wbtui.data.package import unpack
from wbtui.domain.errors import NotFound, RuleViolation, WbtuiError
from wbtui.domain.process import Stage, TransitionInput
from wbtui.i18n import describe


def counts(store) -> dict:
    con = store.raw()
    try:
        return {
            t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("case_event", "fbw_case", "handover", "voucher", "task")
        }
    finally:
        con.close()


def stage_of(store, case_id) -> str:
    con = store.raw()
    try:
        return con.execute("SELECT stage FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
    finally:
        con.close()


def events(store, case_id) -> list[tuple]:
    con = store.raw()
    try:
        return con.execute(
            "SELECT type, from_stage, to_stage FROM case_event WHERE case_id = ? ORDER BY at, rowid", (case_id.hex,)
        ).fetchall()
    finally:
        con.close()


def walk_to_handover(jc) -> object:
    case_id = jc.create_case(COMPLETE_CASE)
    jc.move(case_id, Stage.OBSTACLES)
    jc.add_obstacle(case_id, "R-KIN")
    jc.add_obstacle(case_id, "L-GES")  # Art. 9
    with pytest.raises(RuleViolation):
        jc.move(case_id, Stage.READY)  # open obstacles, no consent
    jc.set_obstacle(case_id, "R-KIN", status="geloest")
    jc.set_obstacle(case_id, "L-GES", status="in_bearbeitung")
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "qualifikation", "hemmnisse"],
        given_on=date(2026, 11, 20),
    )
    jc.move(case_id, Stage.READY)
    return case_id


def test_full_process_from_intake_to_closure(store, jc, aa):
    case_id = walk_to_handover(jc)
    jc.send_handover(case_id)
    assert stage_of(store, case_id) == "handed_over"
    # Agentur: acknowledge, appointment, counselling, voucher, enrolment, start
    aa.ack_handover(case_id)
    assert stage_of(store, case_id) == "handed_over"  # acknowledged: S5 waits for the appointment (issue 15)
    aa.set_appointment(case_id, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert stage_of(store, case_id) == "counselling_scheduled"
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    aa.move(case_id, Stage.VOUCHER_ISSUED, TransitionInput(valid_until=date(2027, 2, 20)))
    aa.move(
        case_id,
        Stage.ENROLMENT_APPROVED,
        TransitionInput(course_start=date(2026, 11, 25), course_end=date(2027, 11, 24)),
    )
    aa.move(case_id, Stage.IN_TRAINING)
    # Jobcenter: support, completion, integration, closure
    jc.record_contact(case_id, "Zwischenstand gut")
    jc.move(case_id, Stage.COMPLETED)
    jc.move(case_id, Stage.INTEGRATED)
    jc.close(case_id, "integrated")
    assert stage_of(store, case_id) == "closed"
    moves = [(f, t) for typ, f, t in events(store, case_id) if typ == "stage_changed"]
    assert moves == [
        ("need_identified", "obstacles_in_clarification"),
        ("obstacles_in_clarification", "ready_for_handover"),
        ("ready_for_handover", "handed_over"),
        ("handed_over", "counselling_scheduled"),
        ("counselling_scheduled", "counselled"),
        ("counselled", "voucher_issued"),
        ("voucher_issued", "enrolment_approved"),
        ("enrolment_approved", "in_training"),
        ("in_training", "completed"),
        ("completed", "integrated"),
        ("integrated", "closed"),
    ]
    types = {typ for typ, _, _ in events(store, case_id)}
    for feedback in (
        "handover_sent",
        "handover_received",
        "appointment_set",
        "counselling_result",
        "voucher_issued",
        "enrolment_approved",
        "course_started",
        "course_completed",
        "integration",
        "case_closed",
    ):
        assert feedback in types


def test_refused_action_writes_nothing(store, jc):
    case_id = jc.create_case({"kundennummer": "123A456780", "family_name": "Leer", "given_names": "Lea"})
    before = counts(store)
    with pytest.raises(RuleViolation) as err:
        jc.move(case_id, Stage.READY)
    assert "Pflichtangabe fehlt" in describe(err.value)
    with pytest.raises(RuleViolation):
        jc.move(case_id, Stage.COUNSELLED)
    with pytest.raises(RuleViolation):
        jc.close(case_id, None)
    assert counts(store) == before
    assert stage_of(store, case_id) == "need_identified"


def test_handover_commands_cannot_be_bypassed(store, jc):
    case_id = walk_to_handover(jc)
    with pytest.raises(RuleViolation) as err:
        jc.move(case_id, Stage.HANDED_OVER)
    assert "handover send" in describe(err.value)


def test_query_returns_case_to_jobcenter(store, jc, aa):
    case_id = walk_to_handover(jc)
    jc.send_handover(case_id)
    with pytest.raises(RuleViolation):
        jc.ack_handover(case_id)  # only the Agentur acknowledges
    aa.query_handover(case_id, "Bitte Geburtsdatum prüfen")
    assert stage_of(store, case_id) == "ready_for_handover"
    with pytest.raises(RuleViolation):
        aa.ack_handover(case_id)  # nothing open any more
    jc.send_handover(case_id)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert stage_of(store, case_id) == "counselling_scheduled"


def test_handover_package_respects_consent(store, jc):
    case_id = walk_to_handover(jc)
    jc.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    jc.send_handover(case_id)
    con = store.raw()
    package = json.dumps(
        unpack(con.execute("SELECT package FROM handover WHERE case_id = ?", (case_id.hex,)).fetchone()[0])
    )
    con.close()
    assert "L-GES" not in package and "schweres Heben" not in package  # no health consent
    assert "R-KIN" in package and "123A456789" in package


def test_handover_package_with_health_consent(store, jc):
    case_id = walk_to_handover(jc)
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "gesundheit"],
        given_on=TODAY,
    )
    jc.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    jc.send_handover(case_id)
    con = store.raw()
    package = json.dumps(
        unpack(con.execute("SELECT package FROM handover WHERE case_id = ?", (case_id.hex,)).fetchone()[0])
    )
    con.close()
    assert "L-GES" in package and "schweres Heben" in package


def test_revoked_consent_blocks_handover(store, jc):
    case_id = walk_to_handover(jc)
    con = store.raw()
    consent = con.execute("SELECT id FROM consent").fetchone()[0]
    con.close()
    jc.revoke_consent(case_id, consent[:8])
    with pytest.raises(RuleViolation) as err:
        jc.send_handover(case_id)
    assert "Einwilligung" in describe(err.value)


def test_conference_creates_tasks_and_needs_consent_with_third_parties(store, jc):
    case_id = jc.create_case(COMPLETE_CASE)
    with pytest.raises(RuleViolation):
        jc.add_conference(
            case_id,
            variant="ohne_person",
            participants=[("Ida", "jc_ifk", "Jobcenter")],
            decisions=[("pause_and_stabilise", "ifk.ida", date(2026, 12, 10))],
        )
    conf = jc.add_conference(
        case_id,
        variant="fallbesprechung",
        participants=[("Ida Ifk", "jc_ifk", "Jobcenter"), ("Anton Berater", "aa_beratung", "Agentur")],
        decisions=[
            ("new_aptitude_check", "aa.anton", date(2026, 12, 10)),
            ("continue_as_planned", "ifk.ida", date(2026, 12, 15)),
        ],
        dissent="Person wünscht Teilzeit",
    )
    assert conf
    assert counts(store)["task"] == 2
    with pytest.raises(WbtuiError):
        jc.add_conference(
            case_id, variant="fallbesprechung", participants=[("A", "b", None)], decisions=[("nonsense", "x", TODAY)]
        )


def test_task_done_and_errors(store, jc):
    case_id = jc.create_case(COMPLETE_CASE)
    task = jc.add_task(case_id, "Unterlagen anfordern", None, date(2026, 12, 1))
    jc.complete_task(task.hex[:8])
    with pytest.raises(WbtuiError):
        jc.complete_task(task.hex[:8])
    with pytest.raises(NotFound):
        jc.complete_task("ffffffff")


def test_second_open_case_for_same_person_refused(jc):
    jc.create_case(COMPLETE_CASE)
    with pytest.raises(WbtuiError) as err:
        jc.create_case(COMPLETE_CASE)
    assert err.value.key == "err.open_case_exists"


def test_resolve_by_prefix_and_kundennummer(jc):
    case_id = jc.create_case(COMPLETE_CASE)
    assert jc.resolve(case_id.hex[:6]) == case_id
    assert jc.resolve("123a456789") == case_id
    with pytest.raises(NotFound):
        jc.resolve("999Z999999")


def test_unknown_obstacle_and_bad_status(jc):
    case_id = jc.create_case(COMPLETE_CASE)
    with pytest.raises(WbtuiError) as err:
        jc.add_obstacle(case_id, "Q-XYZ")
    assert err.value.key == "err.unknown_obstacle"
    jc.add_obstacle(case_id, "q-spr")
    with pytest.raises(WbtuiError):
        jc.set_obstacle(case_id, "Q-SPR", status="kaputt")
    with pytest.raises(WbtuiError):
        jc.add_obstacle(case_id, "Q-SPR")


def test_control_characters_are_stripped_at_input(store, jc):
    case_id = jc.create_case(
        {**COMPLETE_CASE, "family_name": "Evil\x1b]52;c;ZXZpbA==\x07Name", "given_names": "A\x9bB"}
    )
    con = store.raw()
    name, given = con.execute("SELECT family_name, given_names FROM person").fetchone()
    con.close()
    assert "\x1b" not in name and "\x07" not in name and "\x9b" not in given
    assert name.startswith("Evil") and case_id


def test_timeline_is_append_only(store, jc):
    import sqlite3

    jc.create_case(COMPLETE_CASE)
    con = store.raw(readonly=False)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE case_event SET type = 'forged'")
    con.close()


def test_dropout_and_reengagement(store, jc, aa):
    case_id = walk_to_handover(jc)
    jc.send_handover(case_id)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 23, 9, tzinfo=UTC))
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    aa.move(case_id, Stage.VOUCHER_ISSUED, TransitionInput(valid_until=date(2027, 1, 31)))
    aa.move(case_id, Stage.ENROLMENT_APPROVED, TransitionInput(course_start=date(2026, 11, 24)))
    aa.move(case_id, Stage.IN_TRAINING)
    with pytest.raises(RuleViolation):
        jc.move(case_id, Stage.DROPPED_OUT)
    jc.move(case_id, Stage.DROPPED_OUT, TransitionInput(reason="abbruch_betreuung"))
    jc.move(case_id, Stage.OBSTACLES)
    assert stage_of(store, case_id) == "obstacles_in_clarification"
