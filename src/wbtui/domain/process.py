"""The FbW reference process: stages, transitions, owners and guards (README "The process in short").

This module is the single place where the process rules live. The CLI, the TUI
and the server all call :func:`check_transition`; none of them repeats a rule.
Guards return reasons as ``(catalog_key, params)`` so every front end can show
them in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from wbtui.domain.columns import KLDB, KUNDENNUMMER
from wbtui.domain.vocab import (  # the process refers to these vocabularies
    CLOSE_REASONS,
    COUNSELLING_OUTCOMES,
    DECLINE_REASONS,
    DROPOUT_REASONS,
    NON_INTEGRATION_REASONS,
)


class Stage(StrEnum):
    NEED_IDENTIFIED = "need_identified"
    OBSTACLES = "obstacles_in_clarification"
    READY = "ready_for_handover"
    HANDED_OVER = "handed_over"
    COUNSELLING_SCHEDULED = "counselling_scheduled"
    COUNSELLED = "counselled"
    APTITUDE_CHECK = "aptitude_check"
    DECLINED_BY_AGENCY = "declined_by_agency"
    VOUCHER_ISSUED = "voucher_issued"
    VOUCHER_EXPIRED = "voucher_expired"
    ENROLMENT_APPROVED = "enrolment_approved"
    IN_TRAINING = "in_training"
    DROPPED_OUT = "dropped_out"
    COMPLETED = "completed"
    INTEGRATED = "integrated"
    NOT_YET_INTEGRATED = "not_yet_integrated"
    REHAB_TRACK = "rehab_track"
    CLOSED = "closed"


JC, AA, BOTH, NOBODY = "jobcenter", "agentur", "both", "none"


@dataclass(frozen=True)
class StageInfo:
    code: str
    owner: str  # which organisation must act next
    optional: bool = False


STAGES: dict[Stage, StageInfo] = {
    Stage.NEED_IDENTIFIED: StageInfo("S1", JC),
    Stage.OBSTACLES: StageInfo("S2", JC),
    Stage.READY: StageInfo("S3", JC),
    Stage.HANDED_OVER: StageInfo("S4", AA),
    Stage.COUNSELLING_SCHEDULED: StageInfo("S5", AA),
    Stage.COUNSELLED: StageInfo("S6", AA),
    Stage.APTITUDE_CHECK: StageInfo("S6e", AA, optional=True),
    Stage.DECLINED_BY_AGENCY: StageInfo("S6r", JC),
    Stage.VOUCHER_ISSUED: StageInfo("S7", AA),
    Stage.VOUCHER_EXPIRED: StageInfo("S7x", BOTH),
    Stage.ENROLMENT_APPROVED: StageInfo("S8", AA),
    Stage.IN_TRAINING: StageInfo("S9", BOTH),
    Stage.DROPPED_OUT: StageInfo("S9d", JC),
    Stage.COMPLETED: StageInfo("S10", JC),
    Stage.INTEGRATED: StageInfo("S11", JC),
    Stage.NOT_YET_INTEGRATED: StageInfo("S12", JC),
    Stage.REHAB_TRACK: StageInfo("R", AA, optional=True),
    Stage.CLOSED: StageInfo("X", NOBODY),
}

# Transitions that need their own command because they carry data of their own.
VIA_COMMAND = {
    (Stage.READY, Stage.HANDED_OVER): "handover send",
    (Stage.HANDED_OVER, Stage.COUNSELLING_SCHEDULED): "appointment add",
    (Stage.HANDED_OVER, Stage.READY): "handover query",
}

_S = Stage
TRANSITIONS: dict[Stage, tuple[Stage, ...]] = {
    _S.NEED_IDENTIFIED: (_S.OBSTACLES, _S.READY, _S.REHAB_TRACK),
    _S.OBSTACLES: (_S.READY, _S.REHAB_TRACK),
    _S.READY: (_S.HANDED_OVER, _S.OBSTACLES),
    _S.HANDED_OVER: (_S.COUNSELLING_SCHEDULED, _S.READY),
    _S.COUNSELLING_SCHEDULED: (_S.COUNSELLED,),
    # need_identified: an alternative was recommended (not a refusal): the Jobcenter plans again
    _S.COUNSELLED: (_S.VOUCHER_ISSUED, _S.APTITUDE_CHECK, _S.DECLINED_BY_AGENCY, _S.REHAB_TRACK, _S.NEED_IDENTIFIED),
    _S.APTITUDE_CHECK: (_S.COUNSELLED,),
    _S.DECLINED_BY_AGENCY: (_S.NEED_IDENTIFIED, _S.OBSTACLES),
    _S.VOUCHER_ISSUED: (_S.ENROLMENT_APPROVED, _S.VOUCHER_EXPIRED),
    _S.VOUCHER_EXPIRED: (_S.COUNSELLED, _S.NEED_IDENTIFIED),
    _S.ENROLMENT_APPROVED: (_S.IN_TRAINING, _S.DROPPED_OUT),
    _S.IN_TRAINING: (_S.COMPLETED, _S.DROPPED_OUT, _S.INTEGRATED),
    _S.DROPPED_OUT: (_S.NEED_IDENTIFIED, _S.OBSTACLES),
    _S.COMPLETED: (_S.INTEGRATED, _S.NOT_YET_INTEGRATED),
    _S.INTEGRATED: (),
    _S.NOT_YET_INTEGRATED: (_S.INTEGRATED,),
    _S.REHAB_TRACK: (_S.NEED_IDENTIFIED,),
    _S.CLOSED: (),
}

VOUCHER_MAX_MONTHS = 3

# The transitions that stop or turn a case carry a reason code (README "Reason codes"): the case field
# that keeps it and the vocabulary it comes from. The steering figures count them (services/report.py).
REASON_FIELDS: dict[Stage, tuple[str, tuple[str, ...]]] = {
    Stage.DECLINED_BY_AGENCY: ("decline_reason", DECLINE_REASONS),
    Stage.DROPPED_OUT: ("dropout_reason", DROPOUT_REASONS),
    Stage.NOT_YET_INTEGRATED: ("non_integration_reason", NON_INTEGRATION_REASONS),
    Stage.CLOSED: ("close_reason", CLOSE_REASONS),
}

ROLE_SIDE = {
    "jc_ifk": JC,
    "jc_fallmanager": JC,
    "jc_teamlead": JC,
    "aa_beratung": AA,
    "aa_reha": AA,
    "dsb": NOBODY,
    "admin": NOBODY,
}
ROLES = tuple(ROLE_SIDE)

KLDB_RE, KUNDENNUMMER_RE = KLDB, KUNDENNUMMER  # one shape each: the synced field's (domain/columns.py)


def is_valid_kldb(code: str | None) -> bool:
    return bool(code and KLDB_RE.match(code))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    import calendar

    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


@dataclass
class CaseFacts:
    """Everything the guards need to know about one case, gathered by the caller."""

    stage: Stage
    today: date
    person: dict = field(default_factory=dict)
    case: dict = field(default_factory=dict)
    obstacles: list[tuple[str, str, bool]] = field(default_factory=list)  # (code, status, art9)
    consent_for_agentur: bool = False
    consent_health: bool = False
    enabled_optional: frozenset[Stage] = frozenset({Stage.APTITUDE_CHECK, Stage.REHAB_TRACK})
    appointments: list[tuple[str, str, datetime | None]] = field(default_factory=list)  # (kind, status, starts_at)


@dataclass
class TransitionInput:
    """Data a transition carries (voucher validity, dates, reasons)."""

    valid_until: date | None = None
    issued_on: date | None = None
    appointment_at: datetime | None = None
    course_start: date | None = None
    course_end: date | None = None
    outcome: str | None = None
    reason: str | None = None
    note: str | None = None


Reason = tuple[str, dict]


def planned_counselling(appointments: list[tuple[str, str, datetime | None]]) -> datetime | None:
    """The earliest planned counselling appointment among ``(kind, status, starts_at)``, or None
    (the rules of appointments themselves: :mod:`wbtui.domain.appointments`)."""
    times = [at for kind, status, at in appointments if kind == "aa_beratung" and status == "geplant" and at]
    return min(times) if times else None


def missing_handover_items(facts: CaseFacts) -> list[str]:
    """Items of the minimum handover data set that are missing (i18n field keys)."""
    p, c = facts.person, facts.case
    missing = []
    for key in ("kundennummer", "family_name", "given_names", "birth_date"):
        if not p.get(key):
            missing.append(f"field.{key}")
    if not (p.get("phone") or p.get("email") or p.get("address")):
        missing.append("field.contact")
    if not is_valid_kldb(c.get("target_kldb")):
        missing.append("field.target_kldb")
    for key in ("training_type", "schedule", "necessity_reason"):
        if not c.get(key):
            missing.append(f"field.{key}")
    return missing


def handover_basis_ok(facts: CaseFacts) -> bool:
    return facts.consent_for_agentur or facts.case.get("legal_basis") == "sgb_x_69"


def handover_readiness(facts: CaseFacts) -> list[Reason]:
    """Why the case cannot be handed over yet; empty when it can."""
    reasons: list[Reason] = [("guard.missing_field", {"field": key}) for key in missing_handover_items(facts)]
    open_codes = [code for code, status, _ in facts.obstacles if status == "offen"]
    if open_codes:
        reasons.append(("guard.open_obstacles", {"codes": ", ".join(sorted(open_codes))}))
    if not handover_basis_ok(facts):
        reasons.append(("guard.no_consent", {}))
    return reasons


def allowed_targets(stage: Stage, facts: CaseFacts | None = None) -> list[Stage]:
    targets = list(TRANSITIONS[stage])
    if facts is not None:
        targets = [s for s in targets if not STAGES[s].optional or s in facts.enabled_optional]
    return targets


def side_may_act(side: str, stage: Stage) -> bool:
    owner = STAGES[stage].owner
    return side in (JC, AA) and (owner == side or owner == BOTH)


def check_transition(facts: CaseFacts, target: Stage, data: TransitionInput, *, side: str) -> list[Reason]:
    """All reasons why ``facts.stage -> target`` is refused; empty means allowed."""
    src = facts.stage
    if src == Stage.CLOSED:
        return [("guard.case_closed", {})]
    if target == Stage.CLOSED:
        return _check_close(facts, data, side)
    if target not in TRANSITIONS[src]:
        return [("guard.not_allowed", {"src": src.value, "dst": target.value})]
    if STAGES[target].optional and target not in facts.enabled_optional:
        return [("guard.stage_disabled", {"stage": target.value})]
    if not side_may_act(side, src):
        return [("guard.wrong_side", {"owner": STAGES[src].owner})]
    reasons: list[Reason] = []
    today = facts.today
    if target == Stage.READY or target == Stage.HANDED_OVER:
        reasons += handover_readiness(facts)
    elif target == Stage.COUNSELLING_SCHEDULED:
        # "Beratungstermin vereinbart" means what it says: a planned counselling appointment exists
        if planned_counselling(facts.appointments) is None:
            reasons.append(("guard.s5_needs_appointment", {}))
    elif target == Stage.COUNSELLED and src == Stage.COUNSELLING_SCHEDULED:
        when = data.appointment_at or facts.case.get("appointment_at")
        if when is None:
            reasons.append(("guard.no_appointment", {}))
        elif (when.date() if isinstance(when, datetime) else when) > today:
            reasons.append(("guard.appointment_future", {"date": _d(when)}))
        outcome = data.outcome or facts.case.get("counselling_outcome")
        if outcome is None:
            reasons.append(("guard.no_outcome", {}))
        elif outcome not in COUNSELLING_OUTCOMES:
            reasons.append(("guard.bad_value", {"field": "field.outcome", "value": outcome}))
    elif target == Stage.VOUCHER_ISSUED:
        if facts.case.get("counselling_outcome") != "foerderfaehig":
            reasons.append(("guard.voucher_needs_counselling", {}))
        issued = data.issued_on or today
        if data.valid_until is None:
            reasons.append(("guard.voucher_needs_validity", {}))
        else:
            latest = add_months(issued, VOUCHER_MAX_MONTHS)
            if data.valid_until <= issued:
                reasons.append(("guard.voucher_validity_past", {"date": _d(data.valid_until)}))
            elif data.valid_until > latest:
                reasons.append(
                    ("guard.voucher_validity_too_long", {"date": _d(data.valid_until), "latest": _d(latest)})
                )
    elif target == Stage.APTITUDE_CHECK:
        if facts.case.get("counselling_outcome") not in (None, "eignung_pruefen"):
            reasons.append(("guard.aptitude_needs_outcome", {}))
    elif target == Stage.DECLINED_BY_AGENCY:
        if facts.case.get("counselling_outcome") != "nicht_foerderfaehig":
            reasons.append(("guard.decline_needs_outcome", {}))
        if data.reason not in DECLINE_REASONS:
            reasons.append(("guard.needs_decline_reason", {"choices": ", ".join(DECLINE_REASONS)}))
    elif target == Stage.NOT_YET_INTEGRATED:
        if data.reason not in NON_INTEGRATION_REASONS:
            reasons.append(("guard.needs_non_integration_reason", {"choices": ", ".join(NON_INTEGRATION_REASONS)}))
    elif target == Stage.NEED_IDENTIFIED and src == Stage.COUNSELLED:
        if facts.case.get("counselling_outcome") != "alternative_empfohlen":
            reasons.append(("guard.return_needs_alternative", {}))
    elif target == Stage.VOUCHER_EXPIRED:
        valid = facts.case.get("voucher_valid_until")
        if valid is not None and valid >= today:
            reasons.append(("guard.voucher_still_valid", {"date": _d(valid)}))
    elif target == Stage.ENROLMENT_APPROVED:
        # what counts is redemption within the validity: the course starts on or before its last day
        # (an approval after that day is fine when the voucher was redeemed in time)
        valid = facts.case.get("voucher_valid_until")
        start = data.course_start or facts.case.get("course_start")
        if valid is None or (valid < today and (start is None or start > valid)):
            reasons.append(("guard.voucher_expired", {"date": _d(valid) if valid else "-"}))
        if start is None:
            reasons.append(("guard.needs_course_start", {}))
        end = data.course_end or facts.case.get("course_planned_end")
        if start and end and end <= start:
            reasons.append(("guard.course_end_before_start", {}))
    elif target == Stage.IN_TRAINING:
        start = facts.case.get("course_start")
        if start is None:
            reasons.append(("guard.needs_course_start", {}))
        elif start > today:
            reasons.append(("guard.course_not_started", {"date": _d(start)}))
    elif target == Stage.DROPPED_OUT:
        if data.reason not in DROPOUT_REASONS:
            reasons.append(("guard.needs_dropout_reason", {"choices": ", ".join(DROPOUT_REASONS)}))
    return reasons


def _check_close(facts: CaseFacts, data: TransitionInput, side: str) -> list[Reason]:
    if side != JC:
        return [("guard.close_by_jobcenter", {})]
    if not data.reason:
        return [("guard.close_needs_reason", {"choices": ", ".join(CLOSE_REASONS)})]
    if data.reason not in CLOSE_REASONS:
        return [("guard.bad_value", {"field": "field.close_reason", "value": data.reason})]
    if data.reason == "integrated" and facts.stage != Stage.INTEGRATED:
        return [("guard.close_integrated_needs_stage", {})]
    if data.reason == "rehab" and facts.stage != Stage.REHAB_TRACK:
        return [("guard.close_rehab_needs_stage", {})]
    return []


def next_steps(facts: CaseFacts, *, side: str) -> list[tuple[Stage, list[Reason]]]:
    """Every target reachable from the current stage with the reasons it is refused now."""
    out = []
    for target in allowed_targets(facts.stage, facts):
        out.append((target, check_transition(facts, target, TransitionInput(), side=side)))
    return out


def _d(value: date | None) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d.%m.%Y") if value else "-"
