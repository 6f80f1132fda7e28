"""Why a day is no working day of the office (a weekend, a public holiday of its Land, one of its own days):
an appointment set on such a day is saved, with a warning that names the day (README "Appointments")."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from wbtui.domain.workdays import WorkCalendar

WEEKEND, HOLIDAY, OFFICE = "weekend", "holiday", "office"


def day_off(calendar: WorkCalendar, day: date, language: str = "de") -> tuple[str, str] | None:
    """``(kind, name)`` when ``day`` is no working day under ``calendar``, else None.

    ``kind`` is :data:`WEEKEND` (``name`` the weekday's number, 5 or 6), :data:`HOLIDAY` (``name`` the
    holiday's name in ``language``, "" if the package knows none) or :data:`OFFICE` (the office's own day)."""
    if calendar.is_workday(day):
        return None
    if day.weekday() >= 5:
        return WEEKEND, str(day.weekday())
    if day in calendar.holidays(day.year):
        return HOLIDAY, holiday_name(calendar.land, day, language)
    return OFFICE, ""


@lru_cache(maxsize=64)
def _names(land: str | None, year: int, language: str) -> dict[date, str]:
    import holidays

    found = holidays.country_holidays("DE", subdiv=land, years=year, language="de" if language == "de" else "en_US")
    return dict(found.items())


def holiday_name(land: str | None, day: date, language: str = "de") -> str:
    """The public holiday's name as the ``holidays`` package gives it (German or English), "" if unknown."""
    return _names(land, day.year, language).get(day, "")
