"""One demo case (README "Demo data"): its path through the stage model, its history on working days
in office hours, its appointments, voucher and course, its reasons, as rows for the bulk insert.

Every path follows :data:`wbtui.domain.process.TRANSITIONS`, so histories are legal: each step writes its
timeline event, vouchers respect the three months, handovers carry consent.

The steps along the path, one function per stage, are :mod:`wbtui.services.demo_steps`.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from wbtui.domain.catalog import BUILTIN
from wbtui.domain.process import Stage
from wbtui.services.demo_data import (
    DECLINE_WEIGHTS,
    DROPOUT_WEIGHTS,
    EARLY_CLOSE_WEIGHTS,
    FAMILY,
    GIVEN,
    JC_ROLES_USERS,
    LANGUAGES,
    MAIN,
    NON_INTEGRATION_WEIGHTS,
    STEP_DAYS,
    STREETS,
    TARGETS,
    TRAINING_TYPES,
)
from wbtui.services.demo_office import OfficeClock
from wbtui.services.demo_steps import Walk, dt, walk


def path_to(target: Stage, rng: random.Random, has_obstacles: bool) -> tuple[list[Stage], str | None]:
    """Stage sequence from S1 to ``target`` and a close reason when target is CLOSED."""
    main = [s for s in MAIN if s != Stage.OBSTACLES or has_obstacles]
    if target in main:
        return main[: main.index(target) + 1], None
    if target == Stage.APTITUDE_CHECK:
        return main[: main.index(Stage.COUNSELLED) + 1] + [Stage.APTITUDE_CHECK], None
    if target == Stage.DECLINED_BY_AGENCY:
        return main[: main.index(Stage.COUNSELLED) + 1] + [Stage.DECLINED_BY_AGENCY], None
    if target == Stage.VOUCHER_EXPIRED:
        return main[: main.index(Stage.VOUCHER_ISSUED) + 1] + [Stage.VOUCHER_EXPIRED], None
    if target == Stage.DROPPED_OUT:
        return main[: main.index(Stage.IN_TRAINING) + 1] + [Stage.DROPPED_OUT], None
    if target == Stage.NOT_YET_INTEGRATED:
        return main[: main.index(Stage.COMPLETED) + 1] + [Stage.NOT_YET_INTEGRATED], None
    if target == Stage.REHAB_TRACK:
        return [Stage.NEED_IDENTIFIED, Stage.REHAB_TRACK], None
    # closed: integrated, declined by person, moved, no longer in need, rehab
    pick = rng.random()
    if pick < 0.45:
        return main + [Stage.CLOSED], "integrated"
    if pick < 0.55:
        return [Stage.NEED_IDENTIFIED, Stage.REHAB_TRACK, Stage.CLOSED], "rehab"
    stop = rng.randrange(1, len(main) - 1)
    return main[:stop] + [Stage.CLOSED], _weighted(rng, EARLY_CLOSE_WEIGHTS)


def one_case(rng, make_id, index, target, clock: OfficeClock, orgs, users, rows) -> None:
    """One case's rows, appended to ``rows`` (one list per table, in the bulk insert's column order)."""
    family, given = rng.choice(FAMILY), rng.choice(GIVEN)
    person_id, case_id = make_id(), make_id()
    kdnr = f"{100 + index % 900:03d}{'ABCDEFGHKLMNPRSTUVWXYZ'[index % 22]}{index % 1_000_000:06d}"
    bg = f"{rng.randrange(10000, 99999)}BG{rng.randrange(1000000, 9999999)}"
    birth = date(rng.randrange(1962, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
    lang = rng.choice(LANGUAGES)
    has_obstacles = rng.random() < 0.7
    path, close_reason = path_to(target, rng, has_obstacles)
    complete = target not in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES) or rng.random() < 0.6
    kldb, title = rng.choice(TARGETS)

    # timing: working days in office hours, from 1 January 2025 on, the last step before today
    durations = [rng.randint(*STEP_DAYS.get(stage, (3, 20))) for stage in path[:-1]]
    # how long the case has been in its present stage: a course runs for months, so the cases in training
    # started over the past year (course starts spread over every month), a closed case may be long past
    slack = rng.randint(0, {Stage.CLOSED: 500, Stage.IN_TRAINING: 300}.get(path[-1], 20))
    stamps = clock.history(durations, slack, rng)
    training_type = rng.choice(TRAINING_TYPES)
    reasons: dict[str, str | None] = {
        "decline_reason": _weighted(rng, DECLINE_WEIGHTS) if Stage.DECLINED_BY_AGENCY in path else None,
        "dropout_reason": _weighted(rng, DROPOUT_WEIGHTS) if Stage.DROPPED_OUT in path else None,
        "non_integration_reason": (
            _weighted(rng, NON_INTEGRATION_WEIGHTS) if Stage.NOT_YET_INTEGRATED in path else None
        ),
    }

    # a few cases wait in the team inbox (README "Vertretung"); most belong to a caseworker
    pick = rng.random()
    owner = (
        None if pick < 0.03 else users["__home__"] if users["__home__"] and pick < 0.11
        else users[rng.choice(JC_ROLES_USERS)]
    )  # fmt: skip
    rows["person"].append(
        (
            person_id,
            kdnr,
            bg if rng.random() < 0.9 else None,
            family,
            given,
            birth.isoformat() if complete else None,
            f"{rng.choice(STREETS)} {rng.randint(1, 120)}, 12345 Musterstadt",
            f"0{rng.randint(150, 179)} {rng.randint(1000000, 9999999)}",
            None,
            lang,
            int(lang != "Deutsch" and rng.random() < 0.3),
            rng.choice(("A2", "B1", "B1", "B2", "C1")) if lang != "Deutsch" else "C2",
            rng.choice(("keiner", "hauptschule", "mittlerer", "abitur", "ausland")),
            orgs["home"],
            dt(stamps[0]),
            dt(stamps[-1]),
        )
    )
    case: dict[str, Any] = {
        "stage": path[-1].value,
        "stage_since": stamps[-1],
        "appointment_at": None,
        "voucher_valid_until": None,
        "course_start": None,
        "course_planned_end": None,
        "last_contact_at": None,
        "counselling_outcome": None,
        "agentur_org_id": None,
        "close_reason": close_reason,
        "closed_at": stamps[-1] if close_reason else None,
    }
    w = Walk(
        rng, make_id, index, clock, orgs, rows, case_id, path, stamps, training_type, kldb, title, reasons,
        close_reason, case,
    )  # fmt: skip
    w.events.append(
        (
            make_id(),
            case_id,
            dt(stamps[0]),
            "case_created",
            None,
            Stage.NEED_IDENTIFIED.value,
            "demo",
            orgs["home"],
            "{}",
        )
    )
    if has_obstacles:
        _obstacles(w)
    if complete and len(path) > 2 or Stage.HANDED_OVER in path:
        _consent(w, person_id)
    walk(w)
    if path[-1] not in (Stage.CLOSED, Stage.INTEGRATED) and rng.random() < 0.45:
        _tasks(w, owner)
    if rng.random() < 0.07 and len(path) > 2:
        _conference(w)
    rows["case"].append(_case_row(w, person_id, owner, complete))
    rows["event"].extend(w.events)


def _obstacles(w: Walk) -> None:
    rng, stamps, case_id = w.rng, w.stamps, w.case_id
    codes = rng.sample([o for o in BUILTIN if not o.art9 or rng.random() < 0.35], rng.randint(1, 4))
    cleared = w.path[-1] not in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES)
    for item in codes:
        status = (
            rng.choice(("geloest", "in_bearbeitung", "nicht_relevant"))
            if cleared
            else rng.choice(("offen", "offen", "in_bearbeitung"))
        )
        referred = (stamps[0] + timedelta(days=rng.randint(1, 10))).date().isoformat() if status != "offen" else None
        w.rows["obstacle"].append(
            (
                w.make_id(),
                case_id,
                item.code,
                int(item.art9),
                status,
                item.service,
                referred,
                (w.clock.today + timedelta(days=rng.randint(-10, 40))).isoformat()
                if status == "in_bearbeitung"
                else None,
                None,
                dt(stamps[0]),
                dt(stamps[0]),
            )
        )
        w.event(stamps[0], "obstacle_added", {"code": item.code, "status": status})


def _consent(w: Walk, person_id: str) -> None:
    given_on = w.stamps[min(1, len(w.stamps) - 1)].date()
    groups = ["stammdaten", "qualifikation", "hemmnisse"] + (["gesundheit"] if w.rng.random() < 0.5 else [])
    w.rows["consent"].append(
        (
            w.make_id(),
            person_id,
            "fbw_uebergabe",
            json.dumps(["agentur"]),
            json.dumps(groups),
            "schriftlich",
            given_on.isoformat(),
            None,
            None,
            None,
            1,
        )
    )


TASK_TITLES = (
    "Rückmeldung Schuldnerberatung prüfen",
    "Kinderbetreuung klären",
    "Kontakt aufnehmen",
    "Unterlagen anfordern",
    "Zwischenstand Maßnahme erfragen",
)


def _tasks(w: Walk, owner) -> None:
    rng = w.rng
    for _ in range(rng.randint(1, 2)):
        due = w.clock.workday_on_or_after(w.clock.today + timedelta(days=rng.randint(-15, 30)))
        w.rows["task"].append(
            (
                w.make_id(),
                w.case_id,
                "manual",
                rng.choice(TASK_TITLES),
                rng.choice(JC_ROLES_USERS) if owner is not None else "@team",
                due.isoformat(),
                "offen",
                None,
                None,
            )
        )


def _conference(w: Walk) -> None:
    make_id, case_id, rows = w.make_id, w.case_id, w.rows
    conf_id = make_id()
    at = w.stamps[min(2, len(w.stamps) - 1)]
    held = at.date()
    rows["conference"].append(
        (
            conf_id,
            case_id,
            held.isoformat(),
            "fallbesprechung",
            0,
            "ifk.wagner",
            None,
            json.dumps(
                ["purpose_consent", "status", "obstacles", "options", "decisions", "inform_person", "next_review"]
            ),
            json.dumps(["continue_as_planned"]),
            None,
            None,
            dt(at),
        )
    )
    rows["participant"].append((make_id(), conf_id, "Wagner", "jc_ifk", "Jobcenter"))
    rows["participant"].append((make_id(), conf_id, "Berger", "aa_beratung", "Agentur für Arbeit"))
    rows["task"].append(
        (
            make_id(),
            case_id,
            "fallkonferenz",
            "continue_as_planned",
            "ifk.wagner",
            (held + timedelta(days=21)).isoformat(),
            "erledigt" if held + timedelta(days=21) < w.clock.today else "offen",
            None,
            conf_id,
        )
    )
    w.event(at, "conference_held", {"variant": "fallbesprechung"})


def _case_row(w: Walk, person_id: str, owner, complete: bool) -> tuple:
    rng, case, stamps, reasons = w.rng, w.case, w.stamps, w.reasons
    updated = max(stamps[-1], case["last_contact_at"] or stamps[-1])
    return (
        w.case_id,
        person_id,
        case["stage"],
        dt(case["stage_since"]),
        w.orgs["home"],
        case["agentur_org_id"],
        owner,
        w.kldb if complete else None,
        w.title,
        w.training_type if complete else None,
        rng.choice(("vollzeit", "vollzeit", "teilzeit")) if complete else None,
        None,
        rng.choice((20, 30, 50)),
        rng.choice(("missing_qualification", "integration", "avert_unemployment")) if complete else None,
        0,
        None,
        None,
        None,
        "consent" if complete else None,
        case["counselling_outcome"],
        dt(case["appointment_at"]) if case["appointment_at"] else None,
        case["voucher_valid_until"].isoformat() if case["voucher_valid_until"] else None,
        case["course_start"].isoformat() if case["course_start"] else None,
        case["course_planned_end"].isoformat() if case["course_planned_end"] else None,
        dt(case["last_contact_at"]) if case["last_contact_at"] else None,
        w.close_reason,
        dt(case["closed_at"]) if case["closed_at"] else None,
        dt(stamps[0]),
        dt(updated),
        "Team FbW" if owner is None else None,  # the team inbox: the team, nobody in it yet
        reasons["decline_reason"],
        reasons["dropout_reason"],
        reasons["non_integration_reason"],
        *(_sql(w.course.get(name)) for name in COURSE_COLUMNS),
    )


COURSE_COLUMNS = (
    "voucher_number", "training_goal", "duration_months", "region", "provider_name", "course_title", "kursnet_id",
    "qualification_2y", "course_actual_start", "course_actual_end", "interim_exam", "final_exam",
)  # fmt: skip


def _sql(value):
    return value.isoformat() if isinstance(value, date) else value


def _weighted(rng: random.Random, weights: tuple[tuple[str, int], ...]) -> str:
    codes, counts = zip(*weights)
    return rng.choices(codes, counts)[0]
