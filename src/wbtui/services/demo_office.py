"""When things happen in the demo office (README "Demo data"): on working days, in office hours, never
before 1 January 2025 (the day the Agentur took over FbW for Bürgergeld recipients).

Times are made in the office's local time and stored as UTC, as every timestamp of the store is; the
working days are the office's (weekends, the Land's public holidays, :class:`WorkCalendar`).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from wbtui.domain.workdays import WorkCalendar

EARLIEST = date(2025, 1, 1)  # the new responsibility (§ 16 SGB II with §§ 81 ff. SGB III) starts here
OPENS, CLOSES = 8, 16  # office hours: the first and last full hour an appointment may start in
SLOT_MINUTES = 15


class OfficeClock:
    """Working days and office hours of one office, and the stamps of a case's history."""

    def __init__(self, today: date, calendar: WorkCalendar | None = None) -> None:
        self.today = today
        self.calendar = calendar or WorkCalendar()

    def workday_on_or_after(self, day: date) -> date:
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        return day

    def workday_before(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.calendar.is_workday(day):
            day -= timedelta(days=1)
        return day

    def at(self, day: date, rng: random.Random, *, last_hour: int = CLOSES - 1) -> datetime:
        """A moment in office hours on ``day`` (local time), as a naive UTC timestamp for the store."""
        slot = rng.randrange(0, (last_hour - OPENS + 1) * 60 // SLOT_MINUTES)
        local = datetime(day.year, day.month, day.day, OPENS) + timedelta(minutes=slot * SLOT_MINUTES)
        return local.astimezone(UTC).replace(tzinfo=None)  # naive local -> the system's zone, as the app reads it

    def history(self, gaps: list[int], slack: int, rng: random.Random) -> list[datetime]:
        """Stamps for a case whose steps are ``gaps`` days apart, ending ``slack`` days before today: every
        stamp a working day in office hours, all of them in [1 January 2025, yesterday]."""
        last = self.workday_before(self.today)
        room = (last - EARLIEST).days
        total = sum(gaps)
        if total > room:  # a long history is compressed to fit the time since 1 January 2025
            gaps = [max(1, g * room // max(total, 1)) for g in gaps]
            total = sum(gaps)
        slack = max(0, min(slack, room - total))
        day = max(EARLIEST, last - timedelta(days=total + slack))
        days = [self.workday_on_or_after(day)]
        for gap in gaps:
            nxt = self.workday_on_or_after(days[-1] + timedelta(days=max(gap, 1)))
            days.append(min(nxt, last))
        days = [max(d, days[i - 1]) if i else d for i, d in enumerate(days)]  # never backwards
        stamps = [self.at(d, rng) for d in days]
        for i in range(1, len(stamps)):  # one day may hold two steps: keep their order
            if stamps[i] <= stamps[i - 1]:
                stamps[i] = stamps[i - 1] + timedelta(minutes=SLOT_MINUTES)
        return stamps

    def appointment(self, after: date, rng: random.Random, *, days: tuple[int, int] = (3, 15)) -> datetime:
        """A counselling appointment: a working day some days after ``after``, between 8:00 and 15:30."""
        day = self.workday_on_or_after(after + timedelta(days=rng.randint(*days)))
        return self.at(day, rng, last_hour=CLOSES - 1)
