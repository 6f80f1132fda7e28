"""Sync for the front ends: the client set up in one place, and the review of the conflicts it recorded.

* :func:`open_client` is the only place that knows where the token comes from (``WBTUI_TOKEN`` or
  the 0600 token file next to the configuration), the server URL and the CA bundle (``[sync]``).
  The CLI (``wbtui sync``, ``sync verify``) and the TUI's background sync use it.
* Conflicts (``sync_conflict``, written by :mod:`wbtui.sync.client`): listing them shows field
  values, so it is audited like any list; resolving one is a write with its own audit entry.
  "Keep" leaves the current value; "take the lost value" is an ordinary new write of the field
  through :meth:`wbtui.services.Services.update_fields` (process rules, access check, sync
  recorder), then the conflict is marked resolved.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from wbtui import paths
from wbtui.domain import access as policy
from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.fields import FIELDS

if TYPE_CHECKING:
    from wbtui.sync.client import Summary, SyncClient

TOKEN_PREFIX = "wbt_"
CONFLICT_KINDS = ("concurrent_edit", "rejected_write", "access_lost")
SHOWN = 500


# -- the client -----------------------------------------------------------------------------------


def token_file() -> Path:
    return paths.config_file().parent / "token"


def read_token() -> str | None:
    """The API token: ``WBTUI_TOKEN`` first, then the token file; never a command-line argument."""
    token = os.environ.get("WBTUI_TOKEN")
    if token:
        return token.strip()
    path = token_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def save_token(token: str) -> Path:
    """Store the token 0600 in a 0700 directory (``wbtui sync login`` reads it from standard input)."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        raise WbtuiError("err.sync_bad_token")
    paths.restrict_umask()
    path = token_file()
    paths.private_dir(path.parent)
    path.write_text(token + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def open_client(store, config, *, timeout: float = 30.0, announce: Callable[[int], None] | None = None) -> SyncClient:
    """A client for ``[sync] url`` with the token, certificates checked against ``[sync] ca_file`` or the
    system CAs. Switches on change recording first; the first time, the whole store is queued and
    ``announce`` gets the number of records. Raises :class:`WbtuiError` without URL or token."""
    from wbtui.sync.client import enable

    url = config.sync_url
    if not url:
        raise WbtuiError("err.sync_no_url")
    token = read_token()
    if not token:
        raise WbtuiError("err.sync_no_token")
    queued = enable(store)
    if queued and announce is not None:
        announce(queued)
    return _duty_client()(store, url, token, timeout=timeout, verify=config.sync_ca_file or True)


_DUTY: list = []


def _duty_client():
    """The sync client with what every sync also does here, whichever front end runs it (README "Data
    protection"): the server's word on who the token belongs to is pinned into the store
    (:mod:`wbtui.services.identity`), and the audit trail's newest entry is anchored on the server."""
    if _DUTY:
        return _DUTY[0]
    from wbtui.sync.client import SyncClient

    class DutyClient(SyncClient):
        def _hello(self) -> dict:
            answer = super()._hello()
            if answer.get("login") and answer.get("role"):
                from wbtui.services import identity

                identity.pin(self.store, answer)
            return answer

        def sync(self, progress=None):
            summary = super().sync(progress)
            anchor_on_server(self)
            return summary

    _DUTY.append(DutyClient)
    return DutyClient


def anchor_on_server(client) -> str:
    """Report the audit trail's newest entry to the server (``checked``, ``unsupported`` or ``offline``)."""
    import httpx

    from wbtui.data import audit_key
    from wbtui.domain.anchor import parse

    head = audit_key.anchor_now(client.store)
    con = client.store.raw()
    try:
        store_id = audit_key.store_id_of(con)
    finally:
        con.close()
    if head is None or store_id is None:
        return "checked"
    try:
        known = client._request("GET", "/sync/v1/anchor", params={"store_id": store_id})
        if known.status_code in (404, 405):
            return "unsupported"  # a server without the anchor route: the local anchor still holds
        kept = parse((known.json() or {}).get("anchor")) if known.status_code < 400 else None
        body = {"store_id": store_id, **head.as_dict()}
        if kept is not None:  # what this chain holds at the entry the server saw: it checks continuity
            con = client.store.raw()
            try:
                body["since"] = {"seq": kept.seq, "hash": audit_key.hash_at(con, kept.seq)}
            finally:
                con.close()
        response = client._request("POST", "/sync/v1/anchor", json=body)
    except (httpx.HTTPError, WbtuiError, ValueError):
        return "offline"
    return "checked" if response.status_code < 400 else "offline"


def server_anchor(store, config):
    """The head the server keeps for this store (``audit verify``): (head or None, status)."""
    import httpx

    from wbtui.data import audit_key
    from wbtui.domain.anchor import parse

    if not config.sync_url or not read_token():
        return None, "not_configured"
    con = store.raw()
    try:
        store_id = audit_key.store_id_of(con)
    finally:
        con.close()
    client = _bare_client(config, store)
    try:
        response = client._request("GET", "/sync/v1/anchor", params={"store_id": store_id})
    except (httpx.HTTPError, WbtuiError):
        return None, "offline"
    finally:
        client.close()
    if response.status_code in (404, 405):
        return None, "unsupported"
    if response.status_code >= 400:
        return None, "offline"
    try:
        return parse((response.json() or {}).get("anchor")), "checked"
    except ValueError:
        return None, "offline"


def login(store, config, token: str) -> tuple:
    """``wbtui sync login``: keep the token, and with a server configured pin the login and role the
    server names for it (:mod:`wbtui.services.identity`). Returns (token file, pin or None)."""
    path = save_token(token)
    if not config.sync_url:
        return path, None
    from wbtui.services import identity

    client = _bare_client(config, store)
    try:
        answer = client._guard(client._hello)  # _guard: network trouble becomes a SyncError (one line)
    finally:
        client.close()
    return path, identity.pin(store, answer)


def _bare_client(config, store):
    """A client for one request (no change recording switched on, no outbox queued)."""
    from wbtui.sync.client import SyncClient

    token = read_token()
    if not config.sync_url or not token:
        raise WbtuiError("err.sync_no_url" if not config.sync_url else "err.sync_no_token")
    return SyncClient(store, config.sync_url, token, timeout=15, verify=config.sync_ca_file or True)


def run(store, config, progress=None, *, announce: Callable[[int], None] | None = None) -> Summary:
    """Push the outbox, then pull the feed (``wbtui sync``). Raises ``SyncError`` when the server says no."""
    client = open_client(store, config, announce=announce)
    try:
        return client.sync(progress)
    finally:
        client.close()


def verify(store, config) -> dict:
    """Compare this device's copy with the server case by case; take the server's version where they differ."""
    client = open_client(store, config)
    try:
        return client.verify()
    finally:
        client.close()


def status(store) -> dict:
    from wbtui.sync.client import status as outbox_status

    return outbox_status(store)


# -- conflicts ------------------------------------------------------------------------------------


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
