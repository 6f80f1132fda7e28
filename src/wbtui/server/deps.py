"""FastAPI dependencies of the routes: the sync service, and who is calling (README "Where things are").

Everything a route needs comes from here as an ``Annotated`` type, read from the application's state
(:func:`wbtui.server.app.create_app` puts it there), so routes stay one call into the service. The
caller's organisation, role and scopes come from the bearer token only; nothing in a body widens them.

Authentication is guarded by the lockout limiter (:mod:`wbtui.server.guard`): after 5 failed logins an
address and a token id are refused with 429 and ``Retry-After`` even with a correct token, and the lockout
itself is audited (the address and the token id, never the secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.engine import Engine
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


def _bearer_id(authorization: str | None) -> str:
    """The limiter's key for the token named in the header ('' if none): its id, never its secret."""
    if not authorization or not authorization.startswith("Bearer "):
        return ""
    parsed = parse(authorization[7:].strip())
    return "tok:" + parsed[0] if parsed else ""


def caller(request: Request, state: StateDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """The authenticated caller, or 401; 429 while its address or token id is locked out."""
    address = "net:" + (request.client.host if request.client else "?")
    token_key = _bearer_id(authorization)
    wait = state.limiter.retry_after(address, token_key)
    if wait:
        raise HTTPException(
            status_code=429, detail="too many failed logins, locked", headers={"Retry-After": str(wait)}
        )
    with Session(state.engine) as s:
        who = authenticate(s, state.pepper, authorization)
        if who is None:
            for key in state.limiter.fail(address, token_key):
                s.add(SrvAudit(kind="lockout", detail=key))  # the lockout is audited; the secret never
            s.commit()
    if who is None:
        raise HTTPException(status_code=401, detail="invalid or expired token", headers={"WWW-Authenticate": "Bearer"})
    state.limiter.succeed(token_key)
    return who


Caller = Annotated[Principal, Depends(caller)]


async def pusher(who: Caller) -> Principal:
    """A caller whose token carries the ``push`` scope (403 otherwise)."""
    if "push" not in who.scopes:
        raise HTTPException(status_code=403, detail="token lacks the push scope")
    return who


Pusher = Annotated[Principal, Depends(pusher)]
