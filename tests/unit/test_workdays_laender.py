"""Regional public holidays (domain/workdays.py): the Land's days count, known dates of several Länder."""

from __future__ import annotations

from datetime import date

import pytest

from wbtui.domain.workdays import WorkCalendar


@pytest.mark.parametrize(
    ("land", "day", "what"),
    [
        ("HE", date(2026, 6, 4), "Fronleichnam (Thursday)"),
        ("BY", date(2026, 1, 6), "Heilige Drei Könige (Tuesday)"),
        ("SN", date(2026, 11, 18), "Buß- und Bettag (Wednesday)"),
        ("SN", date(2025, 10, 31), "Reformationstag (Friday)"),
        ("BE", date(2027, 3, 8), "Internationaler Frauentag (Monday)"),
    ],
)
def test_the_lands_holidays_are_no_working_days(land, day, what):
    assert not WorkCalendar(bundesland=land).is_workday(day), what
    assert WorkCalendar().is_workday(day), f"{what}: nationwide only, an ordinary working day"


def test_nationwide_holidays_count_everywhere_and_office_days_on_top():
    calendar = WorkCalendar({date(2026, 12, 24)}, bundesland="HE")
    assert not calendar.is_workday(date(2026, 12, 25))
    assert not calendar.is_workday(date(2026, 12, 24))
    # five working days after Wednesday 3 June 2026 skip Fronleichnam in Hessen, not elsewhere
    assert calendar.add(date(2026, 6, 3), 5) == date(2026, 6, 11)
    assert WorkCalendar().add(date(2026, 6, 3), 5) == date(2026, 6, 10)


def test_a_wrong_land_in_the_configuration_is_named(tmp_path):
    from wbtui.config import load
    from wbtui.domain.errors import ConfigError

    path = tmp_path / "c.toml"
    path.write_text('[office]\nbundesland = "XX"\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        load(path)
    path.write_text('[office]\nbundesland = "he"\n', encoding="utf-8")
    assert load(path).calendar().land == "HE"
