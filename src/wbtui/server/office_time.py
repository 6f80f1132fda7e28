"""The office's calendar: date guards read the day in Germany (an action at 00:30 belongs to that day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

OFFICE_TZ: tzinfo
try:
    from zoneinfo import ZoneInfo

    OFFICE_TZ = ZoneInfo("Europe/Berlin")
except Exception:  # pragma: no cover - no time zone data on the host
    OFFICE_TZ = UTC


def office_today() -> date:
    """The office's calendar day now (the day a consent's dates are read against)."""
    return datetime.now(UTC).astimezone(OFFICE_TZ).date()
