"""An appointment's day off is named: the weekday, the Land's public holiday by its name, the office's day."""

from __future__ import annotations

from datetime import date

from wbtui.domain.days_off import HOLIDAY, OFFICE, WEEKEND, day_off
from wbtui.domain.workdays import WorkCalendar


def test_a_day_off_is_named_and_a_working_day_is_none():
    hessen = WorkCalendar({date(2026, 12, 24)}, bundesland="HE")
    assert day_off(hessen, date(2026, 11, 25)) is None  # a Wednesday
    assert day_off(hessen, date(2026, 11, 29)) == (WEEKEND, "6")
    assert day_off(hessen, date(2026, 6, 4)) == (HOLIDAY, "Fronleichnam")  # Hessen's, not nationwide
    assert day_off(hessen, date(2026, 12, 25), "en") == (HOLIDAY, "Christmas Day")
    assert day_off(hessen, date(2026, 12, 24)) == (OFFICE, "")
    assert day_off(WorkCalendar(), date(2026, 6, 4)) is None  # no Land configured: only the nationwide days
