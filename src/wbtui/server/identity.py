"""One person per Kundennummer and office, one open case per person: what two devices taking in the
same person offline must end with.

The second device's new person is refused as ``duplicate_person`` naming the person already on the
server; the device then files its case under that person and sends it again (:mod:`wbtui.sync.merge`).
A second open case of one person is accepted but flagged: every device of the office gets a
``duplicate_case`` review entry (F6, ``wbtui sync conflicts``), so a person decides whether to merge.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import text

from wbtui.server.feed import OWNER, feed_row


def person_with_kundennummer(push, kundennummer, *, exclude: str) -> str | None:
    """Another person with this Kundennummer in a case the caller's office owns (None: there is none)."""
    if not isinstance(kundennummer, str):
        return None
    batch = push.batch
    if batch.dialect == "postgresql":
        # two pushes taking in the same person for different cases lock different cases: without this
        # lock both read "no such person" and both insert (held until the push commits)
        push.s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(push.who.org_id, kundennummer)})
    found = {
        r for (r,) in push.s.execute(
            text("SELECT row_id FROM srv_field WHERE entity = 'person' AND field = 'kundennummer' AND value = :v"),
            {"v": json.dumps(kundennummer)},
        )
    }  # fmt: skip
    found |= {row[1] for row in batch.rows if row[0] == "person" and batch.field(row, "kundennummer") == kundennummer}
    found.discard(exclude)
    for person_id in sorted(found):
        for case_id in cases_of_person(push, person_id):
            grant = batch.grants.get(case_id, {}).get(push.who.org_id)
            if grant is not None and grant.access == OWNER:
                return person_id
    return None


def _lock_key(org_id: str, kundennummer: str) -> int:
    """A signed 64-bit advisory lock key for one Kundennummer in one office."""
    digest = hashlib.sha256(f"kdnr:{org_id}:{kundennummer}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def cases_of_person(push, person_id: str) -> list[str]:
    batch = push.batch
    rows = push.s.execute(
        text("SELECT row_id FROM srv_field WHERE entity = 'case' AND field = 'person_id' AND value = :v"),
        {"v": json.dumps(person_id)},
    ).fetchall()
    cases = {r for (r,) in rows} | {
        row[1] for row in batch.rows if row[0] == "case" and batch.field(row, "person_id") == person_id
    }
    batch.load_cases(cases)
    return sorted(c for c in cases if c not in batch.purged and batch.field(("case", c), "person_id") == person_id)


def flag_second_open_case(push, unit, case_id: str, values: dict) -> None:
    person_id = values.get("person_id")
    if not isinstance(person_id, str) or values.get("stage") == "closed":
        return
    others = [
        c for c in cases_of_person(push, person_id)
        if c != case_id and push.batch.field(("case", c), "stage") != "closed"
        and (g := push.batch.grants.get(c, {}).get(push.who.org_id)) is not None and g.access == OWNER
    ]  # fmt: skip
    if not others:
        return
    entry = {"conflict_id": uuid.uuid4().hex, "field": "person_id", "conflict_kind": "duplicate_case",
             "kept": {"v": case_id, "hlc": ""}, "lost": {"v": others[0], "hlc": ""}}  # fmt: skip
    push.batch.emit("feed", feed_row(push.who.org_id, "conflict", "case", case_id, case_id, entry))
