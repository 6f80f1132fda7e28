"""Demo data like an office's (README "Demo data"), written in bulk: ``wbtui demo --cases N``.

This module runs the generator (offices, staff, batches); one case is :mod:`wbtui.services.demo_case`,
when things happen :mod:`wbtui.services.demo_office` (working days, office hours, nothing before
1 January 2025), what the office is made of :mod:`wbtui.services.demo_data`, the rows' SQL
:mod:`wbtui.services.demo_sql`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, datetime

from wbtui.domain.workdays import WorkCalendar
from wbtui.services.demo_case import one_case
from wbtui.services.demo_data import AA_USERS, JC_ROLES_USERS, TARGET_WEIGHTS
from wbtui.services.demo_office import OfficeClock
from wbtui.services.demo_sql import OWNER_SQL, PACKAGE_SQL, _flush
from wbtui.services.demo_steps import dt

__all__ = ["generate"]


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
    calendar: WorkCalendar | None = None,
) -> int:
    """Write ``cases`` synthetic cases into the (migrated, raw sqlite3) connection ``con``; ``calendar``: the
    office's working days (default: the nationwide holidays)."""
    rng = random.Random(seed)
    offset = con.execute("SELECT COUNT(*) FROM person").fetchone()[0]
    uuid_rng = random.Random(seed * 1_000_003 + offset)

    def make_id() -> str:  # deterministic ids for a given seed
        return uuid.UUID(int=uuid_rng.getrandbits(128), version=4).hex

    today = today or date.today()
    clock = OfficeClock(today, calendar)
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
            one_case(rng, make_id, offset + i, rng.choices(targets, weights)[0], clock, orgs, users, rows)
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
                "INSERT INTO organisation (id, kind, name, created_at) VALUES (?,?,?,?)", (oid, kind, name, dt(now))
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
