"""Working-day arithmetic with German nationwide public holidays plus office holidays."""

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


class WorkCalendar:
    def __init__(self, extra_holidays: frozenset[date] | set[date] = frozenset()) -> None:
        self.extra = frozenset(extra_holidays)

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in national_holidays(day.year) and day not in self.extra

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
