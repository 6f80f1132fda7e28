"""Who may write which field of which row, in which stage (README "Permission table").

The one table the device's services and the server both enforce. A write is described by the
writer's side (Jobcenter or Agentur, from the role), the role, whether the row is new, and the
case's stage before and after the write (a transition and the fields it sets travel together).

The rules, in short:

* **Jobcenter data**: the person, the need assessment (Erfassung), obstacles, consents, sending the
  handover. Health data (Art. 9: the functional health summary, health obstacles) needs ``art9.write``.
* **Agentur data**: acknowledging or querying the handover, the appointment, the counselling outcome,
  the voucher, the approved course — each only in the stages where the Agentur works on it.
* **Both**: contacts, follow-ups (each side edits only its own), the timeline (append-only).
* **The stage is never a plain field**: it changes only by a transition of :mod:`wbtui.domain.process`,
  checked with the writer's side; the fields a transition sets (:data:`TRANSITION_FIELDS`: the time the
  stage was entered, the close reason and time, the decline, dropout and non-integration reasons) are
  written only together with that transition (the stage before and after the write differ), or on a new row.
* A closed case takes no writes. A row's parent reference and creation time never change.
* A new case is opened only by a Jobcenter role that writes cases, in the first stage
  (:func:`case_creation_refusal`); every field of it and of the rows created with it (the person, the
  consents …) goes through the table as a new row (``art9.write`` included). It belongs to the office
  that creates it. Only the first upload of a store that worked without sync may bring a case in
  another stage (the server decides that from its own state, never from the device's word).
* The timeline tells what happened: an entry naming a step (:data:`STEP_EVENTS`: a stage change, a
  voucher issued, a case closed …) only with that very transition (:func:`step_event_refusal`).
* The handover's status and acknowledgement change only by the Agentur's acknowledgement or query of a
  sent handover (:func:`handover_step_refusal`), never by a plain write.
* A follow-up is given to the writer's own office: a login of it, or (the office owning the case) its team
  inbox (:func:`task_owner_refusal`).
"""

from __future__ import annotations

from dataclasses import dataclass

from wbtui.domain.access import ART9_WRITE, CASE_WRITE, has, may_create_cases
from wbtui.domain.appointments import KIND_STAGES, side_may_keep
from wbtui.domain.process import AA, JC, REASON_FIELDS, ROLE_SIDE, Stage

S = Stage
_JC, _AA, _BOTH = frozenset({JC}), frozenset({AA}), frozenset({JC, AA})
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    create: frozenset[str]  # sides that may set the field on a new row of an existing case
    update: frozenset[str]  # sides that may change it later
    stages: frozenset[Stage] | None = None  # None: every stage but "closed"
    art9: bool = False  # also needs the permission art9.write
    process: bool = False  # set only by a transition (domain.process), never by a plain write


JC_DATA = Rule(_JC, _JC)
AA_DATA = Rule(_AA, _AA)
SHARED = Rule(_BOTH, _BOTH)
FIXED = Rule(_BOTH, _NONE)  # set when the row is created, never changed
BY_PROCESS = Rule(_BOTH, _BOTH, process=True)


def _aa(*stages: Stage) -> Rule:
    return Rule(_AA, _AA, frozenset(stages))


# entity -> field -> rule; "*" is the rule for every field not listed
TABLE: dict[str, dict[str, Rule]] = {
    "person": {"*": JC_DATA, "created_at": FIXED},
    "case": {
        "*": JC_DATA,  # the need assessment is the Jobcenter's
        "person_id": FIXED,
        "created_at": FIXED,
        "updated_at": SHARED,
        "last_contact_at": SHARED,
        "stage": BY_PROCESS,
        "stage_since": BY_PROCESS,
        "close_reason": Rule(_JC, _JC, process=True),
        "closed_at": Rule(_JC, _JC, process=True),
        "health_limits_summary": Rule(_JC, _JC, art9=True),
        "appointment_at": _aa(S.HANDED_OVER, S.COUNSELLING_SCHEDULED, S.COUNSELLED),
        "counselling_outcome": _aa(S.COUNSELLING_SCHEDULED, S.COUNSELLED, S.APTITUDE_CHECK, S.DECLINED_BY_AGENCY),
        "voucher_valid_until": _aa(S.COUNSELLED, S.VOUCHER_ISSUED),
        "course_start": _aa(S.VOUCHER_ISSUED, S.ENROLMENT_APPROVED, S.IN_TRAINING),
        "course_planned_end": _aa(S.VOUCHER_ISSUED, S.ENROLMENT_APPROVED, S.IN_TRAINING),
        "kursnet_id": _aa(S.VOUCHER_ISSUED, S.ENROLMENT_APPROVED, S.IN_TRAINING),
        # reasons are set by their transition (domain/process.py REASON_FIELDS), by the side whose step it is
        "decline_reason": Rule(_AA, _AA, frozenset({S.COUNSELLED, S.DECLINED_BY_AGENCY}), process=True),
        "dropout_reason": Rule(
            _BOTH, _BOTH, frozenset({S.ENROLMENT_APPROVED, S.IN_TRAINING, S.DROPPED_OUT}), process=True
        ),
        "non_integration_reason": Rule(_JC, _JC, frozenset({S.COMPLETED, S.NOT_YET_INTEGRATED}), process=True),
        # voucher details while the voucher is issued; course details until the course has begun
        **dict.fromkeys(
            ("voucher_number", "training_goal", "duration_months", "region"),
            _aa(S.COUNSELLED, S.VOUCHER_ISSUED, S.ENROLMENT_APPROVED),
        ),
        **dict.fromkeys(
            ("provider_name", "course_title", "qualification_2y"),
            _aa(S.VOUCHER_ISSUED, S.ENROLMENT_APPROVED, S.IN_TRAINING),
        ),
        # the course as it ran and its exams: the Agentur hears them from the provider, the Jobcenter from the
        # person in its Absolventenmanagement, so both record them while the course runs and after it
        **dict.fromkeys(
            ("course_actual_start", "course_actual_end", "interim_exam", "final_exam"),
            Rule(
                _BOTH,
                _BOTH,
                frozenset(
                    {
                        S.ENROLMENT_APPROVED,
                        S.IN_TRAINING,
                        S.DROPPED_OUT,
                        S.COMPLETED,
                        S.INTEGRATED,
                        S.NOT_YET_INTEGRATED,
                    }
                ),
            ),
        ),  # fmt: skip
        "owner_login": JC_DATA,  # the caseload is the Jobcenter's own organisation (domain/access.py)
        "owner_team": JC_DATA,
    },
    "obstacle": {
        "*": JC_DATA,
        "case_id": FIXED,
        "code": Rule(_JC, _NONE),
        "art9": Rule(_JC, _NONE),
        "created_at": FIXED,
    },
    "consent": {"*": JC_DATA, "person_id": FIXED},
    # the person's vocational qualifications and work history (data group "qualifikation"): the Jobcenter's
    "qualification": {"*": JC_DATA, "person_id": FIXED},
    "work_episode": {"*": JC_DATA, "person_id": FIXED},
    "handover": {
        "*": Rule(_JC, _NONE),  # the package as sent stays as sent
        "case_id": FIXED,
        "status": Rule(_JC, _AA),  # the Jobcenter sends, the Agentur acknowledges or queries
        "query_text": Rule(_NONE, _AA),
        "acknowledged_by": Rule(_NONE, _AA),
        "acknowledged_at": Rule(_NONE, _AA),
    },
    "voucher": {"*": AA_DATA, "case_id": FIXED},
    # who keeps which kind of appointment, and in which stages: domain/appointments.py (KIND_SIDE, KIND_STAGES)
    "appointment": {"*": SHARED, "case_id": FIXED, "kind": FIXED, "created_at": FIXED, "moved_from": FIXED},
    "task": {"*": SHARED, "case_id": FIXED},
    # an absence and its deputy (Vertretung): the Jobcenter's own office only; see office_refusal
    "absence": {"*": JC_DATA, "created_by": FIXED, "created_at": FIXED},
    "event": {"*": Rule(_BOTH, _NONE)},  # the timeline is append-only
}

# The fields a transition sets (Rule.process), and the stage it sets them with (None: every transition):
# the time a stage was entered with any transition, a reason (domain/process.py REASON_FIELDS) and the
# closing time only with the transition into the stage they explain. Written alone they would rewrite the
# process after the fact (a close reason on a case that was never closed, an older stage_since).
TRANSITION_FIELDS: dict[str, Stage | None] = {
    "stage": None,
    "stage_since": None,
    "closed_at": S.CLOSED,
    **{name: stage for stage, (name, _codes) in REASON_FIELDS.items()},
}

# Timeline entries only the side that does the step writes (the rest: either side).
EVENT_SIDES: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("obstacle_added", "obstacle_updated", "consent_recorded", "consent_revoked",
         "handover_sent", "handover_revoked", "case_closed", "integration"),
        _JC,
    ),
    **dict.fromkeys(
        ("handover_received", "handover_query", "counselling_result", "voucher_issued",
         "enrolment_approved", "handover_imported"),
        _AA,
    ),
}  # fmt: skip


# Which side an organisation of each kind is (wbtui.server.admin.ORG_KINDS): a role acts only for an
# organisation of its own side, so a Jobcenter role in an Agentur (or in a Bildungsträger) writes nothing.
KIND_SIDE = {"jobcenter_ge": JC, "jobcenter_zkt": JC, "agentur": AA}


def role_fits_org(org_kind: str | None, role: str) -> bool:
    """Whether ``role`` may act for an organisation of ``org_kind`` (roles without a side fit anywhere:
    the DSB and the administrator write no case data, see :func:`write_refusal`)."""
    side = side_of(role)
    return side not in (JC, AA) or KIND_SIDE.get(org_kind or "") == side


def rule_for(entity: str, field: str) -> Rule:
    table = TABLE[entity]
    return table.get(field) or table["*"]


def side_of(role: str) -> str:
    return ROLE_SIDE.get(role, "none")


def write_refusal(
    entity: str,
    field: str,
    *,
    role: str,
    new_row: bool,
    stage_before: Stage | None,
    stage_after: Stage | None,
    art9_row: bool = False,
    own_row: bool = True,
    appointment_kind: str | None = None,
) -> str | None:
    """Why ``role`` may not write ``entity.field`` here (a reason code), or None when it may.

    ``stage_before``/``stage_after``: the case's stage before and after the write (equal without a
    transition; None for a row of a case not yet known). ``art9_row``: the row itself is health data
    (a health obstacle). ``own_row``: the writer's office created the row (follow-ups are edited by
    the office that owns them). ``appointment_kind``: the kind of the appointment row written (each kind
    is kept by one office, in its stages: :mod:`wbtui.domain.appointments`)."""
    side = side_of(role)
    if side not in (JC, AA) or not has(role, CASE_WRITE):
        return "role"
    if entity not in TABLE:
        return "entity"
    rule = rule_for(entity, field)
    if stage_before == S.CLOSED and stage_after == S.CLOSED:
        return "closed"
    if (rule.art9 or art9_row) and not has(role, ART9_WRITE):
        return "art9"
    sides = rule.create if new_row else rule.update
    if side not in sides:
        return "immutable" if not sides else "side"
    if entity == "task" and not new_row and not own_row:
        return "not_own_row"
    if entity == "appointment":
        if not side_may_keep(side, appointment_kind or ""):
            return "side"
        stages = KIND_STAGES.get(appointment_kind or "")
        if stages is not None and not ({stage_before, stage_after} & stages):
            return "stage"
    if rule.stages is not None and not ({stage_before, stage_after} & rule.stages):
        return "stage"
    if rule.process and not new_row and not _with_its_transition(field, stage_before, stage_after):
        return "process"
    return None


# who records anyone's absence; everyone else who writes cases records only their own (README "Vertretung")
ABSENCE_FOR_OTHERS = frozenset({"jc_teamlead", "admin"})


def office_refusal(entity: str, field: str, *, role: str, org_kind: str | None, new_row: bool, own: bool) -> str | None:
    """Why ``role`` may not write ``field`` of an office's own row (an absence, no case), or None when it may.

    Only a Jobcenter keeps absences (the Agentur has no caseload to route); the team lead and the
    administrator record anyone's, every other Jobcenter role that writes cases only its own (``own``: the
    row's login is the writer's, before and after the write). Rows never leave the writer's office (the
    server files them under it)."""
    if KIND_SIDE.get(org_kind or "") != JC:
        return "side"
    rule = rule_for(entity, field)
    if role not in ABSENCE_FOR_OTHERS:
        if side_of(role) != JC or not has(role, CASE_WRITE):
            return "role"
        if not own:
            return "not_own_row"
    sides = rule.create if new_row else rule.update
    return None if JC in sides else ("immutable" if not sides else "side")


def transition_fields(target: Stage) -> list[str]:
    """The process fields a transition into ``target`` sets (the device checks them with the transition)."""
    return [name for name, stage in TRANSITION_FIELDS.items() if stage is None or stage == target]


def _with_its_transition(field: str, stage_before: Stage | None, stage_after: Stage | None) -> bool:
    """A process field is written by the transition that sets it: the stage changes in the same write,
    into the stage the field belongs to (:data:`TRANSITION_FIELDS`)."""
    if stage_before == stage_after:
        return False
    target = TRANSITION_FIELDS.get(field)
    return target is None or stage_after == target


# The stage a case is opened in (services/cases.py create_case): every later stage is reached by a transition.
FIRST_STAGE = S.NEED_IDENTIFIED


def case_creation_refusal(role: str, stage: Stage | None) -> str | None:
    """Why ``role`` may not open a case in ``stage`` (or None): a Jobcenter role that writes cases opens it,
    in :data:`FIRST_STAGE`; the Agentur never opens a case (it receives the Jobcenter's by the handover)."""
    if not may_create_cases(role, side_of(role)):  # the rule the device's services apply (domain/access.py)
        return "role" if not has(role, CASE_WRITE) else "side"
    return None if stage == FIRST_STAGE else "stage"


# Timeline entries that record a step of the process: the stages the step leads into (services/cases.py
# _apply appends them with the transition). "stage_changed" and "case_created" carry the stages themselves.
STEP_EVENTS: dict[str, frozenset[Stage]] = {
    "counselling_result": frozenset({S.COUNSELLED, S.DECLINED_BY_AGENCY}),
    "voucher_issued": frozenset({S.VOUCHER_ISSUED}),
    "voucher_expired": frozenset({S.VOUCHER_EXPIRED}),
    "enrolment_approved": frozenset({S.ENROLMENT_APPROVED}),
    "course_started": frozenset({S.IN_TRAINING}),
    "dropout": frozenset({S.DROPPED_OUT}),
    "course_completed": frozenset({S.COMPLETED}),
    "integration": frozenset({S.INTEGRATED}),
    "not_integrated": frozenset({S.NOT_YET_INTEGRATED}),
    "case_closed": frozenset({S.CLOSED}),
}


def step_event_refusal(
    event_type: str,
    from_stage: str | None,
    to_stage: str | None,
    *,
    stage_before: Stage | None,
    stage_after: Stage | None,
    new_case: bool = False,
) -> str | None:
    """Why a timeline entry may not be appended with this write (or None). ``stage_before``/``stage_after``:
    the case's stage before and after the write as the server holds it; ``new_case``: the write opens the case.

    An entry naming stages names the transition of this very write; a step entry (:data:`STEP_EVENTS`)
    comes only with the transition into its stage. Other entries name no stage."""
    if event_type == "case_created":
        ok = new_case and from_stage is None and to_stage == (stage_after.value if stage_after else None)
        return None if ok else "step"
    moved = stage_before is not None and stage_after is not None and stage_before != stage_after
    if event_type == "stage_changed":
        ok = moved and from_stage == stage_before.value and to_stage == stage_after.value  # type: ignore[union-attr]
        return None if ok else "step"
    if from_stage is not None or to_stage is not None:
        return "step"
    targets = STEP_EVENTS.get(event_type)
    if targets is not None and not (moved and stage_after in targets):
        return "step"
    return None


# The handover's acknowledgement and query (services/handover.py): the Agentur answers a sent handover
# while the case is with it (S4); the query sends the case back to the Jobcenter (S4 -> S3).
HANDOVER_STEP_FIELDS = frozenset({"status", "query_text", "acknowledged_by", "acknowledged_at"})
HANDOVER_STEPS: dict[str, tuple[Stage, Stage]] = {
    "accepted": (S.HANDED_OVER, S.HANDED_OVER),
    "query": (S.HANDED_OVER, S.READY),
}


def handover_step_refusal(
    status_before: str | None,
    status_after: str | None,
    *,
    stage_before: Stage | None,
    stage_after: Stage | None,
    acknowledged_by: str | None,
    login: str,
) -> str | None:
    """Why a write of the handover's status or acknowledgement (:data:`HANDOVER_STEP_FIELDS`) of a handover
    already sent is refused (or None): only the acknowledgement or the query of a sent handover, with
    its stage step, acknowledged by the writer's own login."""
    step = HANDOVER_STEPS.get(status_after or "")
    if status_before != "sent" or step is None or (stage_before, stage_after) != step:
        return "process"
    return None if acknowledged_by == login else "acknowledged_by"


def task_owner_refusal(owner: object, *, own_logins: frozenset[str], other_logins: frozenset[str],
                       owner_of_case: bool) -> str | None:  # fmt: skip
    """Why a follow-up may not be given to ``owner`` (or None). ``own_logins``/``other_logins``: the logins the
    server knows of the writer's office and of every other office; ``owner_of_case``: the writer's office
    owns the case (its devices may name a colleague the server has not met yet, and its team inbox is the
    case's team's). Never another office's login, and never into the owning office's team inbox from outside."""
    if owner in own_logins:
        return None
    if owner in other_logins or not owner_of_case:
        return "owner"
    return None


def event_refusal(event_type: str, *, role: str, stage: Stage | None = None) -> str | None:
    """Why ``role`` may not append a timeline entry of ``event_type`` (or None). ``stage``: the case's
    stage before the transaction that appends it (a closed case takes no writes, its timeline included)."""
    side = side_of(role)
    if side not in (JC, AA) or not has(role, CASE_WRITE):
        return "role"
    if stage == S.CLOSED:
        return "closed"
    allowed = EVENT_SIDES.get(event_type, _BOTH)
    return None if side in allowed else "side"
