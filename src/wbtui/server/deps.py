"""FastAPI dependencies of the routes: the sync service, and who is calling (README "Where things are").

Everything a route needs comes from here as an ``Annotated`` type, read from the application's state
(:func:`wbtui.server.app.create_app` puts it there), so routes stay one call into the service. The
caller's organisation, role and scopes come from the bearer token only; nothing in a body widens them.

Authentication is guarded by the lockout limiter (:mod:`wbtui.server.guard`): after 5 failed logins with one
token id from one address, that pair is refused with 429 and ``Retry-After`` even with the correct secret
(the token's holder elsewhere is not locked out by someone who knows only its id: attack 2, F8); after 5
failed logins of any kind from an address, it is throttled (a request without a well-formed token is refused
at once, a failed login answers 429), but a valid token from it is still served (many clients share a
proxy or NAT address). The lockout itself is audited (address and token id, never the secret).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from wbtui.server.auth import Principal, authenticate, parse
from wbtui.server.guard import FailureLimiter
from wbtui.server.models import SrvAudit
from wbtui.server.service import SyncServer


@dataclass(frozen=True)
class ServerState:
    """What every request shares: kept on ``app.state.server``."""

    engine: Engine
    pepper: bytes
    sync: SyncServer
    limiter: FailureLimiter


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its thread pool,
# and under load every such hop waits for a thread and the event loop again (bench/bench_concurrency.py).
async def server_state(request: Request) -> ServerState:
    return request.app.state.server


StateDep = Annotated[ServerState, Depends(server_state)]


async def sync_service(state: StateDep) -> SyncServer:
    return state.sync


SyncDep = Annotated[SyncServer, Depends(sync_service)]


def _bearer_id(authorization: str | None, address: str) -> str:
    """The limiter's key for the token named in the header from this address ('' if none): its id, never its
    secret, together with the address (a lock per pair, F8)."""
    if not authorization or not authorization.startswith("Bearer "):
        return ""
    parsed = parse(authorization[7:].strip())
    return f"{address} tok:{parsed[0]}" if parsed else ""


@dataclass(frozen=True)
class Credentials:
    """What a request presents (its ``Authorization`` header and address), not yet checked against the database."""

    header: str | None
    address: str
    token_key: str


async def credentials(
    request: Request, state: StateDep, authorization: Annotated[str | None, Header()] = None
) -> Credentials:
    """429 while this token id is locked out from this address, or while the address is throttled and the
    request names no token; no I/O, so it runs on the event loop."""
    address = "net:" + (request.client.host if request.client else "?")
    token_key = _bearer_id(authorization, address)
    wait = state.limiter.retry_after(token_key or address)
    if wait:
        raise HTTPException(
            status_code=429, detail="too many failed logins, locked", headers={"Retry-After": str(wait)}
        )
    return Credentials(authorization, address, token_key)


CredentialsDep = Annotated[Credentials, Depends(credentials)]


@contextmanager
def authorized(
    state: ServerState, creds: Credentials, scope: str | None = None
) -> Iterator[tuple[Principal, Connection]]:
    """The authenticated caller (401 otherwise; 403 without ``scope``) and the connection it was found on, which
    the request then uses for its own work: one pool checkout per request, no ping.

    On PostgreSQL the connection runs in autocommit until a push opens its transaction: reads (the token, a
    pull) need no BEGIN and ROLLBACK round trips, each statement reads committed data as under READ
    COMMITTED, and psycopg keeps its prepared statements (a ROLLBACK makes it deallocate them all). The pool
    does not ping a connection before handing it out (a round trip per request); a connection the database
    has dropped fails the token query, which then runs once more on a fresh one (the pool discards the
    connections older than the failure)."""
    for attempt in (1, 2):
        conn = state.engine.connect()
        try:
            if state.engine.dialect.name == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT")
            who = authenticate(conn, state.pepper, creds.header)
        except DBAPIError as exc:
            conn.close()
            if attempt == 2 or not exc.connection_invalidated:
                raise
            continue
        break
    try:
        if who is None:
            conn.rollback()
            _failed(state, creds)
        assert who is not None
        if scope is not None and scope not in who.scopes:
            raise HTTPException(status_code=403, detail=f"token lacks the {scope} scope")
        state.limiter.succeed(creds.token_key)
        yield who, conn
    finally:
        conn.close()


def still(state: ServerState, creds: Credentials, conn: Connection) -> None:
    """The token read again on the request's connection after a wait (server/pipeline.py): 401 if it was
    revoked or expired meanwhile (a waiting push was applied under a token revoked during its wait)."""
    if authenticate(conn, state.pepper, creds.header) is None:
        conn.rollback()
        raise HTTPException(status_code=401, detail="token no longer valid")
    conn.rollback()  # a no-op in autocommit (PostgreSQL); SQLite's read snapshot ends before the push's own


def _failed(state: ServerState, creds: Credentials) -> None:
    """A failed login: counted for the address and for the (address, token id) pair, a lockout audited (the
    address and the token id, never the secret); 401, or 429 while the address is throttled."""
    wait = state.limiter.retry_after(creds.address)  # throttled before this failure: the 5th still says 401
    locked = state.limiter.fail(creds.address, creds.token_key)
    if locked:
        with Session(state.engine) as s:
            for key in locked:
                s.add(SrvAudit(kind="lockout", detail=key))
            s.commit()
    if wait:
        raise HTTPException(
            status_code=429, detail="too many failed logins, locked", headers={"Retry-After": str(wait)}
        )
    raise HTTPException(status_code=401, detail="invalid or expired token", headers={"WWW-Authenticate": "Bearer"})


def caller(state: StateDep, creds: CredentialsDep) -> Principal:
    """The authenticated caller of the routes that open their own connections (hello, snapshot, verify, anchors)."""
    with authorized(state, creds) as (who, _conn):
        return who


Caller = Annotated[Principal, Depends(caller)]
