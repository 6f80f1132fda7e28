"""Keeping each referral grant's coverage current (the data groups of :mod:`wbtui.domain.projection`).

Coverage depends on the case's legal basis and the person's consents. After a push that changed
either, every referral holder of the affected cases gets the difference at once: a fresh snapshot of
what is newly covered, or a ``retract`` entry naming the rows and fields its devices must delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wbtui.domain.entities import PERSON_CHILDREN
from wbtui.domain.projection import coverage_lapses_on, covered_groups
from wbtui.server.batch import Register, as_date
from wbtui.server.feed import REFERRAL, Grant, feed_row, project_set, project_snapshot


@dataclass(frozen=True)
class ConsentTerms:
    """A consent as the server sees it in its registers (the coverage rule reads these attributes)."""

    purpose: str
    recipients: list
    data_groups: list
    given_on: date
    valid_until: date | None
    revoked_on: date | None


def consent_terms(rows: list[dict]) -> list[ConsentTerms]:
    out = []
    for v in rows:
        given = as_date(v.get("given_on"))
        if given is None or not isinstance(v.get("purpose"), str):
            continue
        out.append(
            ConsentTerms(
                v["purpose"],
                list(v.get("recipients") or []),
                list(v.get("data_groups") or []),
                given,
                as_date(v.get("valid_until")),
                as_date(v.get("revoked_on")),
            )  # fmt: skip
        )
    return out


def groups_for(push, case_id: str, day: date) -> frozenset[str]:
    legal_basis = push.batch.field(("case", case_id), "legal_basis")
    return covered_groups(legal_basis, consent_terms(push.consents_of(case_id)), day)


def referral_for(push, case_id: str, day: date) -> Grant:
    """A referral grant as the case's basis and consents cover it on ``day``, with the day it lapses."""
    legal_basis = push.batch.field(("case", case_id), "legal_basis")
    terms = consent_terms(push.consents_of(case_id))
    return Grant(REFERRAL, covered_groups(legal_basis, terms, day), coverage_lapses_on(legal_basis, terms, day))


def lapsed_cases(push) -> set[str]:
    """Cases of this push holding a referral grant whose consent ran out by its date since it was cut."""
    day = push.today(None)
    return {c for c, holders in push.batch.grants.items() if any(g.access == REFERRAL and g.lapsed(day) for g in holders.values())}  # fmt: skip


def snapshot(push, case_id: str) -> tuple[dict, dict]:
    """The whole case as the server holds it now: rows with their clocks, the appended events; and the
    row metadata the projection needs (built by :func:`wbtui.server.snapshot.case_snapshot`, which the
    bootstrap snapshot shares)."""
    from wbtui.server.snapshot import case_snapshot

    batch = push.batch
    person_id, _ = push.person_of(case_id)
    rows = set(batch.case_rows.get(case_id, ()))
    if isinstance(person_id, str):
        rows.add(("person", person_id))
    if isinstance(person_id, str):
        for entity in PERSON_CHILDREN:  # the person's consents, qualifications and work history
            rows |= set(batch.rows_where(entity, "person_id", person_id))
    # the registers themselves: a scalar they hold decoded already is not decoded again (a first upload hands
    # over hundreds of cases in one push); a list or object is decoded afresh for the snapshot's own copy
    regs = {row: {f: (r, r.hlc) for f, r in batch.regs.get(row, {}).items()} for row in rows}
    appends = [
        (e, r, item["data"], item["hlc"])
        for e, r in batch.case_rows.get(case_id, ())
        if (item := batch.appends.get((e, r))) is not None and item["case_id"] == case_id
    ]
    return case_snapshot(case_id, rows, regs, batch.rows, appends, decode=Register.decoded)


def send_snapshot(push, case_id: str, org_id: str, grant: Grant, kind: str = "grant") -> None:
    snap, metas = snapshot(push, case_id)
    push.batch.emit("feed", feed_row(org_id, kind, None, None, case_id, project_snapshot(snap, grant, metas, org_id)))


def settle(push) -> None:
    """Bring every referral grant of the cases whose basis or consents changed in this push up to date."""
    batch = push.batch
    for case_id in sorted(push.coverage_dirty | lapsed_cases(push)):
        day = push.today(None)
        new_grant = referral_for(push, case_id, day)
        new_groups = new_grant.groups
        for org_id, grant in list(batch.grants.get(case_id, {}).items()):
            if grant.access != REFERRAL or grant == new_grant:
                continue
            widened, narrowed = new_groups - grant.groups, grant.groups - new_groups
            batch.set_grant(case_id, org_id, new_grant)
            if narrowed:
                _retract(push, case_id, org_id, grant, new_grant)
            if widened:
                send_snapshot(push, case_id, org_id, new_grant)


def _retract(push, case_id: str, org_id: str, old: Grant, new: Grant) -> None:
    """Rows and fields the holder received under the old coverage and may not keep under the new one."""
    snap, metas = snapshot(push, case_id)
    rows: list = []
    fields: list = []
    recut: list = []
    for row in snap["rows"]:
        key = (row["entity"], row["row_id"])
        before = project_set(row["entity"], row["fields"], old, metas.get(key), org_id) or {}
        after = project_set(row["entity"], row["fields"], new, metas.get(key), org_id) or {}
        if before and not after:
            rows.append(list(key))
        else:
            fields += [[key[0], key[1], name] for name in before if name not in after]
            # a field covered only in part now (the handover package, cut again): its new cut replaces it
            recut += [[key[0], key[1], name, after[name]["v"]] for name in before
                      if name in after and after[name] != before[name]]  # fmt: skip
    events = [[a["entity"], a["row_id"]] for a in snap["appends"] if a["data"] is not None]
    from wbtui.server.feed import project_append

    gone_events = [e for e, a in zip(events, snap["appends"], strict=True)
                   if project_append(a["entity"], a["data"], old, metas.get((a["entity"], a["row_id"])), org_id) is not None
                   and project_append(a["entity"], a["data"], new, metas.get((a["entity"], a["row_id"])), org_id) is None]  # fmt: skip
    if rows or fields or gone_events or recut:
        payload = {"rows": rows + gone_events, "fields": fields, "recut": recut}
        push.batch.emit("feed", feed_row(org_id, "retract", None, None, case_id, payload))


def _load(value):
    import json

    return json.loads(value) if value else None
