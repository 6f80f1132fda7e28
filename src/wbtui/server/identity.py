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

from sqlalchemy import bindparam, text

from wbtui.server.feed import OWNER, feed_row


def person_with_kundennummer(push, kundennummer, *, exclude: str) -> str | None:
    """Another person with this Kundennummer in a case the caller's office owns (None: there is none)."""
    if not isinstance(kundennummer, str):
        return None
    batch = push.batch
    if batch.dialect == "postgresql" and kundennummer not in batch.locked:
        # two pushes taking in the same person for different cases lock different cases: without this
        # lock both read "no such person" and both insert (held until the push commits); what was looked
        # up before the lock is read again under it
        push.s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(push.who.org_id, kundennummer)})
        batch.locked.add(kundennummer)
        batch.db_cache.pop(("person.kundennummer", kundennummer), None)
    found = set(_in_database(push, "person", "kundennummer", kundennummer))
    found |= {row[1] for row in batch.rows_where("person", "kundennummer", kundennummer)}
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
    cases = set(_in_database(push, "case", "person_id", person_id))
    cases |= {row[1] for row in batch.rows_where("case", "person_id", person_id)}
    batch.load_cases(cases)
    return sorted(c for c in cases if c not in batch.purged and batch.field(("case", c), "person_id") == person_id)


def prefetch(push, changes: list[dict]) -> None:
    """The database lookups the identity rules of a batch will make, in two queries instead of one per row:
    the persons with each Kundennummer the batch names, and the cases of each person it names."""
    numbers, persons = set(), set()
    for change in changes:
        fields = change.get("fields") if isinstance(change, dict) else None
        if not isinstance(fields, dict):
            continue
        if change.get("entity") == "person":
            if isinstance(change.get("row_id"), str):
                persons.add(change["row_id"])
            spec = fields.get("kundennummer")
            if isinstance(spec, dict) and isinstance(spec.get("v"), str):
                numbers.add(spec["v"])
        spec = fields.get("person_id")
        if isinstance(spec, dict) and isinstance(spec.get("v"), str):
            persons.add(spec["v"])
    batch = push.batch
    if batch.dialect == "postgresql" and numbers - batch.locked:
        # the same locks person_with_kundennummer takes, all at once and in key order (no deadlock between
        # two pushes), before the lookup: what it finds stays true until this push commits
        keys = sorted({_lock_key(push.who.org_id, n) for n in numbers - batch.locked})
        push.s.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"), {"keys": keys}
        )
        batch.locked |= numbers
    _fill(push, "person", "kundennummer", numbers)
    _fill(push, "case", "person_id", persons)


def _fill(push, entity: str, name: str, values: set[str]) -> None:
    cache = push.batch.db_cache
    todo = sorted(v for v in values if (f"{entity}.{name}", v) not in cache)
    if not todo:
        return
    for value in todo:
        cache[(f"{entity}.{name}", value)] = set()
    texts = [json.dumps(v) for v in todo]
    for start in range(0, len(texts), 1000):
        chunk = texts[start : start + 1000]
        rows = push.s.execute(
            text(f"SELECT row_id, value FROM srv_field WHERE entity = '{entity}' AND field = '{name}' AND value IN :v")
            .bindparams(bindparam("v", expanding=True)),
            {"v": chunk},
        ).fetchall()  # fmt: skip
        for row_id, value in rows:
            cache[(f"{entity}.{name}", json.loads(value))].add(row_id)


def _in_database(push, entity: str, name: str, value: str) -> set[str]:
    """Rows of ``entity`` whose ``name`` holds ``value`` in the database (cached for the push: what this
    push writes itself is looked up in the batch)."""
    key = (f"{entity}.{name}", value)
    if key not in push.batch.db_cache:
        _fill(push, entity, name, {value})
    return push.batch.db_cache[key]


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
