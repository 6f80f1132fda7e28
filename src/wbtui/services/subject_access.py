"""Subject-access export (Art. 15 DSGVO, § 83 SGB X): everything this store holds about one person.

The export lists the stored data of every case of the person (Art. 9 obstacles included — the
person is entitled to them), the recipients the data went to (handovers), and the accesses
recorded in the audit trail (when, what, role and office — not the staff member's login).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from wbtui.data import audit
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
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    item[key] = json.loads(value)
                except ValueError:
                    pass
        out.append(item)
    return out


def collect(con, person_id: str) -> dict:
    person = _rows(con, "SELECT * FROM person WHERE id = ?", (person_id,))
    if not person:
        raise NotFound("err.person_not_found")
    orgs = {r["id"]: r["name"] for r in _rows(con, "SELECT id, name FROM organisation")}
    cases = []
    for case in _rows(con, "SELECT * FROM fbw_case WHERE person_id = ? ORDER BY created_at", (person_id,)):
        case.pop("search_text", None)
        case.pop("sort_name", None)
        for table in CASE_TABLES:
            case[table] = _rows(con, f"SELECT * FROM {table} WHERE case_id = ?", (case["id"],))
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
    }


def export(services, ref: str) -> dict:
    """The Auskunft for the person behind ``ref`` (Kundennummer or case reference); audited."""
    access.require(services.actor.role, access.SUBJECT_ACCESS)
    case_id = services.resolve(ref)
    con = services.store.raw()
    try:
        person_id = con.execute("SELECT person_id FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
    finally:
        con.close()
    services.audit("subject_access", "person", object_id=person_id, case_id=case_id.hex, groups=["alle"])
    con = services.store.raw()
    try:
        return collect(con, person_id)
    finally:
        con.close()
