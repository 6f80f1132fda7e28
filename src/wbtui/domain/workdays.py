"""Working-day arithmetic: weekends, the public holidays of the office's Land (or only the nationwide
ones when no Land is configured) and the office's own days (``[office] bundesland``, ``holidays``).

The Länder's holidays come from the ``holidays`` package (Fronleichnam in Hessen, Reformationstag in
Sachsen, Buß- und Bettag in Sachsen, Frauentag in Berlin …), computed, never typed in by hand."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),  # Neujahr
            easter - timedelta(days=2),  # Karfreitag
            easter + timedelta(days=1),  # Ostermontag
            date(year, 5, 1),  # Tag der Arbeit
            easter + timedelta(days=39),  # Christi Himmelfahrt
            easter + timedelta(days=50),  # Pfingstmontag
            date(year, 10, 3),  # Tag der Deutschen Einheit
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


LAENDER = ("BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH")


@lru_cache(maxsize=256)
def land_holidays(land: str, year: int) -> frozenset[date]:
    """Every public holiday of a Land in a year (the nationwide ones included)."""
    import holidays

    return frozenset(holidays.country_holidays("DE", subdiv=land, years=year)) | national_holidays(year)


class WorkCalendar:
    def __init__(
        self, extra_holidays: frozenset[date] | set[date] = frozenset(), *, bundesland: str | None = None
    ) -> None:
        self.extra = frozenset(extra_holidays)
        self.land = bundesland

    def holidays(self, year: int) -> frozenset[date]:
        return land_holidays(self.land, year) if self.land else national_holidays(year)

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays(day.year) and day not in self.extra

    def add(self, day: date, workdays: int) -> date:
        """The date ``workdays`` working days after ``day`` (``day`` itself not counted)."""
        step = 1 if workdays >= 0 else -1
        remaining = abs(workdays)
        current = day
        while remaining:
            current += timedelta(days=step)
            if self.is_workday(current):
                remaining -= 1
        return current

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        if end <= start:
            return 0
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def latest_start_for(self, today: date, workdays: int) -> date:
        """Largest start date with ``between(start, today) >= workdays``.

        A case is overdue by a working-day rule exactly when its start date is on
        or before this cutoff, which turns the rule into an indexable SQL bound.
        """
        if workdays <= 0:
            return today
        # walk back until the working-day count reaches the threshold
        day = today
        while self.between(day, today) < workdays:
            day -= timedelta(days=1)
        # later start dates with the same count are not possible; ``day`` is the largest
        return day
