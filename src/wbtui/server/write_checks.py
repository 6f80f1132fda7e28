"""The checks of one pushed transaction that look at more than one field: who opens a case and with whose
person, what a row refers to, what the timeline says, the handover's answer, whom a follow-up is given to
(README "The server is the authority"; the rules themselves: :mod:`wbtui.domain.permissions`).

:func:`check_cases` runs before the field permissions, :func:`check_rows` after them; both raise
:class:`~wbtui.server.rejection.Rejected` and the whole transaction is refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, text

from wbtui.domain.entities import ART9_CODES, ENTITIES, OFFICE_SCOPE, PERSON_CHILDREN
from wbtui.domain.permissions import (
    HANDOVER_STEP_FIELDS,
    case_creation_refusal,
    event_refusal,
    handover_step_refusal,
    side_of,
    step_event_refusal,
    task_owner_refusal,
)
from wbtui.domain.process import Stage
from wbtui.domain.upload import upload_event_refusal
from wbtui.server.batch import as_datetime
from wbtui.server.feed import OWNER, RowMeta
from wbtui.server.rejection import Rejected
from wbtui.sync.hlc import MAX_DRIFT_MS, decode


def _stage(push, case_id: str) -> Stage | None:
    value = push.batch.field(("case", case_id), "stage")
    return Stage(value) if isinstance(value, str) and value in Stage.__members__.values() else None


def _marked(unit, entity: str, row_id: str) -> bool:
    return any(w[4] for w in unit.writes if w[0] == entity and w[1] == row_id)


def owns(push, case_id: str) -> bool:
    grant = push.batch.grants.get(case_id, {}).get(push.who.org_id)
    return grant is not None and grant.access == OWNER


def check_cases(push, unit) -> None:
    """Every case the transaction writes to exists on the server after it; a case it opens is opened by the
    Jobcenter in the first stage (or is an honoured first upload), for a person of its own."""
    batch = push.batch
    written = {w[3] for w in unit.writes} | {c for c, _d, _m in unit.appended}
    for case_id in sorted(c for c in written if not c.startswith(OFFICE_SCOPE)):
        if ("case", case_id) not in batch.rows:
            raise Rejected("invalid", field="case_id", problem="unknown_case")  # a row needs its case (F2)
        if ("case", case_id) not in unit.new_rows:
            continue
        if not push.upload_honoured(unit, case_id, _marked(unit, "case", case_id)):
            refusal = case_creation_refusal(push.who.role, _stage(push, case_id))
            if refusal:
                raise Rejected("permission", field="case.stage", problem=refusal)
        person_id = batch.field(("case", case_id), "person_id")
        if not _own_person(push, unit, person_id):
            raise Rejected("invalid", field="case.person_id", problem="foreign_person")


def _own_person(push, unit, person_id) -> bool:
    """A person created in this transaction, or one filed under a case the writer's office owns (F1: never
    another office's person, whose consents and data would then be reachable through the new case)."""
    if not isinstance(person_id, str):
        return False
    row = ("person", person_id)
    push.batch.load_rows([row])
    meta = push.batch.rows.get(row)
    if meta is None:
        return False
    push.batch.load_cases([meta.case_id])  # who owns the case the person is filed under
    return row in unit.new_rows or owns(push, meta.case_id)


def check_rows(push, unit) -> None:
    _check_references(push, unit)
    _check_obstacles(push, unit)
    _check_events(push, unit)
    _check_handovers(push, unit)
    _check_tasks(push, unit)


def _written_rows(unit) -> dict[tuple[str, str], set[str]]:
    """The rows the transaction wrote and their fields, sorted by row; gathered once per transaction (four
    checks read it; :func:`check_rows` runs after every field is written, so it no longer changes)."""
    if unit.written_rows is not None:
        return unit.written_rows
    rows: dict[tuple[str, str], set[str]] = {}
    for entity, row_id, name, case_id, _flag in unit.writes:
        if not case_id.startswith(OFFICE_SCOPE):
            rows.setdefault((entity, row_id), set()).add(name)
    unit.written_rows = dict(sorted(rows.items()))
    return unit.written_rows


def _check_references(push, unit) -> None:
    """A row's parent reference names the case (or the case's person) the row is filed under: a row pointing
    elsewhere would break every device that stores it (its foreign keys), F2."""
    batch = push.batch
    for row, names in _written_rows(unit).items():
        entity = row[0]
        meta = batch.rows[row]
        new = row in unit.new_rows
        if "case_id" in ENTITIES[entity].cols and (new or "case_id" in names):
            if batch.field(row, "case_id") != meta.case_id:
                raise Rejected("invalid", field=f"{entity}.case_id", problem="parent")
        if entity in PERSON_CHILDREN and (new or "person_id" in names):
            if batch.field(row, "person_id") != batch.field(("case", meta.case_id), "person_id"):
                raise Rejected("invalid", field=f"{entity}.person_id", problem="parent")
        if entity == "appointment" and (new or "moved_from" in names):
            _check_moved_from(push, row, meta.case_id)


def _check_moved_from(push, row: tuple[str, str], case_id: str) -> None:
    """An appointment moved from another names an earlier appointment of its own case: a reference to
    another case's would show that case's appointment (its day, its kind) on every device of this one."""
    earlier = push.batch.field(row, "moved_from")
    if earlier is None:
        return
    other = ("appointment", earlier)
    push.batch.load_rows([other])  # an appointment of the case on the server, or one of this transaction
    meta = push.batch.rows.get(other)
    if earlier == row[1] or meta is None or meta.case_id != case_id:
        raise Rejected("invalid", field="appointment.moved_from", problem="reference")


def _check_obstacles(push, unit) -> None:
    """Whether an obstacle is health data follows from its code, on every write of the code (F5): a built-in
    health code is never stored as ordinary data, and the row's flag the projection reads is the server's."""
    batch = push.batch
    for row, names in _written_rows(unit).items():
        if row[0] != "obstacle" or not ({"code", "art9"} & names or row in unit.new_rows):
            continue
        code, flag = batch.field(row, "code"), batch.field(row, "art9")
        if code in ART9_CODES and not flag:
            raise Rejected("invalid", field="obstacle.art9", problem="art9_flag")  # as domain/entities.py check_row
        meta = batch.rows[row]
        if (code in ART9_CODES or bool(flag)) and not meta.art9:
            batch.bind(row, RowMeta(meta.case_id, meta.org_id, True))


def _latest(unit) -> datetime:
    """The latest time a write of this transaction may name: its clock (never ahead of the server's) plus
    the drift window."""
    server = datetime.now(UTC)
    if unit.max_hlc:
        server = min(server, datetime.fromtimestamp(decode(unit.max_hlc)[0] / 1000, UTC))
    return server + timedelta(milliseconds=MAX_DRIFT_MS)


def _not_later(value, latest: datetime) -> bool:
    moment = as_datetime(value)
    if moment is None:
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment <= latest


def _check_events(push, unit) -> None:
    """Timeline entries (F3): by the side whose entry it is, written by the token's login, not dated after
    the transaction's clock, and a step only with its transition as the server sees it."""
    role, latest = push.who.role, _latest(unit)
    for case_id, data, marked in unit.appended:
        if push.upload_honoured(unit, case_id, marked):
            # an uploaded store's history as it was recorded (the case is new to the server), but only the
            # office's own entries, never by another office's login (attack 2 F3, domain/upload.py)
            actor = data.get("actor")
            orgs = _logins(push, {actor}) if isinstance(actor, str) else {}
            other = frozenset(a for a, org in orgs.items() if org != push.who.org_id)
            refusal = upload_event_refusal(data.get("type", ""), actor, side=side_of(role), other_logins=other)
            if refusal and push.upload_window():
                # an upload window the administrator opened: the other office's entries too, by its logins only
                # when that office is one a Jobcenter hands over to (an Agentur), never another Jobcenter's
                other = other - _agentur_logins(push, orgs)
                refusal = upload_event_refusal(data.get("type", ""), actor, side=side_of(role), other_logins=other,
                                               window=True)  # fmt: skip
                if refusal is None:
                    push.window_taken(unit, case_id)
            if refusal:
                raise Rejected("permission", field=f"event.{data.get('type')}", problem=refusal)
            continue
        data["actor"] = push.who.login
        kind = data["type"]
        refusal = event_refusal(kind, role=role, stage=unit.stage_before.get(case_id))
        refusal = refusal or step_event_refusal(
            kind, data.get("from_stage"), data.get("to_stage"), stage_before=unit.stage_before.get(case_id),
            stage_after=_stage(push, case_id), new_case=("case", case_id) in unit.new_rows,
        )  # fmt: skip
        if refusal:
            raise Rejected("permission", field=f"event.{kind}", problem=refusal)
        if not _not_later(data.get("at"), latest):
            raise Rejected("clock", field="event.at")


def _check_handovers(push, unit) -> None:
    """The handover's status and acknowledgement (F4): a new handover is sent, and only the Agentur's
    acknowledgement or query of a sent handover changes it, acknowledged by the token's login."""
    batch = push.batch
    for row, names in _written_rows(unit).items():
        if row[0] != "handover":
            continue
        case_id = batch.rows[row].case_id
        if push.upload_honoured(unit, case_id, _marked(unit, *row)):
            continue
        if row in unit.new_rows:
            if batch.field(row, "status") != "sent":
                raise Rejected("permission", field="handover.status", problem="process")
            continue
        if not names & HANDOVER_STEP_FIELDS:
            continue
        loaded = batch.loaded.get((*row, "status"))
        refusal = handover_step_refusal(
            json.loads(loaded[0]) if loaded and loaded[0] else None, batch.field(row, "status"),
            stage_before=unit.stage_before.get(case_id), stage_after=_stage(push, case_id),
            acknowledged_by=batch.field(row, "acknowledged_by"), login=push.who.login,
        )  # fmt: skip
        if refusal:
            raise Rejected("permission", field="handover.status", problem=refusal)
        if not _not_later(batch.field(row, "acknowledged_at"), _latest(unit)):
            raise Rejected("clock", field="handover.acknowledged_at")


def _check_tasks(push, unit) -> None:
    """A follow-up goes to a login of the writer's own office or its team inbox (F8)."""
    batch = push.batch
    owners = {
        row: batch.field(row, "owner")
        for row, names in _written_rows(unit).items()
        if row[0] == "task" and ("owner" in names or row in unit.new_rows)
    }
    if not owners:
        return
    logins = _logins(push, {o for o in owners.values() if isinstance(o, str)})
    own = frozenset(login for login, org in logins.items() if org == push.who.org_id)
    other = frozenset(login for login, org in logins.items() if org != push.who.org_id)
    for row, owner in sorted(owners.items()):
        refusal = task_owner_refusal(owner, own_logins=own, other_logins=other,
                                     owner_of_case=owns(push, batch.rows[row].case_id))  # fmt: skip
        if refusal:
            raise Rejected("permission", field="task.owner", problem=refusal)


def _logins(push, names: set[str]) -> dict[str, str]:
    """The organisation of each of these logins the server knows (cached for the push)."""
    cache: dict[str, str | None] = push.__dict__.setdefault("login_orgs", {})
    todo = sorted(n for n in names if n not in cache)
    if todo:
        for name in todo:
            cache[name] = None
        found = push.s.execute(
            text("SELECT login, org_id FROM srv_user WHERE login IN :names").bindparams(
                bindparam("names", expanding=True)
            ),
            {"names": todo},
        ).fetchall()
        cache.update({str(login): str(org) for login, org in found})
    return {n: org for n in names if (org := cache.get(n)) is not None}


def _agentur_logins(push, orgs: dict[str, str]) -> frozenset[str]:
    """Those of these logins (login -> organisation) that belong to an Agentur (cached for the push)."""
    if push.agencies is None:  # once per push, shared with server.commands (the handover's target)
        from sqlmodel import col, select

        from wbtui.server.models import SrvOrg

        found = push.s.execute(select(SrvOrg).where(col(SrvOrg.kind) == "agentur")).scalars().all()
        push.agencies = {org.name: org for org in found}
    agentur_ids = {org.id for org in push.agencies.values()}
    return frozenset(login for login, org in orgs.items() if org in agentur_ids)
