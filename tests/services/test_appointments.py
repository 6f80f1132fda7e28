"""Appointments as objects on a real store: lifecycle, the S5 guard, the passed-without-result timer on the
objects, and the ICS export parsed by a real iCalendar parser (issue 15, item 1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from common import COMPLETE_CASE, TODAY
from wbtui.domain.errors import RuleViolation
from wbtui.domain.process import Stage, TransitionInput
from wbtui.domain.timers import TimerEngine, Timers
from wbtui.domain.workdays import WorkCalendar


def handed_over(jc) -> object:
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"],
                   given_on=date(2026, 11, 20))  # fmt: skip
    jc.move(case_id, Stage.READY)
    jc.send_handover(case_id)
    return case_id


def detail(services, case_id, today=TODAY) -> dict:
    return services.read_case(case_id, TimerEngine(today, Timers(), WorkCalendar()))


def test_acknowledging_without_an_appointment_keeps_the_case_in_s4(jc, aa):
    case_id = handed_over(jc)
    aa.ack_handover(case_id)
    d = detail(aa, case_id)
    assert d["stage"] == "handed_over" and d["appointments"] == []
    with pytest.raises(RuleViolation) as err:
        aa.move(case_id, Stage.COUNSELLING_SCHEDULED)
    assert err.value.reasons[0][0] == "guard.use_command"
    aa.add_appointment(case_id, "aa_beratung", datetime(2026, 11, 30, 9, 30, tzinfo=UTC), location="Raum 2.14")
    d = detail(aa, case_id)
    assert d["stage"] == "counselling_scheduled" and d["case"]["appointment_at"].startswith("2026-11-30 09:30")


def test_an_appointment_before_the_acknowledgement_is_refused(jc, aa):
    case_id = handed_over(jc)
    with pytest.raises(RuleViolation) as err:
        aa.add_appointment(case_id, "aa_beratung", datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    assert err.value.reasons[0][0] == "guard.appt_ack_first"
    assert detail(aa, case_id)["appointments"] == []


def test_appointment_lifecycle_move_no_show_and_held(jc, aa):
    case_id = handed_over(jc)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 26, 9, tzinfo=UTC), location="Raum 2.14")
    first = detail(aa, case_id)["appointments"][0]
    assert (first["kind"], first["status"], first["location"]) == ("aa_beratung", "geplant", "Raum 2.14")
    with pytest.raises(RuleViolation) as err:  # its day has not come
        aa.set_appointment_status(__import__("uuid").UUID(first["id"]), "held")
    assert err.value.reasons[0][0] == "guard.appt_not_yet"
    moved = aa.move_appointment(aa.resolve_appointment(first["id"][:8]), datetime(2026, 11, 24, 10, tzinfo=UTC),
                                reason="Person verhindert")  # fmt: skip
    rows = {a["id"]: a for a in detail(aa, case_id)["appointments"]}
    assert rows[first["id"]]["status"] == "verschoben" and rows[first["id"]]["status_reason"] == "Person verhindert"
    assert rows[moved.hex]["status"] == "geplant" and rows[moved.hex]["moved_from"] == first["id"]
    assert rows[moved.hex]["location"] == "Raum 2.14"
    aa.set_appointment_status(moved, "no_show")  # 24.11. has passed
    d = detail(aa, case_id)
    assert d["case"]["appointment_at"] is None and "appointment_missed" in [e["type"] for e in d["timeline"]]
    with pytest.raises(RuleViolation):
        aa.set_appointment_status(moved, "held")  # a result is final
    with pytest.raises(RuleViolation) as err:
        aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    assert err.value.reasons[0][0] == "guard.no_appointment"
    again = aa.add_appointment(case_id, "aa_beratung", datetime(2026, 11, 25, 8, tzinfo=UTC))
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    rows = {a["id"]: a for a in detail(aa, case_id)["appointments"]}
    assert rows[again.hex]["status"] == "wahrgenommen"  # the counselling held is that appointment, not a copy
    assert len(rows) == 3


def test_cancelling_needs_a_reason_and_the_jobcenter_cannot_touch_agentur_appointments(jc, aa):
    case_id = handed_over(jc)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 12, 1, 9, tzinfo=UTC))
    appt = aa.resolve_appointment(detail(aa, case_id)["appointments"][0]["id"])
    with pytest.raises(RuleViolation) as err:
        aa.set_appointment_status(appt, "cancelled")
    assert err.value.reasons[0][0] == "guard.appt_needs_reason"
    with pytest.raises(RuleViolation) as err:
        jc.set_appointment_status(appt, "cancelled", reason="x")
    assert err.value.reasons[0][0] == "guard.appt_wrong_side"
    with pytest.raises(RuleViolation):
        jc.add_appointment(case_id, "aa_beratung", datetime(2026, 12, 2, 9, tzinfo=UTC))
    aa.set_appointment_status(appt, "cancelled", reason="Person krank gemeldet")
    assert detail(aa, case_id)["appointments"][0]["status"] == "abgesagt"


def test_a_planned_appointment_passed_without_result_is_overdue_in_any_stage(jc, aa):
    case_id = handed_over(jc)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert "appointment_without_result" not in detail(aa, case_id)["timer"]["rules"]
    later = date(2026, 12, 3)  # 30.11. is three working days back
    assert "appointment_without_result" in detail(aa, case_id, later)["timer"]["rules"]
    rows = aa.reads.overdue(TimerEngine(later, Timers(), WorkCalendar()))
    assert ("appointment_without_result", case_id.hex) in {(r["rule"], r["id"]) for r in rows}


def test_ics_export_round_trips_through_a_real_icalendar_parser(jc, aa):
    import icalendar  # the test extras hold it

    from wbtui.services import ics

    case_id = handed_over(jc)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 30, 9, 30, tzinfo=UTC),
                    location="Agentur; Raum 2.14, Eingang B\\Hof")  # fmt: skip
    row = detail(aa, case_id)["appointments"][0]
    aa.move_appointment(aa.resolve_appointment(row["id"]), datetime(2026, 12, 1, 13, tzinfo=UTC), reason="verhindert")
    aa.add_appointment(case_id, "aa_beratung", datetime(2026, 12, 2, 8, tzinfo=UTC), duration_minutes=45,
                       with_whom="Frau Ünal-Øster " + "sehr langer Name " * 6)  # fmt: skip
    rows = aa.reads.appointments(case_id=case_id.hex, include_done=True)
    text = ics.calendar(rows)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")) and "\r\n " in text  # folded
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"{r['id']}@wbtui.invalid" for r in rows}
    moved = events[f"{row['id']}@wbtui.invalid"]
    assert str(moved["STATUS"]) == "CANCELLED" and str(moved["LOCATION"]) == "Agentur; Raum 2.14, Eingang B\\Hof"
    last = next(e for e in events.values() if "Ünal" in str(e["DESCRIPTION"]))
    assert last.decoded("DTSTART") == datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert (last.decoded("DTEND") - last.decoded("DTSTART")).total_seconds() == 45 * 60
    assert "sehr langer Name" in str(last["DESCRIPTION"])
    for event in events.values():
        assert event.decoded("DTSTAMP").tzinfo is not None and "Beispiel" in str(event["SUMMARY"])
    # stable UIDs: a second export names the same entries
    again = icalendar.Calendar.from_ical(ics.calendar(aa.reads.appointments(case_id=case_id.hex, include_done=True)))
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)


def test_ics_summary_never_names_the_medical_service(jc, aa):
    from wbtui.services import ics

    row = {"id": "a" * 32, "case_id": "b" * 32, "kind": "aed_bps", "starts_at": "2026-12-01 09:00:00",
           "status": "geplant", "family_name": "Muster", "given_names": "Max", "location": None, "with_whom": None}  # fmt: skip
    text = ics.calendar([row])
    assert "Ärztlich" not in text and "BPS" not in text and "Psycholog" not in text and "Muster" in text
