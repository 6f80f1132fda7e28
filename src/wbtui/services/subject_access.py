"""Subject-access export (Art. 15 DSGVO, § 83 SGB X): everything this store holds about one person.

The export lists the stored data of every case of the person, the recipients the data went to
(handovers), and the accesses recorded in the audit trail (when, what, role and office — not the
staff member's login).

It follows the same rules as every other read (README "Data protection"): the role needs
``subject.access``; each case must be in the user's scope or opened by break-glass (a case that is not
is left out and counted, ``cases_withheld``); health data (Art. 9: health obstacles, the functional health
summary, their timeline entries and their copy in handover packages) only with ``art9.read`` — without
it they are left out and counted (``art9_withheld``), for a caseworker who holds that permission to add.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from wbtui.data import audit
from wbtui.data.package import unpack
from wbtui.domain import access
from wbtui.domain.errors import NotFound

FORMAT = "wbtui-auskunft"
VERSION = 1
CASE_TABLES = ("obstacle", "handover", "appointment", "voucher", "enrolment", "conference", "task", "case_event")


def _rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        item = dict(zip(names, row))
        for key, value in item.items():
            if isinstance(value, bytes) and key == "package":  # the handover package, packed (data/package.py)
                item[key] = unpack(value)
            elif isinstance(value, str) and value[:1] in "[{":
                try:
                    item[key] = json.loads(value)
                except ValueError:
                    pass
        out.append(item)
    return out


def collect(con, person_id: str, *, readable=lambda case_id: True, art9: bool = True) -> dict:
    """The Auskunft: ``readable(case_id)`` says which cases the asking user may include, ``art9`` whether
    health data go in."""
    person = _rows(con, "SELECT * FROM person WHERE id = ?", (person_id,))
    if not person:
        raise NotFound("err.person_not_found")
    orgs = {r["id"]: r["name"] for r in _rows(con, "SELECT id, name FROM organisation")}
    cases, withheld, art9_withheld = [], 0, 0
    for case in _rows(con, "SELECT * FROM fbw_case WHERE person_id = ? ORDER BY created_at", (person_id,)):
        if not readable(case["id"]):
            withheld += 1
            continue
        for column in ("search_text", "sort_name", "owner_user_id", "owner_login", "owner_team"):
            case.pop(column, None)  # derived columns, and who in the office holds the case (staff data)
        for table in CASE_TABLES:
            case[table] = _rows(con, f"SELECT * FROM {table} WHERE case_id = ?", (case["id"],))
        for event in case["case_event"]:
            event.pop("rowid", None)  # the timeline view's insertion order (data/timeline.py), not data
        if not art9:
            art9_withheld += _without_art9(case)
        for conference in case["conference"]:
            conference["participants"] = _rows(
                con,
                "SELECT name, role, organisation FROM conference_participant WHERE conference_id = ?",
                (conference["id"],),
            )
        case["recipients"] = sorted(
            {orgs.get(h["to_org_id"], h["to_org_id"]) for h in case["handover"] if h.get("to_org_id")}
        )
        case["accesses"] = [
            {
                "at": e["at"],
                "action": e["action"],
                "role": e["role"],
                "office": orgs.get(e["org"], e["org"]),
                "data_groups": e["data_groups"],
                "purpose": e["purpose"],
            }
            for e in reversed(audit.entries(con, case_id=case["id"]))
        ]
        cases.append(case)
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "person": person[0],
        "consents": _rows(con, "SELECT * FROM consent WHERE person_id = ? ORDER BY given_on", (person_id,)),
        "qualifications": _rows(con, "SELECT * FROM vocational_qualification WHERE person_id = ?", (person_id,)),
        "work_history": _rows(con, "SELECT * FROM work_episode WHERE person_id = ?", (person_id,)),
        "cases": cases,
        "cases_withheld": withheld,
        "art9_withheld": art9_withheld,
    }


def _without_art9(case: dict) -> int:
    """Take the health data out of one collected case; returns how many items were left out."""
    from wbtui.domain.entities import ART9_CODES

    health = {o["code"] for o in case["obstacle"] if o.get("art9")} | set(ART9_CODES)
    kept = [o for o in case["obstacle"] if not o.get("art9")]
    removed = len(case["obstacle"]) - len(kept)
    case["obstacle"] = kept
    if case.get("health_limits_summary"):
        case["health_limits_summary"] = None
        removed += 1
    events = [
        e
        for e in case["case_event"]
        if not (e["type"] in ("obstacle_added", "obstacle_updated") and (e.get("payload") or {}).get("code") in health)
    ]
    removed += len(case["case_event"]) - len(events)
    case["case_event"] = events
    for handover in case["handover"]:
        package = handover.get("package")
        if isinstance(package, dict):
            if isinstance(package.get("case"), dict):
                package["case"].pop("health_limits_summary", None)
            if isinstance(package.get("obstacles"), list):
                package["obstacles"] = [o for o in package["obstacles"] if o.get("code") not in health]
    return removed


def export(services, ref: str) -> dict:
    """The Auskunft for the person behind ``ref`` (Kundennummer or case reference): within the user's scope
    (or break-glass), health data only with ``art9.read``; audited, refusals too."""
    from wbtui.data import access as store_access

    services.require(access.SUBJECT_ACCESS)
    case_id = services.resolve(ref)
    services.check_read(case_id)  # the case asked about: in scope or opened by break-glass, else refused
    subject = services.subject
    art9 = access.has(subject.role, access.ART9_READ)
    con = services.store.raw()
    try:
        person_id = con.execute("SELECT person_id FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
    finally:
        con.close()
    groups = ["alle"] if art9 else ["alle_ohne_gesundheit"]
    services.audit("subject_access", "person", object_id=person_id, case_id=case_id.hex, groups=groups)
    con = services.store.raw()
    try:
        scope = store_access.scope_for(con, subject)
        agentur = subject.role in access.AGENTUR_ROLES

        def readable(other: str) -> bool:
            ref_ = store_access.case_ref(con, other, agentur)
            return ref_ is not None and access.scope_allows(scope, other, ref_)

        return collect(con, person_id, readable=readable, art9=art9)
    finally:
        con.close()
