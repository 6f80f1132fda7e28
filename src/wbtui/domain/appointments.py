"""Appointments (Termine) as objects: which office keeps which kind, in which stages, and how a status
may change (README "Appointments").

One place for the rules; the services (device) and the server's push check
(:mod:`wbtui.server.push`) both call :func:`appointment_refusals`. Reasons are ``(catalog_key, params)``
like the process guards (:mod:`wbtui.domain.process`).

* The Agentur keeps counselling (``aa_beratung``) and the medical / psychological service
  (``aed_bps``) appointments, the Jobcenter the graduate talk (``absolventengespraech``, its
  Absolventenmanagement); a case conference (``fallkonferenz``) may be arranged by either office.
* A counselling appointment belongs to the stages between handover and counselling (S4-S6), the ÄD/BPS
  appointment to counselling, the aptitude check and the Reha track, the graduate talk to the course and
  after it; a case conference may happen in any open stage.
* ``geplant`` (planned) is the only status an appointment starts in unless it is recorded after the
  fact; from ``geplant`` it becomes ``wahrgenommen`` (held) or ``nicht_erschienen`` (no-show) — both
  only once its day has come —, ``verschoben`` (moved: a new planned appointment replaces it) or
  ``abgesagt`` (cancelled, always with a reason). Every other status is final.
"""

from __future__ import annotations

from datetime import date, datetime

from wbtui.domain.process import AA, BOTH, JC, Stage, planned_counselling
from wbtui.domain.vocab import APPOINTMENT_KINDS, APPOINTMENT_STATUSES

S = Stage
PLANNED = "geplant"
FINAL = frozenset(APPOINTMENT_STATUSES) - {PLANNED}
NEEDS_DAY_REACHED = frozenset({"wahrgenommen", "nicht_erschienen"})
NEEDS_REASON = frozenset({"abgesagt"})
COUNSELLING = "aa_beratung"

KIND_SIDE: dict[str, str] = {
    "aa_beratung": AA,
    "aed_bps": AA,
    "absolventengespraech": JC,
    "fallkonferenz": BOTH,
}
KIND_STAGES: dict[str, frozenset[Stage] | None] = {
    "aa_beratung": frozenset({S.HANDED_OVER, S.COUNSELLING_SCHEDULED, S.COUNSELLED}),
    "aed_bps": frozenset({S.COUNSELLED, S.APTITUDE_CHECK, S.REHAB_TRACK}),
    "absolventengespraech": frozenset({S.IN_TRAINING, S.COMPLETED, S.NOT_YET_INTEGRATED, S.DROPPED_OUT}),
    "fallkonferenz": None,  # any open stage
}
# kinds whose very name is health-related (Art. 9): never in a calendar's summary or a letter's subject
HEALTH_KINDS = frozenset({"aed_bps"})

Reason = tuple[str, dict]
__all__ = ["appointment_refusals", "planned_counselling", "side_may_keep"]


def side_may_keep(side: str, kind: str) -> bool:
    """Whether an office (``jobcenter``/``agentur``) keeps appointments of ``kind``."""
    owner = KIND_SIDE.get(kind)
    return side in (JC, AA) and (owner == side or owner == BOTH)


def appointment_refusals(
    *,
    kind: str | None,
    side: str,
    stage: Stage | None,
    status_before: str | None,
    status_after: str | None,
    starts_at: datetime | date | None,
    today: date,
    reason: str | None = None,
) -> list[Reason]:
    """Why this write of an appointment is refused (empty: allowed).

    ``status_before`` is None for a new appointment; ``stage`` is the case's stage during the write."""
    reasons: list[Reason] = []
    if kind not in APPOINTMENT_KINDS:
        return [("guard.bad_value", {"field": "field.appt_kind", "value": str(kind)})]
    if status_after not in APPOINTMENT_STATUSES:
        return [("guard.bad_value", {"field": "field.appt_status", "value": str(status_after)})]
    if not side_may_keep(side, kind):
        reasons.append(("guard.appt_wrong_side", {"kind": kind, "owner": KIND_SIDE[kind]}))
    if stage == S.CLOSED:
        return [("guard.case_closed", {})]
    allowed = KIND_STAGES[kind]
    if allowed is not None and stage is not None and stage not in allowed:
        reasons.append(("guard.appt_stage", {"kind": kind}))
    if status_before is not None and status_before != status_after and status_before in FINAL:
        reasons.append(("guard.appt_final", {"status": status_before}))
    if status_after != status_before:
        day = starts_at.date() if isinstance(starts_at, datetime) else starts_at
        if status_after in NEEDS_DAY_REACHED and (day is None or day > today):
            reasons.append(("guard.appt_not_yet", {"date": _d(day)}))
        if status_after in NEEDS_REASON and not (reason or "").strip():
            reasons.append(("guard.appt_needs_reason", {}))
    return reasons


def _d(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "-"
