"""One demo case (README "Demo data"): its path through the stage model, its history on working days
in office hours, its appointments, voucher and course, its reasons, as rows for the bulk insert.

Every path follows :data:`wbtui.domain.process.TRANSITIONS`, so histories are legal: each step writes its
timeline event, vouchers respect the three months, handovers carry consent.

Size: over ~400 lines because one demo case walks the whole process (S1 to closing) in one function per stage, kept together so the walk reads in order.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from typing import Any

from wbtui.domain.catalog import BUILTIN
from wbtui.domain.process import Stage, add_months
from wbtui.services.demo_data import (
    COURSE_TITLES,
    DECLINE_WEIGHTS,
    DROPOUT_WEIGHTS,
    EARLY_CLOSE_WEIGHTS,
    FAMILY,
    GIVEN,
    JC_ROLES_USERS,
    LANGUAGES,
    MAIN,
    NON_INTEGRATION_WEIGHTS,
    PROVIDERS,
    QUALIFYING,
    REGIONS,
    ROOMS,
    STEP_DAYS,
    STREETS,
    TARGETS,
    TRAINING_TYPES,
)
from wbtui.services.demo_office import OfficeClock


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
    today = clock.today
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
    course: dict = {}

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
            _dt(stamps[0]),
            _dt(stamps[-1]),
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
    events = [
        (
            make_id(),
            case_id,
            _dt(stamps[0]),
            "case_created",
            None,
            Stage.NEED_IDENTIFIED.value,
            "demo",
            orgs["home"],
            "{}",
        )
    ]

    def event(at, type_, payload=None, src=None, dst=None, org="home"):
        events.append((make_id(), case_id, _dt(at), type_, src, dst, "demo", orgs[org], json.dumps(payload or {})))

    # obstacles
    if has_obstacles:
        codes = rng.sample([o for o in BUILTIN if not o.art9 or rng.random() < 0.35], rng.randint(1, 4))
        cleared = path[-1] not in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES)
        for item in codes:
            status = (
                rng.choice(("geloest", "in_bearbeitung", "nicht_relevant"))
                if cleared
                else rng.choice(("offen", "offen", "in_bearbeitung"))
            )
            referred = (
                (stamps[0] + timedelta(days=rng.randint(1, 10))).date().isoformat() if status != "offen" else None
            )
            rows["obstacle"].append(
                (
                    make_id(),
                    case_id,
                    item.code,
                    int(item.art9),
                    status,
                    item.service,
                    referred,
                    (today + timedelta(days=rng.randint(-10, 40))).isoformat() if status == "in_bearbeitung" else None,
                    None,
                    _dt(stamps[0]),
                    _dt(stamps[0]),
                )
            )
            event(stamps[0], "obstacle_added", {"code": item.code, "status": status})
    if complete and len(path) > 2 or Stage.HANDED_OVER in path:
        given_on = stamps[min(1, len(stamps) - 1)].date()
        groups = ["stammdaten", "qualifikation", "hemmnisse"] + (["gesundheit"] if rng.random() < 0.5 else [])
        rows["consent"].append(
            (
                make_id(),
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
    for step, (src, dst) in enumerate(zip(path, path[1:]), start=1):
        at = stamps[step]
        if dst == Stage.HANDED_OVER:
            case["agentur_org_id"] = orgs["agentur"]
            acked = Stage.COUNSELLING_SCHEDULED in path
            rows["handover"].append(
                (
                    make_id(),
                    case_id,
                    orgs["home"],
                    orgs["agentur"],
                    "demo",
                    _dt(at),
                    "shared_system",
                    1,
                    "{}",
                    "consent",
                    None,
                    "accepted" if acked else "sent",
                    None,
                    "aa.berger" if acked else None,
                    _dt(stamps[step + 1]) if acked else None,
                )
            )
            event(at, "handover_sent", {"to": "agentur"})
        elif dst == Stage.COUNSELLING_SCHEDULED:
            event(at, "handover_received", org="agentur")
            if rng.random() < 0.8 or len(path) > step + 1:
                appt = clock.appointment(at.date(), rng)  # a working day in office hours
                if len(path) > step + 1:  # held before the next step
                    appt = min(appt, clock.at(clock.workday_before(stamps[step + 1].date() + timedelta(days=1)), rng))
                case["appointment_at"] = appt
                rows["appointment"].append(
                    (
                        make_id(),
                        case_id,
                        "aa_beratung",
                        _dt(appt),
                        rng.choice(ROOMS),
                        "wahrgenommen" if len(path) > step + 1 else "geplant",
                        "aa.berger",
                    )
                )
                event(at, "appointment_set", {"at": appt.isoformat()}, org="agentur")
        elif dst == Stage.COUNSELLED:
            nxt = path[step + 1] if step + 1 < len(path) else None
            outcomes: dict[Stage | None, str] = {
                Stage.DECLINED_BY_AGENCY: "nicht_foerderfaehig",
                Stage.APTITUDE_CHECK: "eignung_pruefen",
            }
            outcome = outcomes.get(nxt, "foerderfaehig")
            case["counselling_outcome"] = outcome
            payload: dict[str, str | None] = {"outcome": outcome}
            if nxt == Stage.DECLINED_BY_AGENCY:
                payload["reason"] = reasons["decline_reason"]
            event(at, "counselling_result", payload, org="agentur")
        elif dst == Stage.VOUCHER_ISSUED:
            valid = add_months(at.date(), 3)
            if path[-1] == Stage.VOUCHER_ISSUED:  # current voucher: near expiry for some
                valid = min(valid, today + timedelta(days=rng.randint(-2, 80)))
                valid = max(valid, at.date() + timedelta(days=1))
            case["voucher_valid_until"] = valid
            status = (
                "verfallen"
                if Stage.VOUCHER_EXPIRED in path
                else ("eingeloest" if Stage.ENROLMENT_APPROVED in path else "ausgegeben")
            )
            months = rng.choice((6, 12, 18, 24)) if training_type not in QUALIFYING else rng.choice((24, 28))
            if path[-1] == Stage.IN_TRAINING:
                months = max(months, 12)  # still running today
            course.update(
                voucher_number=f"BGS-{at.year}-{index % 100000:05d}",
                training_goal=title,
                duration_months=months,
                region=rng.choice(REGIONS),
            )
            rows["voucher"].append(
                (
                    make_id(),
                    case_id,
                    course["voucher_number"],
                    at.date().isoformat(),
                    valid.isoformat(),
                    title,
                    kldb,
                    months,
                    course["region"],
                    json.dumps(["lehrgang", "fahrt"]),
                    status,
                )
            )
            event(at, "voucher_issued", {"valid_until": valid.isoformat()}, org="agentur")
        elif dst == Stage.ENROLMENT_APPROVED:
            # courses start on a working day a few weeks after approval: starts spread over the whole year
            begin = clock.workday_on_or_after((at + timedelta(days=rng.randint(5, 25))).date())
            if Stage.IN_TRAINING in path:
                begin = min(begin, stamps[step + 1].date())
            months = course.get("duration_months") or 12
            case["course_start"], case["course_planned_end"] = (
                begin,
                add_months(begin, months) - timedelta(days=1),
            )
            provider = rng.choice(PROVIDERS)
            course.update(
                provider_name=provider,
                course_title=COURSE_TITLES[training_type].format(title=title),
                kursnet_id=str(rng.randrange(100_000_000, 999_999_999)),
                qualification_2y=int(training_type in QUALIFYING),
            )
            event(at, "enrolment_approved", {"start": begin.isoformat()}, org="agentur")
        elif dst == Stage.IN_TRAINING:
            course["course_actual_start"] = case["course_start"]
            if training_type in QUALIFYING and (today - case["course_start"]).days > 365:
                course["interim_exam"] = "bestanden" if rng.random() < 0.85 else "nicht_bestanden"
            # the Jobcenter keeps in touch during the course: most contacts lie within the last eight weeks
            contact_day = clock.workday_before(today - timedelta(days=rng.randint(0, 70)))
            case["last_contact_at"] = max(at, clock.at(contact_day, rng))
            event(at, "course_started", org="agentur")
        elif dst == Stage.DROPPED_OUT:
            course["course_actual_end"] = at.date()
            event(at, "dropout", {"reason": reasons["dropout_reason"]}, org="agentur")
        elif dst == Stage.COMPLETED:
            course["course_actual_end"] = at.date()
            if training_type in QUALIFYING:
                passed = Stage.NOT_YET_INTEGRATED not in path or rng.random() < 0.5
                course["final_exam"] = "bestanden" if passed else "nicht_bestanden"
                course.setdefault("interim_exam", "bestanden")
            event(at, "course_completed", org="agentur")
        elif dst == Stage.NOT_YET_INTEGRATED:
            if course.get("final_exam") == "nicht_bestanden":
                reasons["non_integration_reason"] = "pruefung_nicht_bestanden"
            event(at, "not_integrated", {"reason": reasons["non_integration_reason"]})
        elif dst == Stage.INTEGRATED:
            event(at, "integration")
        elif dst == Stage.CLOSED:
            event(at, "case_closed", {"reason": close_reason})
        org = (
            "agentur"
            if dst
            in (
                Stage.COUNSELLING_SCHEDULED,
                Stage.COUNSELLED,
                Stage.VOUCHER_ISSUED,
                Stage.ENROLMENT_APPROVED,
                Stage.APTITUDE_CHECK,
                Stage.DECLINED_BY_AGENCY,
                Stage.VOUCHER_EXPIRED,
            )
            else "home"
        )
        event(at, "stage_changed", {}, src.value, dst.value, org=org)

    if path[-1] not in (Stage.CLOSED, Stage.INTEGRATED) and rng.random() < 0.45:
        for _ in range(rng.randint(1, 2)):
            due = clock.workday_on_or_after(today + timedelta(days=rng.randint(-15, 30)))
            rows["task"].append(
                (
                    make_id(),
                    case_id,
                    "manual",
                    rng.choice(
                        (
                            "Rückmeldung Schuldnerberatung prüfen",
                            "Kinderbetreuung klären",
                            "Kontakt aufnehmen",
                            "Unterlagen anfordern",
                            "Zwischenstand Maßnahme erfragen",
                        )
                    ),
                    rng.choice(JC_ROLES_USERS) if owner is not None else "@team",
                    due.isoformat(),
                    "offen",
                    None,
                    None,
                )
            )
    if rng.random() < 0.07 and len(path) > 2:
        conf_id = make_id()
        held = stamps[min(2, len(stamps) - 1)].date()
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
                _dt(stamps[min(2, len(stamps) - 1)]),
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
                "erledigt" if held + timedelta(days=21) < today else "offen",
                None,
                conf_id,
            )
        )
        event(stamps[min(2, len(stamps) - 1)], "conference_held", {"variant": "fallbesprechung"})

    updated = max(stamps[-1], case["last_contact_at"] or stamps[-1])
    rows["case"].append(
        (
            case_id,
            person_id,
            case["stage"],
            _dt(case["stage_since"]),
            orgs["home"],
            case["agentur_org_id"],
            owner,
            kldb if complete else None,
            title,
            training_type if complete else None,
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
            _dt(case["appointment_at"]) if case["appointment_at"] else None,
            case["voucher_valid_until"].isoformat() if case["voucher_valid_until"] else None,
            case["course_start"].isoformat() if case["course_start"] else None,
            case["course_planned_end"].isoformat() if case["course_planned_end"] else None,
            _dt(case["last_contact_at"]) if case["last_contact_at"] else None,
            close_reason,
            _dt(case["closed_at"]) if case["closed_at"] else None,
            _dt(stamps[0]),
            _dt(updated),
            "Team FbW" if owner is None else None,  # the team inbox: the team, nobody in it yet
            reasons["decline_reason"],
            reasons["dropout_reason"],
            reasons["non_integration_reason"],
            *(_sql(course.get(name)) for name in COURSE_COLUMNS),
        )
    )
    rows["event"].extend(events)


COURSE_COLUMNS = (
    "voucher_number", "training_goal", "duration_months", "region", "provider_name", "course_title", "kursnet_id",
    "qualification_2y", "course_actual_start", "course_actual_end", "interim_exam", "final_exam",
)  # fmt: skip


def _sql(value):
    return value.isoformat() if isinstance(value, date) else value


def _weighted(rng: random.Random, weights: tuple[tuple[str, int], ...]) -> str:
    codes, counts = zip(*weights)
    return rng.choices(codes, counts)[0]


def _dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")
