"""Sync for the front ends: the client set up in one place, and the review of the conflicts it recorded.

* :func:`open_client` is the only place that knows where the token comes from (``WBTUI_TOKEN`` or
  the 0600 token file next to the configuration), the server URL and the CA bundle (``[sync]``).
  The CLI (``wbtui sync``, ``sync verify``) and the TUI's background sync use it.
* The review of the conflicts a sync recorded is :mod:`wbtui.services.conflicts` (imported from here too).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from wbtui import paths
from wbtui.domain.errors import WbtuiError
from wbtui.services.conflicts import (  # noqa: F401 - the conflict review is imported from here (screens/conflicts.py)
    CONFLICT_KINDS,
    SHOWN,
    Conflict,
    conflicts,
    keep,
    take_lost,
)

if TYPE_CHECKING:
    from wbtui.sync.client import Summary, SyncClient

TOKEN_PREFIX = "wbt_"


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
