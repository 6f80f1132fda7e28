"""How the sync client talks to the server (:mod:`wbtui.sync.client`): TLS always checked, Sozialdaten only
over TLS (plain HTTP to this machine only), one sync per store at a time, 429/503 waited out as the server
asks, every failure one :class:`SyncError` with a catalog key; and the :class:`Summary` every part of a
sync counts into."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wbtui.domain.errors import WbtuiError

MAX_WAIT = 30.0  # seconds of Retry-After the client honours in one sync before it gives up


class SyncError(WbtuiError):
    """Sync could not complete; nothing local is lost (the outbox stays)."""


@dataclass
class Summary:
    pushed: int = 0
    rejected: int = 0
    pulled: int = 0
    conflicts: int = 0
    grants: int = 0
    dropped: int = 0
    quarantined: int = 0
    retracted: int = 0
    repaired: int = 0
    relinked: int = 0
    snapshot: int = 0  # cases loaded from the server's snapshot (a device without a cursor)
    reset: bool = False
    reasons: list[str] = field(default_factory=list)


def _certificate_problem(exc: BaseException) -> bool:
    import ssl

    seen: BaseException | None = exc
    for _ in range(6):
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__ if seen is not None else None
        if seen is None:
            return False
    return False


def tls_context(ca_file: str | None):
    """Certificate checks always on (system CAs or the organisation's bundle), TLS 1.2 at least (BSI TR-02102-2).

    Loading the system's CAs costs ~60 ms; the TUI syncs every few minutes, so a context is kept for as long as
    its bundle file is unchanged (a renewed bundle is read again)."""
    stamp = os.stat(ca_file).st_mtime_ns if ca_file else None
    key = (ca_file, stamp)
    if key not in _TLS_CONTEXTS:
        _TLS_CONTEXTS.clear()
        _TLS_CONTEXTS[key] = _new_tls_context(ca_file)
    return _TLS_CONTEXTS[key]


_TLS_CONTEXTS: dict = {}


def _new_tls_context(ca_file: str | None):
    import ssl

    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def check_url(url: str) -> None:
    """Sozialdaten and the token travel only over TLS; plain HTTP only to this machine (tests, a local proxy)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    host = parts.hostname or ""
    loopback = host == "localhost"
    try:
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if parts.scheme != "http" or not loopback:
        raise SyncError("err.sync_insecure", url=f"{parts.scheme}://{host}")


class SyncLock:
    """One sync per store at a time (the TUI's background sync and a ``wbtui sync`` in a shell)."""

    def __init__(self, db) -> None:
        self.path = f"{db}.sync.lock"
        self.fd: int | None = None

    def __enter__(self) -> SyncLock:
        import fcntl

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            raise SyncError("err.sync_running") from None
        return self

    def __exit__(self, *_exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Transport:
    """The request half of :class:`wbtui.sync.client.SyncClient` (its ``http``, ``store``, ``sleep`` and
    ``waited`` are set there)."""

    http: Any  # an httpx.Client (httpx is imported only when a sync runs)
    store: Any
    sleep: Callable[[float], None]
    waited: float
    schema_version: int

    def _request(self, method: str, path: str, **kwargs):
        """One request; 429 and 503 are waited out as the server asks (``Retry-After``), with backoff."""
        attempt = 0
        while True:
            response = self.http.request(method, path, **kwargs)
            if response.status_code not in (429, 503):
                return response
            try:
                wait = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                wait = 1.0
            wait = min(max(wait, 0.05) * (1.5**attempt), 10.0)
            if self.waited + wait > MAX_WAIT:
                raise SyncError("err.sync_busy")
            self.waited += wait
            attempt += 1
            self.sleep(wait)

    def _post(self, path: str, body: dict) -> dict:
        return self._check(self._request("POST", path, json=body))

    def _check(self, response) -> dict:
        self._ok(response)
        try:
            return response.json()
        except ValueError:
            raise SyncError("err.sync_bad_response") from None

    def _ok(self, response):
        """The response if it is a success; the matching SyncError otherwise."""
        if response.status_code == 401:
            raise SyncError("err.sync_auth")
        if response.status_code == 403:
            raise SyncError("err.sync_forbidden")
        if response.status_code == 426:
            raise SyncError("err.sync_upgrade")
        if response.status_code >= 400:
            raise SyncError("err.sync_http", status=response.status_code)
        return response

    def _guard(self, work):
        import httpx

        try:
            with SyncLock(self.store.path):
                return work()
        except httpx.HTTPError as exc:
            if _certificate_problem(exc):
                raise SyncError("err.sync_certificate") from exc
            raise SyncError("err.sync_offline", detail=type(exc).__name__) from exc
