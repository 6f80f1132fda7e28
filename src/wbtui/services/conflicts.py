"""The review of sync conflicts (``sync_conflict``, written by :mod:`wbtui.sync.client`): ``wbtui sync
conflicts`` and the conflict screen.

Listing them shows field values, so it is audited like any list; resolving one is a write with its own
audit entry. "Keep" leaves the current value; "take the lost value" is an ordinary new write of the field
through :meth:`wbtui.services.Services.update_fields` (process rules, access check, sync recorder), then
the conflict is marked resolved.
"""

from __future__ import annotations

import json
import uuid
from typing import NamedTuple

from wbtui.domain import access as policy
from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.fields import FIELDS

CONFLICT_KINDS = ("concurrent_edit", "rejected_write", "access_lost")
SHOWN = 500


class Conflict(NamedTuple):
    """One open conflict; ``kept_value`` and ``lost_value`` are JSON as stored (``kept``/``lost`` decode them)."""

    conflict_id: str
    entity: str | None
    row_id: str | None
    field: str | None
    kind: str
    kept_value: str | None
    lost_value: str | None
    detail: str | None
    created_at: str | None = None

    @property
    def kept(self):
        return _decode(self.kept_value)

    @property
    def lost(self):
        return _decode(self.lost_value)

    @property
    def takeable(self) -> bool:
        """The lost value can be written again: a case field (not a write the server refused)."""
        return self.entity == "case" and self.field in FIELDS and self.kind != "rejected_write"

    def as_dict(self) -> dict:
        return {
            "id": self.conflict_id,
            "ref": self.conflict_id[:8],
            "kind": self.kind,
            "entity": self.entity,
            "row_id": self.row_id,
            "case_ref": self.row_id[:8] if self.entity == "case" and self.row_id else None,
            "field": self.field,
            "kept": self.kept,
            "lost": self.lost,
            "detail": self.detail,
            "created_at": self.created_at,
            "takeable": self.takeable,
        }


_COLUMNS = "conflict_id, entity, row_id, field, kind, kept_value, lost_value, detail, created_at"


def conflicts(services, *, limit: int = SHOWN) -> list[Conflict]:
    """Open conflicts, oldest first. They show values, so they are listed only for cases the user may read
    (the read policy, as every list) and the list is audited."""
    from wbtui.data import access

    services.require(policy.CASE_READ)
    subject = services.subject
    con = services.store.raw()
    try:
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM sync_conflict WHERE status = 'open' ORDER BY created_at, conflict_id LIMIT ?",
            (int(limit),),
        ).fetchall()
        scope = access.scope_for(con, subject)
        agentur = subject.role in policy.AGENTUR_ROLES
        shown = []
        for row in rows:
            case_id = _case_of(con, row[1], row[2])
            ref = access.case_ref(con, case_id, agentur) if case_id else None
            if case_id is None or ref is None or policy.scope_allows(scope, case_id, ref):
                shown.append(row)  # a case no longer here: the conflict holds this device's own write
    finally:
        con.close()
    services.audit_list("sync_conflict", len(shown))
    return [Conflict(*row) for row in shown]


def _case_of(con, entity: str | None, row_id: str | None) -> str | None:
    """The case a conflict's row belongs to (None when the row is not on this device)."""
    from wbtui.data.queries import case_id_for
    from wbtui.sync.protocol import REGISTER_TABLES

    if not entity or not row_id:
        return None
    if entity == "case":
        return row_id if con.execute("SELECT 1 FROM fbw_case WHERE id = ?", (row_id,)).fetchone() else None
    table = REGISTER_TABLES.get(entity) or ("case_event" if entity == "event" else None)
    if table is None:
        return None
    column = "person_id" if entity in ("person", "consent") else "case_id"
    if entity == "person":
        return case_id_for(con, "person", row_id)
    found = con.execute(f"SELECT {column} FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if found is None:
        return None
    return case_id_for(con, "consent", row_id, person_id=found[0]) if entity == "consent" else found[0]


def keep(services, ref: str) -> Conflict:
    """Keep the current value: the conflict is resolved, nothing else changes."""
    conflict = _find(services, ref)
    _resolve(services, conflict, "keep")
    return conflict


def take_lost(services, ref: str) -> Conflict:
    """Write the value that lost as a new change of the field, then resolve the conflict.

    Two transactions (the field write is the services' own unit); if the second fails the conflict
    stays open and taking it again writes nothing new, so a retry is safe."""
    conflict = _find(services, ref)
    if not conflict.takeable:
        raise WbtuiError("err.conflict_only_keep")
    value = conflict.lost
    services.update_fields(uuid.UUID(conflict.row_id), {conflict.field: "" if value is None else str(value)})
    _resolve(services, conflict, "take_lost")
    return conflict


def _find(services, ref: str) -> Conflict:
    """An open conflict by its id or an unambiguous start of it (lists show eight characters)."""
    policy.require(services.actor.role, policy.CASE_WRITE)
    ref = ref.strip()
    con = services.store.raw()
    try:
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM sync_conflict WHERE status = 'open' AND (conflict_id = ? OR"
            " (length(?) >= 4 AND substr(conflict_id, 1, length(?)) = ?)) LIMIT 2",
            (ref, ref, ref, ref),
        ).fetchall()
    finally:
        con.close()
    exact = [row for row in rows if row[0] == ref]
    if exact:
        found = Conflict(*exact[0])
    elif not rows:
        raise NotFound("err.conflict_not_found", ref=ref[:16])
    elif len(rows) > 1:
        raise WbtuiError("err.ambiguous_ref", ref=ref[:16])
    else:
        found = Conflict(*rows[0])
    con = services.store.raw()
    try:
        case_id = _case_of(con, found.entity, found.row_id)
    finally:
        con.close()
    if case_id is not None:
        services.check_read(uuid.UUID(case_id))  # a conflict of a case outside the scope stays closed
    return found


def _resolve(services, conflict: Conflict, how: str) -> None:
    from wbtui.data import audit

    who = services.who
    case_id = conflict.row_id if conflict.entity == "case" else None
    fields = [conflict.field] if conflict.field else []
    with services.store.transaction() as con:
        con.execute(
            "UPDATE sync_conflict SET status = 'resolved' WHERE conflict_id = ? AND status = 'open'",
            (conflict.conflict_id,),
        )
        audit.append(
            con,
            who,
            "update",
            "sync_conflict",
            object_id=conflict.conflict_id,
            case_id=case_id,
            groups=audit.data_groups("fbw_case", fields) if case_id else (),
            fields=fields,
            detail=f"{how}; {conflict.kind}",
        )


def _decode(value: str | None):
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value
