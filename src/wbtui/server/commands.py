"""Server-validated commands: changes of who holds a case, never plain field writes.

* ``handover.send`` — the Jobcenter that owns the case hands it to an Agentur: the handover rule of
  :mod:`wbtui.domain.process` is checked on the server's own view, then the Agentur gets a referral
  grant and a snapshot cut to what the consent covers.
* ``handover.revoke`` — the owner withdraws an Agentur's access: its devices delete the case, later
  writes are refused, and no pull returns the case's content to it again.
* ``case.purge`` — retention: the owner's caseworkers (once the shortest retention period has passed since
  the server saw the case closed) or its data-protection officer erase the case on the server and on
  every device that held it (:func:`wbtui.domain.retention.purge_refusal`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlmodel import col

from wbtui.domain import process
from wbtui.domain.access import CASE_ROLES
from wbtui.domain.entities import PERSON_CHILDREN
from wbtui.domain.permissions import side_of
from wbtui.domain.retention import purge_refusal
from wbtui.domain.text import has_control
from wbtui.server.batch import as_datetime
from wbtui.server.feed import OWNER, REFERRAL, feed_row
from wbtui.server.models import SrvOrg, now
from wbtui.server.office_time import OFFICE_TZ
from wbtui.sync.hlc import decode

PURGE_ROLES = CASE_ROLES | {"dsb"}
MAX_ARG = 200  # characters of one command argument (an organisation's name is at most this long)


def run(push, unit) -> None:
    from wbtui.server.rejection import Rejected

    for name, case_id, args in unit.commands:
        handler = HANDLERS.get(name)
        if handler is None:
            raise Rejected("schema", field="command")
        for key, value in args.items():  # names of offices, reasons: one line of text each, or nothing
            if value is not None and (
                not isinstance(value, str) or len(value) > MAX_ARG or has_control(value, multiline=False)
            ):
                raise Rejected("validation", field=str(key)[:40])
        roles = PURGE_ROLES if name == "case.purge" else CASE_ROLES
        grant = push.batch.grants.get(case_id, {}).get(push.who.org_id)
        if push.who.role not in roles or grant is None or grant.access != OWNER:
            raise Rejected("forbidden", field="command")  # only the owning office hands over, withdraws or erases
        if name != "case.purge" and side_of(push.who.role) != process.JC:
            raise Rejected("forbidden", field="command")
        handler(push, unit, case_id, args)


def _handover_send(push, unit, case_id: str, args: dict) -> None:
    from wbtui.server import coverage
    from wbtui.server.rejection import Rejected

    if push.agencies is None:  # once per push: the Agenturen by name (a first upload sends many handovers)
        found = push.s.execute(select(SrvOrg).where(col(SrvOrg.kind) == "agentur")).scalars().all()
        push.agencies = {org.name: org for org in found}
    agencies = push.agencies
    target = agencies.get(args.get("to_org")) if isinstance(args.get("to_org"), str) else None
    if target is None:
        raise Rejected("validation", field="to_org")
    stage = push.batch.field(("case", case_id), "stage")
    before = process.Stage(stage) if stage in process.Stage.__members__.values() else process.Stage.NEED_IDENTIFIED
    reasons = process.handover_readiness(push.facts(case_id, unit, stage=before))
    if reasons:
        raise Rejected("transition", guard=reasons[0][0])
    holders = push.batch.grants.setdefault(case_id, {})
    if target.id in holders:
        return
    grant = coverage.referral_for(push, case_id, push.today(unit))
    push.batch.set_grant(case_id, target.id, grant)
    coverage.send_snapshot(push, case_id, target.id, grant)
    _audit(push, "grant", {"case": case_id, "to": target.id})


def _handover_revoke(push, unit, case_id: str, args: dict) -> None:
    targets = [org for org, g in push.batch.grants.get(case_id, {}).items() if g.access == REFERRAL]
    if args.get("to_org"):
        org = push.s.execute(select(SrvOrg).where(SrvOrg.name == args["to_org"])).scalars().first()
        targets = [t for t in targets if org is not None and t == org.id]
    reason = str(args.get("reason") or "handover_revoked")[:40]
    for org_id in targets:
        revoke(push.s, push.batch, case_id, org_id, reason=reason)
        _audit(push, "revoke", {"case": case_id, "org": org_id, "reason": reason})


def _case_purge(push, unit, case_id: str, args: dict) -> None:
    from wbtui.server.rejection import Rejected

    closed = json.dumps(process.Stage.CLOSED.value)
    if push.batch.field(("case", case_id), "stage") != process.Stage.CLOSED.value:
        raise Rejected("transition", guard="guard.purge_open_case")  # retention erases closed cases only
    loaded = push.batch.loaded.get(("case", case_id, "stage"))
    closed_before = loaded is not None and loaded[0] == closed  # not closed by this very push (F4)
    refusal = purge_refusal(
        push.who.role, closed_before=closed_before, today=push.today(unit),
        closed_on=_closed_on(push, case_id) if closed_before else None,
    )  # fmt: skip
    if refusal:
        raise Rejected("transition", guard="guard.purge_retention", problem=refusal)
    reason = str(args.get("reason") or "retention")[:40]
    holders = purge(push.s, push.batch, case_id, reason=reason)
    _audit(push, "purge", {"case": case_id, "orgs": holders, "reason": reason})


def _closed_on(push, case_id: str) -> date | None:
    """The day the case was closed as the server saw it: when it received the change that set the stage (a
    device names any past in its closing time and clock); for a stage written before the server kept that,
    the later of the two."""
    row = push.s.execute(
        text(
            "SELECT f.hlc, a.received_at FROM srv_field f LEFT JOIN srv_applied a ON a.change_id = f.origin"
            " WHERE f.entity = 'case' AND f.row_id = :case AND f.field = 'stage'"
        ),
        {"case": case_id},
    ).first()
    received = None if row is None else row[1] if isinstance(row[1], datetime) else as_datetime(row[1])
    moments = [received] if received is not None else [
        as_datetime(push.batch.field(("case", case_id), "closed_at")),
        datetime.fromtimestamp(decode(row[0])[0] / 1000, UTC) if row is not None and row[0] else None,
    ]  # fmt: skip
    known = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(known).astimezone(OFFICE_TZ).date() if known else None


HANDLERS = {"handover.send": _handover_send, "handover.revoke": _handover_revoke, "case.purge": _case_purge}


def revoke(s, batch, case_id: str, org_id: str, *, reason: str) -> None:
    """Withdraw one organisation's access: a ``revoke`` entry for its devices, and the content of what its
    feed held of the case erased (a pull from the start must not find it)."""
    batch.set_grant(case_id, org_id, None)
    batch.emit("feed", feed_row(org_id, "revoke", None, None, case_id, {"reason": reason}))
    s.execute(
        text("UPDATE srv_feed SET kind = 'erased', entity = NULL, row_id = NULL, payload = '{}'"
             " WHERE case_id = :case AND org_id = :org AND kind NOT IN ('revoke', 'purge')"),
        {"case": case_id, "org": org_id},
    )  # fmt: skip


def purge(s, batch, case_id: str, *, reason: str) -> int:
    """Erase a case on the server (values, history, old feed entries) and tell every holder."""
    holders = sorted(batch.grants.get(case_id, {}))
    _hand_on_shared_rows(s, batch, case_id)
    for table in ("srv_field",):
        s.execute(
            text(f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM srv_row_case r WHERE r.entity = {table}.entity"
                 f" AND r.row_id = {table}.row_id AND r.case_id = :case)"),
            {"case": case_id},
        )  # fmt: skip
    for table in ("srv_row_case", "srv_append", "srv_grant", "srv_conflict"):
        s.execute(text(f"DELETE FROM {table} WHERE case_id = :case"), {"case": case_id})
    s.execute(
        text("UPDATE srv_feed SET kind = 'erased', entity = NULL, row_id = NULL, payload = '{}'"
             " WHERE case_id = :case AND kind NOT IN ('revoke', 'purge')"),
        {"case": case_id},
    )  # fmt: skip
    batch.forget_case(case_id)
    s.execute(text("INSERT INTO srv_purged (case_id, purged_at) VALUES (:case, :at)"), {"case": case_id, "at": now()})
    for org_id in holders:
        batch.emit("feed", feed_row(org_id, "purge", None, None, case_id, {"reason": reason}))
    return len(holders)


def _hand_on_shared_rows(s, batch, case_id: str) -> None:
    """A person (and the person's consents) is filed under the first case taken in for it. When that
    case is erased while another case of the person remains, the rows and their feed entries move to
    that case instead of being erased (a device reading the feed from the start still gets the person
    before the case that refers to it)."""
    person_id = batch.field(("case", case_id), "person_id")
    if not isinstance(person_id, str):
        return
    rows = s.execute(
        text("SELECT row_id FROM srv_field WHERE entity = 'case' AND field = 'person_id' AND value = :v"),
        {"v": json.dumps(person_id)},
    ).fetchall()
    others = sorted(r for (r,) in rows if r != case_id)
    batch.load_cases(others)
    # only a case of the same owning office inherits (a case another office filed for the person never does)
    owners = {org for org, g in batch.grants.get(case_id, {}).items() if g.access == OWNER}
    others = [c for c in others if c not in batch.purged and ("case", c) in batch.rows
              and owners & {org for org, g in batch.grants.get(c, {}).items() if g.access == OWNER}]  # fmt: skip
    if not others:
        return
    heir = others[0]
    shared = [
        row for row, meta in batch.rows.items() if meta.case_id == case_id and row[0] in ("person", *PERSON_CHILDREN)
    ]
    for entity, row_id in shared:
        for table in ("srv_row_case", "srv_feed"):
            s.execute(
                text(f"UPDATE {table} SET case_id = :heir WHERE case_id = :case AND entity = :e AND row_id = :r"),
                {"heir": heir, "case": case_id, "e": entity, "r": row_id},
            )
        meta = batch.rows[(entity, row_id)]
        batch.case_rows.get(case_id, set()).discard((entity, row_id))
        batch.rows[(entity, row_id)] = type(meta)(heir, meta.org_id, meta.art9)
        batch.case_rows.setdefault(heir, set()).add((entity, row_id))


def _audit(push, kind: str, detail: dict) -> None:
    push.batch.emit(
        "audit",
        {
            "org_id": push.who.org_id,
            "user_id": push.who.user_id,
            "kind": kind,
            "at": now(),
            "detail": json.dumps(detail),
        },
    )
