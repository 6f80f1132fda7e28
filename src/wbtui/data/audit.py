"""The audit trail (Protokollierung, § 67c Abs. 4 SGB X): who read or wrote which record, when,
which data group, for which purpose.

* Every entry is chained to the one before: ``hash = HMAC-SHA-256(key, prev_hash ‖ canonical JSON)``
  with a key kept outside the store (:mod:`wbtui.data.audit_key`; entries from before keying: plain
  SHA-256), so changing, inserting or removing an entry is detectable (:func:`verify`). The newest
  entry is anchored outside the store (a signed side file, and the server at each sync), so deleting
  the newest entries or emptying the table is detectable too. Triggers refuse UPDATE and DELETE.
* Writes are recorded in the same transaction as the change (a ``before_flush`` hook on every
  ORM session, :mod:`wbtui.data.audit_hook`), reads in a write transaction of their own *before* the
  data is returned: if the audit entry cannot be written, the action fails (fail closed).
* Entries hold field *names* and data groups, never values: no health content, no names. Free
  text a user gives (a purpose, a break-glass or hold reason) is not part of the entry: the entry says
  ``note`` and the text waits in ``audit_note``, which is deleted with the case (retention).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from wbtui.data.audit_chain import GENESIS, HASHED, entry_hash, next_seq
from wbtui.data.sql import execute
from wbtui.domain.errors import WbtuiError


class AuditFailed(WbtuiError):
    """The audit entry could not be written, so the action it describes did not happen."""


ACTIONS = (
    "read",
    "list",
    "search",
    "create",
    "update",
    "delete",
    "export",
    "print",
    "copy",
    "reveal_art9",
    "break_glass",
    "denied",
    "report",
    "retention",
    "subject_access",
    "import",
    "sync_apply",
    "lookup",  # a Kundennummer found on record (services/known_person.py)
)


@dataclass(frozen=True)
class Who:
    """The person (and front end) an entry is attributed to."""

    login: str
    role: str
    org: str | None = None
    channel: str = "cli"


SYSTEM = Who("system", "system", None, "internal")
SYNC = Who("sync", "server", None, "sync")  # changes received from the central server

_PERSON_GROUPS = {
    "kundennummer": "stammdaten",
    "bg_nummer": "stammdaten",
    "family_name": "stammdaten",
    "given_names": "stammdaten",
    "birth_date": "stammdaten",
    "address": "stammdaten",
    "phone": "stammdaten",
    "email": "stammdaten",
    "preferred_language": "qualifikation",
    "needs_interpreter": "qualifikation",
    "german_level_cefr": "qualifikation",
    "school_certificate": "qualifikation",
}
_TABLE_GROUPS = {
    "vocational_qualification": "qualifikation",
    "work_episode": "qualifikation",
    "fbw_case": "weiterbildung",
    "consent": "einwilligung",
    "handover": "uebergabe",
    "appointment": "beratung",
    "voucher": "beratung",
    "course": "beratung",
    "enrolment": "beratung",
    "conference": "fallkonferenz",
    "conference_participant": "fallkonferenz",
    "task": "wiedervorlage",
    "case_event": "verlauf",
    "organisation": "verwaltung",
    "app_user": "verwaltung",
    "absence": "verwaltung",
}


def data_groups(table: str, fields: list[str], *, art9: bool = False) -> list[str]:
    """The data groups a change or read touches (the consent vocabulary, plus technical groups)."""
    if table == "obstacle":
        return ["gesundheit" if art9 else "hemmnisse"]
    if table == "person":
        return sorted({_PERSON_GROUPS[f] for f in fields if f in _PERSON_GROUPS} or {"stammdaten"})
    if table == "fbw_case":
        groups = {"gesundheit" if f == "health_limits_summary" else "weiterbildung" for f in fields}
        return sorted(groups or {"weiterbildung"})
    return [_TABLE_GROUPS.get(table, table)]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


NOTE = "note"  # the purpose or reason column of an entry whose free text is kept in audit_note


def append(
    conn,
    who: Who,
    action: str,
    object_type: str,
    *,
    object_id: str | None = None,
    case_id: str | None = None,
    groups: list[str] | tuple[str, ...] = (),
    fields: list[str] | tuple[str, ...] = (),
    purpose: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
    outcome: str = "ok",
) -> str:
    """Append one entry inside the caller's (write) transaction; returns its hash."""
    if action not in ACTIONS:
        raise ValueError(action)
    try:
        return _append(
            conn, who, action, object_type, object_id, case_id, groups, fields, purpose, reason, detail, outcome
        )
    except AuditFailed:
        raise
    except Exception:
        raise AuditFailed("err.audit_failed") from None


def _append(
    conn, who, action, object_type, object_id, case_id, groups, fields, purpose, reason, detail, outcome
) -> str:
    from wbtui.data.audit_key import load, load_or_create, store_id_of
    from wbtui.domain.text import clean_opt

    notes = {"reason": clean_opt(reason, multiline=True), "purpose": clean_opt(purpose, multiline=True)}
    row = execute(conn, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev = row[1] if row else GENESIS
    store_id = store_id_of(conn)
    key = (load(store_id) or load_or_create(conn, store_id, next_seq(conn))) if store_id else None
    entry_id = uuid.uuid4().hex
    entry = {
        "id": entry_id,
        "at": _now(),
        "actor": who.login,
        "role": who.role,
        "org": who.org,
        "channel": who.channel,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "case_id": case_id,
        "data_groups": json.dumps(sorted(set(groups))),
        "fields": json.dumps(sorted(set(fields))),
        "purpose": NOTE if notes["purpose"] else None,
        "reason": NOTE if notes["reason"] else None,
        "detail": detail,
        "outcome": outcome,
    }
    digest = entry_hash(prev, entry, key)
    columns = ", ".join(HASHED)
    execute(
        conn,
        f"INSERT INTO audit_log ({columns}, prev_hash, hash) VALUES ({', '.join('?' * (len(HASHED) + 2))})",
        tuple(entry[name] for name in HASHED) + (prev, digest),
    )
    for field, text in notes.items():
        if text:
            execute(
                conn,
                "INSERT INTO audit_note (entry_id, field, case_id, text) VALUES (?, ?, ?, ?)",
                (entry_id, field, case_id, text[:2000]),
            )
    return digest


def append_many(conn, who: Who, action: str, object_type: str, items: list[dict]) -> None:
    """Many entries at once inside the caller's write transaction (a snapshot page received: one entry
    per case). Each item holds ``object_id``, ``case_id``, ``groups``, ``fields`` and ``detail``; the
    entries are chained exactly as :func:`append` chains them, with the key and the newest hash read once."""
    if action not in ACTIONS:
        raise ValueError(action)
    if not items:
        return
    try:
        from wbtui.data.audit_key import load, load_or_create, store_id_of

        row = execute(conn, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        prev = row[1] if row else GENESIS
        store_id = store_id_of(conn)
        key = (load(store_id) or load_or_create(conn, store_id, next_seq(conn))) if store_id else None
        params = []
        for item in items:
            entry = {
                "id": uuid.uuid4().hex, "at": _now(), "actor": who.login, "role": who.role, "org": who.org,
                "channel": who.channel, "action": action, "object_type": object_type,
                "object_id": item.get("object_id"), "case_id": item.get("case_id"),
                "data_groups": json.dumps(sorted(set(item.get("groups") or ()))),
                "fields": json.dumps(sorted(set(item.get("fields") or ()))),
                "purpose": None, "reason": None, "detail": item.get("detail"), "outcome": "ok",
            }  # fmt: skip
            digest = entry_hash(prev, entry, key)
            params.append(tuple(entry[name] for name in HASHED) + (prev, digest))
            prev = digest
        conn.executemany(
            f"INSERT INTO audit_log ({', '.join(HASHED)}, prev_hash, hash) VALUES ({', '.join('?' * (len(HASHED) + 2))})",
            params,
        )
    except AuditFailed:
        raise
    except Exception:
        raise AuditFailed("err.audit_failed") from None


def record_list(store, who: Who, what: str, count: int, *, search: str | None = None) -> None:
    """A list view over ``count`` records; a search records its kind and hit count, never the text."""
    from wbtui.data.queries import search_kind

    if search:
        record(store, who, "search", what, detail=f"{search_kind(search)}; {count}")
    else:
        record(store, who, "list", what, detail=str(count))


def record(store, who: Who, action: str, object_type: str, **kwargs) -> None:
    """Append one entry in a transaction of its own (reads, exports): raises if it cannot be written."""
    with store.transaction() as con:
        append(con, who, action, object_type, **kwargs)
    anchor(store)


def anchor(store) -> None:
    """Anchor the newest entry outside the store after a committed action (never fails the action: the
    entry is written; a missing anchor shows at the next ``audit verify``)."""
    from wbtui.data.audit_key import anchor_now

    try:
        anchor_now(store)
    except (OSError, WbtuiError):
        import logging

        logging.getLogger("wbtui.audit").warning("audit anchor not written")


def record_refusal(store, who: Who, exc) -> None:
    """A refused access (``AccessDenied``), after the refused transaction rolled back: who asked for
    what, never the data. Best effort: the refusal stands whether or not its entry could be written."""
    case_id = getattr(exc, "case_id", None)
    permission = getattr(exc, "permission", None)
    try:
        record(
            store,
            who,
            "denied",
            "fbw_case" if case_id else getattr(exc, "object_type", "store"),
            object_id=case_id,
            case_id=case_id,
            detail=f"{getattr(exc, 'key', '')}; {permission or ''}".strip("; "),
            outcome="denied",
        )
    except WbtuiError:
        import logging

        logging.getLogger("wbtui.audit").warning("refusal not audited")


def verify(con):
    """Recompute the chain and compare its end with the anchor (:mod:`wbtui.data.audit_verify`)."""
    from wbtui.data.audit_verify import verify as verify_chain

    return verify_chain(con)


def entries(
    con, *, case_id: str | None = None, actor: str | None = None, since: str | None = None, limit: int | None = None
) -> list[dict]:
    where, params = [], []
    if case_id:
        where.append("case_id = ?")
        params.append(case_id)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if since:
        where.append("at >= ?")
        params.append(since)
    sql = f"SELECT seq, {', '.join(HASHED)}, hash FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for row in con.execute(sql, params):
        item = dict(zip(("seq", *HASHED, "hash"), row))
        item["data_groups"] = json.loads(item["data_groups"])
        item["fields"] = json.loads(item["fields"])
        out.append(item)
    _attach_notes(con, out)
    return out


def _attach_notes(con, items: list[dict]) -> None:
    """The free text behind ``note`` (``purpose``/``reason`` show it while it exists; ``*_code`` keep the
    entry's own value, the one the chain covers)."""
    wanted = [item["id"] for item in items if NOTE in (item["purpose"], item["reason"])]
    notes: dict[tuple[str, str], str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for entry_id, field, text in con.execute(
            f"SELECT entry_id, field, text FROM audit_note WHERE entry_id IN ({','.join('?' * len(chunk))})", chunk
        ):
            notes[(entry_id, field)] = text
    for item in items:
        for field in ("purpose", "reason"):
            item[f"{field}_code"] = item[field]
            if item[field] == NOTE:
                item[field] = notes.get((item["id"], field), NOTE)
