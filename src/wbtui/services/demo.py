"""Realistic synthetic demo data (the README's data sizes), written in bulk.

Every case walks the stage model from intake to its target stage along
:data:`wbtui.domain.process.TRANSITIONS`, so histories are legal: each step writes
its timeline event, vouchers respect the 3-month rule, handovers carry consent.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from wbtui.domain.catalog import BUILTIN
from wbtui.domain.process import Stage, add_months

FAMILY = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf "
    "Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann "
    "Yılmaz Kaya Demir Şahin Çelik Öztürk Aydın Arslan Al-Hassan Haddad Nasser Khalil Ibrahim Mahmoud "
    "Kowalski Nowak Wiśniewska Kovalenko Shevchenko Bondarenko Popescu Ionescu Petrović Jovanović Hoxha Berisha "
    "Nguyen Tran Osei Mensah Abdi Haile Rahimi Ahmadi Karimi Rossi Ferreira Silva"
).split()
GIVEN = (
    "Anna Maria Sabine Julia Laura Katrin Sandra Petra Monika Lea Sophie Emma Hannah Lena Nicole Claudia "
    "Thomas Michael Andreas Stefan Christian Markus Daniel Jan Tobias Lukas Felix Jonas Sven Dirk Frank "
    "Ayşe Fatma Zeynep Mehmet Mustafa Ahmet Emre Hüseyin Fatima Aisha Layla Omar Ahmad Yusuf Karim Ali "
    "Olena Iryna Oksana Dmytro Andriy Serhiy Agnieszka Katarzyna Piotr Tomasz Ion Elena Milan Dragana "
    "Linh Minh Kwame Ama Abdullahi Hawa Farid Maryam Reza Giulia Marco Ana João"
).split()
LANGUAGES = ("Deutsch",) * 10 + (
    "Türkisch",
    "Arabisch",
    "Ukrainisch",
    "Russisch",
    "Polnisch",
    "Rumänisch",
    "Dari",
    "Farsi",
    "Tigrinya",
    "Englisch",
)
STREETS = (
    "Bahnhofstraße",
    "Hauptstraße",
    "Gartenweg",
    "Schulstraße",
    "Lindenallee",
    "Am Markt",
    "Ringstraße",
    "Bergstraße",
)
TARGETS = (
    ("52122", "Berufskraftfahrer/in"),
    ("82102", "Pflegefachmann/-frau"),
    ("82101", "Pflegehelfer/in"),
    ("51312", "Fachkraft für Lagerlogistik"),
    ("51311", "Fachlagerist/in"),
    ("71402", "Kaufmann/-frau für Büromanagement"),
    ("43412", "Fachinformatiker/in"),
    ("26212", "Elektroniker/in"),
    ("25212", "Kfz-Mechatroniker/in"),
    ("63302", "Koch/Köchin"),
    ("83112", "Erzieher/in"),
    ("81302", "Medizinische/r Fachangestellte/r"),
)
JC_ROLES_USERS = ("ifk.wagner", "ifk.yilmaz", "ifk.schulz", "ifk.nowak", "ifk.becker", "fm.krause", "ifk.haddad")
AA_USERS = ("aa.berger", "aa.kaya", "aa.lorenz")

# main path and the branches a case may take off it
MAIN = [
    Stage.NEED_IDENTIFIED,
    Stage.OBSTACLES,
    Stage.READY,
    Stage.HANDED_OVER,
    Stage.COUNSELLING_SCHEDULED,
    Stage.COUNSELLED,
    Stage.VOUCHER_ISSUED,
    Stage.ENROLMENT_APPROVED,
    Stage.IN_TRAINING,
    Stage.COMPLETED,
    Stage.INTEGRATED,
]
# (target stage, weight) for the final stage of a generated case
TARGET_WEIGHTS = (
    (Stage.NEED_IDENTIFIED, 6),
    (Stage.OBSTACLES, 9),
    (Stage.READY, 4),
    (Stage.HANDED_OVER, 4),
    (Stage.COUNSELLING_SCHEDULED, 5),
    (Stage.COUNSELLED, 3),
    (Stage.APTITUDE_CHECK, 1),
    (Stage.DECLINED_BY_AGENCY, 3),
    (Stage.VOUCHER_ISSUED, 4),
    (Stage.VOUCHER_EXPIRED, 2),
    (Stage.ENROLMENT_APPROVED, 3),
    (Stage.IN_TRAINING, 16),
    (Stage.DROPPED_OUT, 4),
    (Stage.COMPLETED, 4),
    (Stage.INTEGRATED, 4),
    (Stage.NOT_YET_INTEGRATED, 4),
    (Stage.REHAB_TRACK, 2),
    (Stage.CLOSED, 22),
)
STEP_DAYS = {
    Stage.NEED_IDENTIFIED: (3, 20),
    Stage.OBSTACLES: (10, 60),
    Stage.READY: (1, 6),
    Stage.HANDED_OVER: (1, 8),
    Stage.COUNSELLING_SCHEDULED: (5, 25),
    Stage.COUNSELLED: (2, 14),
    Stage.APTITUDE_CHECK: (10, 40),
    Stage.VOUCHER_ISSUED: (10, 60),
    Stage.ENROLMENT_APPROVED: (7, 30),
    Stage.IN_TRAINING: (60, 600),
    Stage.COMPLETED: (10, 60),
    Stage.NOT_YET_INTEGRATED: (20, 90),
    Stage.INTEGRATED: (30, 180),
    Stage.DROPPED_OUT: (5, 30),
    Stage.DECLINED_BY_AGENCY: (5, 30),
    Stage.VOUCHER_EXPIRED: (5, 20),
    Stage.REHAB_TRACK: (10, 60),
}


def _path_to(target: Stage, rng: random.Random, has_obstacles: bool) -> tuple[list[Stage], str | None]:
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
    return main[:stop] + [Stage.CLOSED], rng.choice(("declined_by_person", "moved", "no_longer_in_need", "other"))


def _dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(
    con,
    cases: int,
    *,
    seed: int = 1,
    today: date | None = None,
    home_org: tuple[str, str] = ("Jobcenter Musterstadt", "jobcenter_ge"),
    partner_agentur: str = "Agentur für Arbeit Musterstadt",
    home_login: str = "local",
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
) -> int:
    """Write ``cases`` synthetic cases into the (migrated, raw sqlite3) connection ``con``."""
    rng = random.Random(seed)
    offset = con.execute("SELECT COUNT(*) FROM person").fetchone()[0]
    uuid_rng = random.Random(seed * 1_000_003 + offset)

    def make_id() -> str:  # deterministic ids for a given seed
        return uuid.UUID(int=uuid_rng.getrandbits(128), version=4).hex

    today = today or date.today()
    now = datetime(today.year, today.month, today.day, 8, 0)
    con.execute("BEGIN IMMEDIATE")
    try:
        orgs = _orgs(con, make_id, home_org, partner_agentur, now)
        users = _users(con, make_id, orgs, home_login)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    targets, weights = zip(*TARGET_WEIGHTS)
    done = 0
    while done < cases:
        n = min(batch, cases - done)
        rows: dict[str, list[tuple]] = {
            k: []
            for k in (
                "person",
                "case",
                "event",
                "obstacle",
                "consent",
                "handover",
                "voucher",
                "task",
                "appointment",
                "conference",
                "participant",
            )
        }
        for i in range(done, done + n):
            _one_case(rng, make_id, offset + i, rng.choices(targets, weights)[0], today, now, orgs, users, rows)
        con.execute("BEGIN IMMEDIATE")
        try:
            _flush(con, rows)
            con.execute(PACKAGE_SQL, (home_org[0],))
            con.execute(OWNER_SQL)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        done += n
        if progress:
            progress(done, cases)
    return done


def _orgs(con, make_id, home_org, partner, now) -> dict:
    wanted = {
        "home": home_org,
        "agentur": (partner, "agentur"),
        "jc_zkt": ("Jobcenter Kreis Nordland (zkT)", "jobcenter_zkt"),
        "provider1": ("Bildungszentrum Rhein GmbH", "bildungstraeger"),
        "provider2": ("Akademie für Pflegeberufe e.V.", "bildungstraeger"),
        "provider3": ("Logistik-Schule Mitte", "bildungstraeger"),
    }
    out = {}
    for key, (name, kind) in wanted.items():
        row = con.execute("SELECT id FROM organisation WHERE name = ? AND kind = ?", (name, kind)).fetchone()
        if row is None:
            oid = make_id()
            con.execute(
                "INSERT INTO organisation (id, kind, name, created_at) VALUES (?,?,?,?)", (oid, kind, name, _dt(now))
            )
            out[key] = oid
        else:
            out[key] = row[0]
    return out


def _users(con, make_id, orgs, home_login) -> dict:
    out = {}
    specs = [
        (login, "jc_fallmanager" if login.startswith("fm.") else "jc_ifk", orgs["home"]) for login in JC_ROLES_USERS
    ]
    specs += [(login, "aa_beratung", orgs["agentur"]) for login in AA_USERS]
    for login, role, org in specs:
        row = con.execute("SELECT id FROM app_user WHERE login = ?", (login,)).fetchone()
        if row is None:
            uid = make_id()
            name = login.split(".", 1)[1].capitalize()
            con.execute(
                "INSERT INTO app_user (id, org_id, display_name, login, role, team, active) VALUES (?,?,?,?,?,?,1)",
                (uid, org, f"{name}", login, role, "Team FbW"),
            )
            out[login] = uid
        else:
            out[login] = row[0]
    row = con.execute("SELECT id FROM app_user WHERE login = ?", (home_login,)).fetchone()
    out["__home__"] = row[0] if row else None
    return out


def _one_case(rng, make_id, index, target, today, now, orgs, users, rows) -> None:
    family, given = rng.choice(FAMILY), rng.choice(GIVEN)
    person_id, case_id = make_id(), make_id()
    kdnr = f"{100 + index % 900:03d}{'ABCDEFGHKLMNPRSTUVWXYZ'[index % 22]}{index % 1_000_000:06d}"
    bg = f"{rng.randrange(10000, 99999)}BG{rng.randrange(1000000, 9999999)}"
    birth = date(rng.randrange(1962, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
    lang = rng.choice(LANGUAGES)
    has_obstacles = rng.random() < 0.7
    path, close_reason = _path_to(target, rng, has_obstacles)
    complete = target not in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES) or rng.random() < 0.6
    kldb, title = rng.choice(TARGETS)

    # timing: walk forward from a start date so that the last step ends before today
    durations = [rng.randint(*STEP_DAYS.get(stage, (3, 20))) for stage in path[:-1]]
    slack = rng.randint(0, 20) if path[-1] != Stage.CLOSED else rng.randint(0, 500)
    start = now - timedelta(days=sum(durations) + slack, hours=rng.randint(0, 8))
    stamps = [start]
    latest = now - timedelta(hours=1)
    for days in durations:
        stamps.append(min(latest, stamps[-1] + timedelta(days=days, minutes=rng.randint(0, 300))))

    owner = users["__home__"] if users["__home__"] and rng.random() < 0.08 else users[rng.choice(JC_ROLES_USERS)]
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
    case = {
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
                appt = at + timedelta(days=rng.randint(3, 15), hours=2)
                case["appointment_at"] = appt
                rows["appointment"].append(
                    (
                        make_id(),
                        case_id,
                        "aa_beratung",
                        _dt(appt),
                        "Agentur, Raum 2.14",
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
            event(at, "counselling_result", {"outcome": outcome}, org="agentur")
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
            rows["voucher"].append(
                (
                    make_id(),
                    case_id,
                    None,
                    at.date().isoformat(),
                    valid.isoformat(),
                    title,
                    kldb,
                    24,
                    "50 km",
                    json.dumps(["lehrgang", "fahrt"]),
                    status,
                )
            )
            event(at, "voucher_issued", {"valid_until": valid.isoformat()}, org="agentur")
        elif dst == Stage.ENROLMENT_APPROVED:
            begin = (at + timedelta(days=rng.randint(5, 25))).date()
            if Stage.IN_TRAINING in path:
                begin = min(begin, stamps[step + 1].date())
            case["course_start"], case["course_planned_end"] = (
                begin,
                begin + timedelta(days=rng.choice((180, 365, 540, 730))),
            )
            event(at, "enrolment_approved", {"start": begin.isoformat()}, org="agentur")
        elif dst == Stage.IN_TRAINING:
            case["last_contact_at"] = at + timedelta(days=rng.randint(0, 200))
            if case["last_contact_at"] > now:
                case["last_contact_at"] = now - timedelta(days=rng.randint(0, 90))
            event(at, "course_started", org="agentur")
        elif dst == Stage.DROPPED_OUT:
            event(
                at,
                "dropout",
                {
                    "reason": rng.choice(
                        ("abbruch_krankheit", "abbruch_motivation", "abbruch_ueberforderung", "abbruch_betreuung")
                    )
                },
                org="agentur",
            )
        elif dst == Stage.COMPLETED:
            event(at, "course_completed", org="agentur")
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
            due = today + timedelta(days=rng.randint(-15, 30))
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
                    rng.choice(JC_ROLES_USERS),
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
            rng.choice(("umschulung", "teilqualifizierung", "anpassung", "grundkompetenzen")) if complete else None,
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
        )
    )
    rows["event"].extend(events)


INSERTS = {
    "person": "INSERT INTO person (id, kundennummer, bg_nummer, family_name, given_names, birth_date, address, phone, email, preferred_language, needs_interpreter, german_level_cefr, school_certificate, jobcenter_org_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "case": "INSERT INTO fbw_case (id, person_id, stage, stage_since, jobcenter_org_id, agentur_org_id, owner_user_id, target_kldb, target_title, training_type, schedule, earliest_start, max_commute_km, necessity_reason, legacy_jc_funded, care_arranged, health_limits_summary, availability, legal_basis, counselling_outcome, appointment_at, voucher_valid_until, course_start, course_planned_end, last_contact_at, close_reason, closed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "event": "INSERT INTO case_event (id, case_id, at, type, from_stage, to_stage, actor, org_id, payload) VALUES (?,?,?,?,?,?,?,?,?)",
    "obstacle": "INSERT INTO obstacle (id, case_id, code, art9, status, service, referred_on, review_on, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "consent": "INSERT INTO consent (id, person_id, purpose, recipients, data_groups, form, given_on, valid_until, revoked_on, document_ref, explained_consequences) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "handover": "INSERT INTO handover (id, case_id, from_org_id, to_org_id, from_user, sent_at, channel, payload_version, package, legal_basis, consent_id, status, query_text, acknowledged_by, acknowledged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "voucher": "INSERT INTO voucher (id, case_id, number, issued_on, valid_until, training_goal, kldb, max_duration_months, regional_scope, cost_items, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "task": "INSERT INTO task (id, case_id, origin, title, owner, due_on, status, done_at, conference_id) VALUES (?,?,?,?,?,?,?,?,?)",
    "appointment": "INSERT INTO appointment (id, case_id, kind, starts_at, location, status, organiser) VALUES (?,?,?,?,?,?,?)",
    "conference": "INSERT INTO conference (id, case_id, held_on, variant, with_person, organiser, consent_id, agenda, decisions, dissent, next_review, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "participant": "INSERT INTO conference_participant (id, conference_id, name, role, organisation) VALUES (?,?,?,?,?)",
}
ORDER = (
    "person",
    "case",
    "event",
    "obstacle",
    "consent",
    "handover",
    "voucher",
    "conference",
    "task",
    "appointment",
    "participant",
)


def _bool(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"


# The handover package of a demo handover: the same minimum data set services.handover_package
# builds (Art. 9 obstacles left out, as without health consent), filled from the generated rows.
PACKAGE_SQL = f"""
UPDATE handover SET package = (
  SELECT json_object(
    'version', 1,
    'person', json_object('kundennummer', p.kundennummer, 'bg_nummer', p.bg_nummer, 'family_name', p.family_name,
        'given_names', p.given_names, 'birth_date', p.birth_date, 'address', p.address, 'phone', p.phone, 'email', p.email,
        'preferred_language', p.preferred_language, 'needs_interpreter', {_bool("p.needs_interpreter")},
        'german_level_cefr', p.german_level_cefr, 'school_certificate', p.school_certificate),
    'case', json_object('target_kldb', c.target_kldb, 'target_title', c.target_title, 'training_type', c.training_type,
        'schedule', c.schedule, 'earliest_start', c.earliest_start, 'max_commute_km', c.max_commute_km,
        'necessity_reason', c.necessity_reason, 'care_arranged', {_bool("c.care_arranged")}, 'availability', c.availability,
        'legacy_jc_funded', {_bool("c.legacy_jc_funded")}, 'legal_basis', c.legal_basis),
    'obstacles', json((SELECT json_group_array(json_object('code', o.code, 'status', o.status)) FROM obstacle o
                       WHERE o.case_id = c.id AND o.art9 = 0)),
    'jc_contact', json_object('name', handover.from_user, 'office', ?))
  FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE c.id = handover.case_id)
WHERE package = '{{}}'
"""


# The caseload travels with the case (domain/access.py): the demo owner's login and team on the case row.
OWNER_SQL = """
UPDATE fbw_case SET
  owner_login = (SELECT u.login FROM app_user u WHERE u.id = fbw_case.owner_user_id),
  owner_team = (SELECT u.team FROM app_user u WHERE u.id = fbw_case.owner_user_id)
WHERE owner_login IS NULL AND owner_user_id IS NOT NULL
"""


def _flush(con, rows) -> None:
    for key in ORDER:
        if rows[key]:
            con.executemany(INSERTS[key], rows[key])
