"""One demo case's steps through the stage model (README "Demo data"), one function per stage a step
reaches: the timeline event each step writes, and the handover, appointment, voucher and course it brings.
The case as a whole (person, obstacles, consent, tasks, conference, the case row) is
:mod:`wbtui.services.demo_case`, which walks a case through :func:`walk`.

The random draws happen in a fixed order, so a seed gives the same demo store every time.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from wbtui.domain.process import Stage, add_months
from wbtui.services.demo_data import COURSE_TITLES, PROVIDERS, QUALIFYING, REGIONS, ROOMS
from wbtui.services.demo_office import OfficeClock

# the steps the Agentur für Arbeit takes (their events carry its organisation)
AGENTUR_STEPS = frozenset(
    {
        Stage.COUNSELLING_SCHEDULED,
        Stage.COUNSELLED,
        Stage.VOUCHER_ISSUED,
        Stage.ENROLMENT_APPROVED,
        Stage.APTITUDE_CHECK,
        Stage.DECLINED_BY_AGENCY,
        Stage.VOUCHER_EXPIRED,
    }
)


def dt(value: datetime) -> str:
    """A timestamp as the store's bulk rows hold it."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Walk:
    """A demo case on its way: what the steps read (path, times, reasons) and what they fill in (``case``
    the case row's stage fields, ``course`` the voucher and course fields, ``events`` the timeline)."""

    rng: random.Random
    make_id: Callable[[], str]
    index: int
    clock: OfficeClock
    orgs: dict
    rows: dict[str, list[tuple]]
    case_id: str
    path: list[Stage]
    stamps: list[datetime]
    training_type: str
    kldb: str
    title: str
    reasons: dict[str, str | None]
    close_reason: str | None
    case: dict[str, Any]
    course: dict = field(default_factory=dict)
    events: list[tuple] = field(default_factory=list)

    def event(self, at, type_, payload=None, src=None, dst=None, org="home") -> None:
        self.events.append(
            (self.make_id(), self.case_id, dt(at), type_, src, dst, "demo", self.orgs[org], json.dumps(payload or {}))
        )

    def has_next(self, step: int) -> bool:
        return len(self.path) > step + 1


def walk(w: Walk) -> None:
    """Every step of the case's path, in order: its own rows and events, then the stage change."""
    for step, (src, dst) in enumerate(zip(w.path, w.path[1:]), start=1):
        at = w.stamps[step]
        reached = STEPS.get(dst)
        if reached is not None:
            reached(w, step, at)
        w.event(at, "stage_changed", {}, src.value, dst.value, org="agentur" if dst in AGENTUR_STEPS else "home")


def _handed_over(w: Walk, step: int, at: datetime) -> None:
    w.case["agentur_org_id"] = w.orgs["agentur"]
    acked = Stage.COUNSELLING_SCHEDULED in w.path
    w.rows["handover"].append(
        (
            w.make_id(),
            w.case_id,
            w.orgs["home"],
            w.orgs["agentur"],
            "demo",
            dt(at),
            "shared_system",
            1,
            b"",  # the package comes after (demo_sql.PACKAGE_SQL); a blob, so the column's trigger leaves it
            "consent",
            None,
            "accepted" if acked else "sent",
            None,
            "aa.berger" if acked else None,
            dt(w.stamps[step + 1]) if acked else None,
        )
    )
    w.event(at, "handover_sent", {"to": "agentur"})


def _counselling_scheduled(w: Walk, step: int, at: datetime) -> None:
    rng, clock = w.rng, w.clock
    w.event(at, "handover_received", org="agentur")
    if rng.random() < 0.8 or w.has_next(step):
        appt = clock.appointment(at.date(), rng)  # a working day in office hours
        if w.has_next(step):  # held before the next step
            appt = min(appt, clock.at(clock.workday_before(w.stamps[step + 1].date() + timedelta(days=1)), rng))
        w.case["appointment_at"] = appt
        w.rows["appointment"].append(
            (
                w.make_id(),
                w.case_id,
                "aa_beratung",
                dt(appt),
                rng.choice(ROOMS),
                "wahrgenommen" if w.has_next(step) else "geplant",
                "aa.berger",
            )
        )
        w.event(at, "appointment_set", {"at": appt.isoformat()}, org="agentur")


def _counselled(w: Walk, step: int, at: datetime) -> None:
    nxt = w.path[step + 1] if w.has_next(step) else None
    outcomes: dict[Stage | None, str] = {
        Stage.DECLINED_BY_AGENCY: "nicht_foerderfaehig",
        Stage.APTITUDE_CHECK: "eignung_pruefen",
    }
    outcome = outcomes.get(nxt, "foerderfaehig")
    w.case["counselling_outcome"] = outcome
    payload: dict[str, str | None] = {"outcome": outcome}
    if nxt == Stage.DECLINED_BY_AGENCY:
        payload["reason"] = w.reasons["decline_reason"]
    w.event(at, "counselling_result", payload, org="agentur")


def _voucher_issued(w: Walk, step: int, at: datetime) -> None:
    rng, path = w.rng, w.path
    valid = add_months(at.date(), 3)
    if path[-1] == Stage.VOUCHER_ISSUED:  # current voucher: near expiry for some
        valid = min(valid, w.clock.today + timedelta(days=rng.randint(-2, 80)))
        valid = max(valid, at.date() + timedelta(days=1))
    w.case["voucher_valid_until"] = valid
    status = (
        "verfallen"
        if Stage.VOUCHER_EXPIRED in path
        else ("eingeloest" if Stage.ENROLMENT_APPROVED in path else "ausgegeben")
    )
    months = rng.choice((6, 12, 18, 24)) if w.training_type not in QUALIFYING else rng.choice((24, 28))
    if path[-1] == Stage.IN_TRAINING:
        months = max(months, 12)  # still running today
    w.course.update(
        voucher_number=f"BGS-{at.year}-{w.index % 100000:05d}",
        training_goal=w.title,
        duration_months=months,
        region=rng.choice(REGIONS),
    )
    w.rows["voucher"].append(
        (
            w.make_id(),
            w.case_id,
            w.course["voucher_number"],
            at.date().isoformat(),
            valid.isoformat(),
            w.title,
            w.kldb,
            months,
            w.course["region"],
            json.dumps(["lehrgang", "fahrt"]),
            status,
        )
    )
    w.event(at, "voucher_issued", {"valid_until": valid.isoformat()}, org="agentur")


def _enrolment_approved(w: Walk, step: int, at: datetime) -> None:
    rng = w.rng
    # courses start on a working day a few weeks after approval: starts spread over the whole year
    begin = w.clock.workday_on_or_after((at + timedelta(days=rng.randint(5, 25))).date())
    if Stage.IN_TRAINING in w.path:
        begin = min(begin, w.stamps[step + 1].date())
    months = w.course.get("duration_months") or 12
    w.case["course_start"], w.case["course_planned_end"] = begin, add_months(begin, months) - timedelta(days=1)
    provider = rng.choice(PROVIDERS)
    w.course.update(
        provider_name=provider,
        course_title=COURSE_TITLES[w.training_type].format(title=w.title),
        kursnet_id=str(rng.randrange(100_000_000, 999_999_999)),
        qualification_2y=int(w.training_type in QUALIFYING),
    )
    w.event(at, "enrolment_approved", {"start": begin.isoformat()}, org="agentur")


def _in_training(w: Walk, step: int, at: datetime) -> None:
    rng, clock, today = w.rng, w.clock, w.clock.today
    w.course["course_actual_start"] = w.case["course_start"]
    if w.training_type in QUALIFYING and (today - w.case["course_start"]).days > 365:
        w.course["interim_exam"] = "bestanden" if rng.random() < 0.85 else "nicht_bestanden"
    # the Jobcenter keeps in touch during the course: most contacts lie within the last eight weeks
    contact_day = clock.workday_before(today - timedelta(days=rng.randint(0, 70)))
    w.case["last_contact_at"] = max(at, clock.at(contact_day, rng))
    w.event(at, "course_started", org="agentur")


def _dropped_out(w: Walk, step: int, at: datetime) -> None:
    w.course["course_actual_end"] = at.date()
    w.event(at, "dropout", {"reason": w.reasons["dropout_reason"]}, org="agentur")


def _completed(w: Walk, step: int, at: datetime) -> None:
    w.course["course_actual_end"] = at.date()
    if w.training_type in QUALIFYING:
        passed = Stage.NOT_YET_INTEGRATED not in w.path or w.rng.random() < 0.5
        w.course["final_exam"] = "bestanden" if passed else "nicht_bestanden"
        w.course.setdefault("interim_exam", "bestanden")
    w.event(at, "course_completed", org="agentur")


def _not_yet_integrated(w: Walk, step: int, at: datetime) -> None:
    if w.course.get("final_exam") == "nicht_bestanden":
        w.reasons["non_integration_reason"] = "pruefung_nicht_bestanden"
    w.event(at, "not_integrated", {"reason": w.reasons["non_integration_reason"]})


def _integrated(w: Walk, step: int, at: datetime) -> None:
    w.event(at, "integration")


def _closed(w: Walk, step: int, at: datetime) -> None:
    w.event(at, "case_closed", {"reason": w.close_reason})


STEPS: dict[Stage, Callable[[Walk, int, datetime], None]] = {
    Stage.HANDED_OVER: _handed_over,
    Stage.COUNSELLING_SCHEDULED: _counselling_scheduled,
    Stage.COUNSELLED: _counselled,
    Stage.VOUCHER_ISSUED: _voucher_issued,
    Stage.ENROLMENT_APPROVED: _enrolment_approved,
    Stage.IN_TRAINING: _in_training,
    Stage.DROPPED_OUT: _dropped_out,
    Stage.COMPLETED: _completed,
    Stage.NOT_YET_INTEGRATED: _not_yet_integrated,
    Stage.INTEGRATED: _integrated,
    Stage.CLOSED: _closed,
}
