"""Issue 15 item 11: demo data like an office's — statistics over 600 generated cases (real SQLite store):
no appointment on a weekend or holiday or at night, course starts in every month, nothing before
1 January 2025, a realistic mix of reasons, course details and the team inbox."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from common import TODAY


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from wbtui.data.store import open_store
    from wbtui.domain.workdays import WorkCalendar
    from wbtui.services import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(path)
    con = store.raw(readonly=False)
    demo.generate(con, 600, seed=3, today=TODAY, calendar=WorkCalendar(bundesland="HE"))
    con.close()
    yield store
    store.close()


def rows(store, sql: str) -> list[tuple]:
    con = store.raw()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_appointments_fell_on_weekends_and_at_night__now_working_days_in_office_hours(demo_db):
    from wbtui.domain.workdays import WorkCalendar
    from wbtui.widgets.labels import local_time

    calendar = WorkCalendar(bundesland="HE")
    times = [local_time(r[0]) for r in rows(demo_db, "SELECT starts_at FROM appointment")]
    times += [
        local_time(r[0]) for r in rows(demo_db, "SELECT appointment_at FROM fbw_case WHERE appointment_at IS NOT NULL")
    ]
    assert len(times) > 100
    assert [t for t in times if t.weekday() >= 5] == []  # no weekend appointments
    assert [t for t in times if not calendar.is_workday(t.date())] == []  # nor on Hessen's public holidays
    assert [t for t in times if not (8 <= t.hour < 16)] == []  # no night times: 8:00 to 15:45


def test_demo_cases_began_before_the_new_responsibility__now_none_before_1_january_2025(demo_db):
    first = rows(demo_db, "SELECT MIN(created_at), MIN(stage_since) FROM fbw_case")[0]
    assert first[0] >= "2025-01-01" and first[1] >= "2025-01-01"
    assert rows(demo_db, "SELECT MIN(at) FROM case_event")[0][0] >= "2025-01-01"
    assert rows(demo_db, "SELECT MAX(at) FROM case_event")[0][0] < TODAY.isoformat()


def test_demo_course_starts_bunched__now_spread_over_every_month_of_the_year(demo_db):
    starts = [
        date.fromisoformat(r[0])
        for r in rows(demo_db, "SELECT course_start FROM fbw_case WHERE course_start IS NOT NULL")
    ]
    months = Counter(d.month for d in starts)
    assert set(months) == set(range(1, 13)), months
    assert max(months.values()) < len(starts) / 4  # no month holds a quarter of all starts
    assert [d for d in starts if d.weekday() >= 5] == []


def test_demo_reasons_were_a_single_value__now_a_mix_for_every_kind(demo_db):
    for column, at_least in (("decline_reason", 3), ("dropout_reason", 4), ("non_integration_reason", 3),
                             ("close_reason", 4)):  # fmt: skip
        found = Counter(r[0] for r in rows(demo_db, f"SELECT {column} FROM fbw_case WHERE {column} IS NOT NULL"))
        assert len(found) >= at_least, (column, found)
        assert max(found.values()) < sum(found.values()) * 0.7, (column, found)
    # a reason on every case that stopped there
    assert (
        rows(demo_db, "SELECT COUNT(*) FROM fbw_case WHERE stage = 'dropped_out' AND dropout_reason IS NULL")[0][0] == 0
    )
    assert (
        rows(demo_db, "SELECT COUNT(*) FROM fbw_case WHERE stage = 'declined_by_agency' AND decline_reason IS NULL")[0][
            0
        ]
        == 0
    )


def test_demo_courses_carry_voucher_and_course_details_and_some_cases_wait_in_the_team_inbox(demo_db):
    detail = rows(
        demo_db,
        "SELECT COUNT(*), COUNT(voucher_number), COUNT(provider_name), COUNT(kursnet_id), SUM(qualification_2y)"
        " FROM fbw_case WHERE course_start IS NOT NULL",
    )[0]
    assert detail[0] > 50 and detail[1] == detail[0] and detail[2] == detail[0] and 0 < detail[4] < detail[0]
    unassigned = rows(demo_db, "SELECT COUNT(*) FROM fbw_case WHERE owner_login IS NULL AND owner_team IS NOT NULL")
    assert unassigned[0][0] > 0
