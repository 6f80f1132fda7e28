"""Findings of the second independent new-user test (services side): what the user did, on a real store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_appointments import detail, handed_over

from wbtui.domain.errors import RuleViolation
from wbtui.domain.process import Stage, TransitionInput


def test_counselling_at_another_time_keeps_the_planned_appointment_and_records_the_held_one(jc, aa):
    case_id = handed_over(jc)
    planned_at, held_at = datetime(2026, 11, 30, 8, tzinfo=UTC), datetime(2026, 11, 24, 7, tzinfo=UTC)
    aa.ack_handover(case_id, appointment_at=planned_at, location="Raum 2.14")
    with pytest.raises(RuleViolation) as err:  # a counselling still ahead cannot be recorded as held
        aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig", appointment_at=datetime(
            2026, 11, 27, 8, tzinfo=UTC)))  # fmt: skip
    assert err.value.reasons[0][0] == "guard.appointment_future"
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig", appointment_at=held_at))

    d = detail(aa, case_id)
    rows = sorted(d["appointments"], key=lambda a: a["starts_at"])
    assert [(a["starts_at"][:16], a["status"]) for a in rows] == [
        ("2026-11-24 07:00", "wahrgenommen"),
        ("2026-11-30 08:00", "verschoben"),  # its date is history: never rewritten
    ], rows
    assert rows[0]["moved_from"] == rows[1]["id"] and rows[0]["location"] == "Raum 2.14"
    assert d["case"]["stage"] == "counselled" and d["case"]["appointment_at"][:16] == "2026-11-24 07:00"


def test_counselling_at_the_planned_time_marks_that_appointment_held(jc, aa):
    case_id = handed_over(jc)
    at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    aa.ack_handover(case_id, appointment_at=at)
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig", appointment_at=at))
    rows = detail(aa, case_id)["appointments"]
    assert [(a["status"], a["moved_from"]) for a in rows] == [("wahrgenommen", None)]


def test_an_invitation_named_md_is_markdown(jc, aa, tmp_path):
    from test_letters import planned

    from wbtui.services.letters import save_invitation

    appt = planned(jc, aa)
    md = save_invitation(aa, appt, tmp_path / "einladung.md").read_text(encoding="utf-8")
    assert md.startswith("# Einladung zum Beratungsgespräch\n") and "%PDF" not in md
    assert "Wann: Mittwoch, 02.12.2026, um 08:30 Uhr  \nWo: Agentur, Raum 2.14  \n" in md  # one line each
    assert "Berta Beispiel  \nLindenweg 3" in md and aa.config.office_name in md


def test_the_inbox_counts_every_entry_and_the_unread_ones_not_only_the_page(jc, aa, monkeypatch):
    from wbtui.data import queries

    case_id = handed_over(jc)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 30, 8, tzinfo=UTC))
    appt = aa.resolve_appointment(aa.reads.appointments(case_id=case_id.hex)[0]["id"])
    for day in (1, 2, 3):
        appt = aa.move_appointment(appt, datetime(2026, 12, day, 8, tzinfo=UTC), reason="verhindert")
    _received, _asked, everything = jc.reads.inbox(None)
    assert everything.total == everything.unread == len(everything) >= 5
    # a page of two (the real page holds 300) still counts them all, and a read entry counts as read
    monkeypatch.setattr(queries, "INBOX_FEEDBACK", queries.INBOX_FEEDBACK.replace("LIMIT 300", "LIMIT 2"))
    _received, _asked, page = jc.reads.inbox(None)
    assert (len(page), page.total, page.unread) == (2, everything.total, everything.total)
    jc.reads.mark_read([page[0][7]])
    _received, _asked, page = jc.reads.inbox(None)
    assert (len(page), page.total, page.unread) == (2, everything.total, everything.total - 1)
    assert not any(row[8] for row in page)  # unread first
    assert jc.reads.mark_all_read() == everything.total - 1  # every unread entry, not only the page
    _received, _asked, page = jc.reads.inbox(None)
    assert (page.total, page.unread) == (everything.total, 0)
