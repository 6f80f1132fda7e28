"""The ORM hook of the audit trail (:mod:`wbtui.data.audit`): every insert, update and delete of a write
session is recorded with field names and data groups in the same transaction (:meth:`wbtui.data.store.Store.session`
installs it)."""

from __future__ import annotations

import uuid

from wbtui.data.audit import SYSTEM, Who, append, data_groups

_SKIP_FIELDS = {"id", "created_at", "updated_at"}


def before_flush(session, _flush_context, _instances) -> None:
    """Record every insert, update and delete of the flush with field names and data groups."""
    from sqlalchemy import inspect

    from wbtui.data.queries import case_id_for

    who: Who = session.info.get("audit_who") or SYSTEM
    conn = session.connection()
    changes = (
        [("create", obj) for obj in session.new]
        + [("update", obj) for obj in session.dirty]
        + [("delete", obj) for obj in session.deleted]
    )
    for action, obj in changes:
        table = getattr(obj, "__tablename__", None)
        if table is None:
            continue
        state = inspect(obj)
        if action == "update":
            fields = [a.key for a in state.mapper.column_attrs if state.attrs[a.key].history.has_changes()]
            fields = [f for f in fields if f not in _SKIP_FIELDS]
            if not fields:
                continue
        elif action == "create":
            fields = [
                a.key
                for a in state.mapper.column_attrs
                if getattr(obj, a.key) is not None and a.key not in _SKIP_FIELDS
            ]
        else:
            fields = []
        row_id = obj.id.hex if isinstance(getattr(obj, "id", None), uuid.UUID) else str(getattr(obj, "id", ""))
        case_id = None
        if table not in ("organisation", "app_user", "absence"):
            person_id, direct = getattr(obj, "person_id", None), getattr(obj, "case_id", None)
            entity = {"fbw_case": "case", "person": "person", "consent": "consent"}.get(table, table)
            case_id = case_id_for(
                conn, entity, row_id, person_id.hex if person_id else None, direct.hex if direct else None
            )
        append(
            conn,
            who,
            action,
            table,
            object_id=row_id,
            case_id=case_id,
            groups=data_groups(table, fields, art9=bool(getattr(obj, "art9", False))),
            fields=fields,
        )
