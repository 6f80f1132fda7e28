"""The "nobody gets lost" timers (README "Timers"), counted in working days where the rule says so.

Each rule is data: the stages it watches, the date it measures from and an
exclusive upper bound computed from today and the office's timer settings.
The same rule object produces the SQL predicate for whole-store queries and
evaluates a single row for the board, so no rule is written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from wbtui.domain.process import Stage
from wbtui.domain.workdays import WorkCalendar


@dataclass(frozen=True)
class Timers:
    """The "nobody gets lost" timers (office defaults, `[timers]` in the configuration)."""

    handover_ack_workdays: int = 5
    appointment_workdays: int = 10
    voucher_warn_days: int = 14
    start_confirm_days: int = 7
    training_contact_weeks: int = 8
    after_course_weeks: int = 4
    stalled_days: int = 30
    appointment_result_workdays: int = 2  # an appointment passed without a result recorded
    rehab_contact_weeks: int = 8  # the Jobcenter keeps the integration responsibility during Reha


OPEN_STAGES = tuple(s.value for s in Stage if s not in (Stage.CLOSED, Stage.REHAB_TRACK))

# Values a rule measures that are not columns of the case but read from its rows (alias ``c``): the
# earliest appointment still planned (README "Appointments") and when the handover was acknowledged.
# Row queries select them under these names (data/queries.py), so rows and SQL agree.
DERIVED = {
    "planned_appointment_at": "(SELECT MIN(a.starts_at) FROM appointment a WHERE a.case_id = c.id AND a.status = 'geplant')",
    "handover_acked_at": "(SELECT MAX(h.acknowledged_at) FROM handover h WHERE h.case_id = c.id AND h.status = 'accepted')",
}


def column(name: str) -> str:
    """The SQL of a measured value: a case column or a derived value."""
    return DERIVED.get(name, f"c.{name}")


# severity: higher wins when a case trips several rules
SEVERITY = {"ok": 0, "stalled": 1, "warning": 2, "overdue": 3}


@dataclass(frozen=True)
class TimerRule:
    id: str
    kind: str  # overdue | warning | stalled
    stages: tuple[str, ...]
    fields: tuple[str, ...]  # the latest non-null of these columns is measured
    bound: Callable[[date, Timers, WorkCalendar], date]
    require_null: str | None = None

    def sql(self) -> str:
        stages = ",".join(f"'{s}'" for s in self.stages)
        if len(self.fields) == 1:
            value = column(self.fields[0])
        else:  # latest non-null: MAX() of each column coalesced with the others
            value = (
                "MAX("
                + ", ".join(
                    "COALESCE(" + ", ".join(f"c.{g}" for g in (f, *[o for o in self.fields if o != f])) + ")"
                    for f in self.fields
                )
                + ")"
            )
        cond = f"c.stage IN ({stages}) AND {value} < ?"
        if self.require_null:
            cond += f" AND {column(self.require_null)} IS NULL"
        return cond

    def matches(self, row: dict, bound: str) -> bool:
        if row.get("stage") not in self.stages:
            return False
        if self.require_null and row.get(self.require_null) is not None:
            return False
        values = [str(row[f]) for f in self.fields if row.get(f) is not None]
        return bool(values) and max(values) < bound


def _workdays_bound(attr: str) -> Callable[[date, Timers, WorkCalendar], date]:
    def bound(today: date, timers: Timers, cal: WorkCalendar) -> date:
        return cal.latest_start_for(today, getattr(timers, attr)) + timedelta(days=1)

    return bound


RULES: tuple[TimerRule, ...] = (
    TimerRule(
        "handover_unacknowledged",
        "overdue",
        (Stage.HANDED_OVER.value,),
        ("stage_since",),
        _workdays_bound("handover_ack_workdays"),
        require_null="handover_acked_at",
    ),
    TimerRule(  # acknowledged, but no counselling appointment agreed yet (the case stays in S4)
        "no_appointment_after_ack",
        "overdue",
        (Stage.HANDED_OVER.value,),
        ("handover_acked_at",),
        _workdays_bound("appointment_workdays"),
    ),
    TimerRule(  # S5 whose appointment was cancelled or missed and none agreed since
        "no_appointment",
        "overdue",
        (Stage.COUNSELLING_SCHEDULED.value,),
        ("stage_since",),
        _workdays_bound("appointment_workdays"),
        require_null="planned_appointment_at",
    ),
    TimerRule(  # any appointment object still "planned" two working days after its time
        "appointment_without_result",
        "overdue",
        OPEN_STAGES + (Stage.REHAB_TRACK.value,),
        ("planned_appointment_at",),
        _workdays_bound("appointment_result_workdays"),
    ),
    TimerRule(
        "voucher_expiring",
        "warning",
        (Stage.VOUCHER_ISSUED.value,),
        ("voucher_valid_until",),
        lambda today, t, cal: today + timedelta(days=t.voucher_warn_days + 1),
    ),
    TimerRule(
        "no_start_confirmation",
        "overdue",
        (Stage.ENROLMENT_APPROVED.value,),
        ("course_start",),
        lambda today, t, cal: today - timedelta(days=t.start_confirm_days - 1),
    ),
    TimerRule(
        "no_sign_of_life",
        "overdue",
        (Stage.IN_TRAINING.value,),
        ("last_contact_at", "stage_since"),
        lambda today, t, cal: today - timedelta(weeks=t.training_contact_weeks) + timedelta(days=1),
    ),
    TimerRule(
        "no_placement_activity",
        "overdue",
        (Stage.COMPLETED.value, Stage.NOT_YET_INTEGRATED.value),
        ("last_contact_at", "stage_since"),
        lambda today, t, cal: today - timedelta(weeks=t.after_course_weeks) + timedelta(days=1),
    ),
    TimerRule(
        "rehab_no_contact",
        "overdue",
        (Stage.REHAB_TRACK.value,),
        ("last_contact_at", "stage_since"),
        lambda today, t, cal: today - timedelta(weeks=t.rehab_contact_weeks) + timedelta(days=1),
    ),
    TimerRule(
        "stalled",
        "stalled",
        OPEN_STAGES,
        ("updated_at",),
        lambda today, t, cal: today - timedelta(days=t.stalled_days - 1),
    ),
)
RULES_BY_ID = {r.id: r for r in RULES}


class TimerEngine:
    """Rules bound to one day and one office configuration."""

    def __init__(self, today: date, timers: Timers, calendar: WorkCalendar) -> None:
        self.today = today
        self.calendar = calendar  # the office's working days (steering durations, services/report.py)
        self.bounds = {r.id: r.bound(today, timers, calendar).isoformat() for r in RULES}

    def evaluate(self, row: dict) -> list[TimerRule]:
        return [r for r in RULES if r.matches(row, self.bounds[r.id])]

    def state(self, row: dict) -> str:
        worst = "ok"
        for rule in self.evaluate(row):
            if SEVERITY[rule.kind] > SEVERITY[worst]:
                worst = rule.kind
        return worst

    def predicate(self, kinds: tuple[str, ...] = ("overdue", "warning", "stalled")) -> tuple[str, list[str]]:
        """SQL predicate (over alias ``c``) matching cases that trip a rule of ``kinds``."""
        parts, params = [], []
        for rule in RULES:
            if rule.kind in kinds:
                parts.append(f"({rule.sql()})")
                params.append(self.bounds[rule.id])
        return "(" + " OR ".join(parts) + ")" if parts else "0", params
