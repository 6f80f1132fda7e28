"""HTTP API (FastAPI): hello, push, pull. The caller's organisation comes from its token only."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from wbtui import __version__
from wbtui.server.auth import Principal, authenticate, parse
from wbtui.server.guard import FailureLimiter, InFlight
from wbtui.server.models import SrvAudit
from wbtui.server.push import Rejected
from wbtui.server.service import LIMITS, Gone, SyncServer, UpgradeRequired


class HelloBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protocol: int
    schema_version: int
    app_version: str = ""
    device_id: str = Field(max_length=64)
    node_id: str = Field(max_length=64)
    hlc: str | None = None
    cursor: str | None = None


class PushBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str = Field(max_length=64)
    batch_id: str = Field(max_length=64)
    schema_version: int
    changes: list[dict[str, Any]] = Field(max_length=LIMITS["push_changes"])


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int
    cases: dict[str, str] = Field(max_length=500)  # case id -> digest (sync.protocol.case_digest)


def _upgrade_required(version: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"schema version {version} not accepted", "action": "upgrade_required"}, status_code=426
    )


def create_app(engine, pepper: bytes, *, limiter: FailureLimiter | None = None, max_in_flight: int = 64) -> FastAPI:
    app = FastAPI(title="wbtui sync", version=__version__, docs_url=None, redoc_url=None)
    service = SyncServer(engine)
    app.state.sync = service
    limiter = limiter or FailureLimiter()
    in_flight = InFlight(max_in_flight)
    app.state.limiter = limiter

    @app.middleware("http")
    async def limit_size_and_load(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > LIMITS["push_bytes"]):
            return JSONResponse({"detail": "request too large"}, status_code=413)
        if not in_flight.enter():
            return JSONResponse({"detail": "server busy, retry"}, status_code=429, headers={"Retry-After": "1"})
        try:
            return await call_next(request)
        finally:
            in_flight.leave()

    def principal(request: Request, authorization: str | None = Header(default=None)) -> Principal:
        address = "net:" + (request.client.host if request.client else "?")
        parsed = parse(authorization[7:].strip()) if authorization and authorization.startswith("Bearer ") else None
        token_key = "tok:" + parsed[0] if parsed else ""
        wait = limiter.retry_after(address, token_key)
        if wait:
            raise HTTPException(
                status_code=429, detail="too many failed logins, locked", headers={"Retry-After": str(wait)}
            )
        with Session(engine) as s:
            who = authenticate(s, pepper, authorization)
            if who is None:
                for key in limiter.fail(address, token_key):
                    # the lockout itself is audited; the address is kept, the secret never
                    s.add(SrvAudit(kind="lockout", detail=key))
                s.commit()
        if who is None:
            raise HTTPException(
                status_code=401, detail="invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
            )
        limiter.succeed(token_key)
        return who

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/sync/v1/hello")
    def hello(body: HelloBody, who: Principal = Depends(principal)) -> dict:
        return service.hello(who, body.model_dump())

    @app.post(
        "/sync/v1/push",
        responses={
            426: {
                "description": "The client's schema version is not accepted; update wbtui "
                "(pending changes stay on the device)."
            }
        },
    )
    def push(body: PushBody, who: Principal = Depends(principal)) -> dict:
        if "push" not in who.scopes:
            raise HTTPException(status_code=403, detail="token lacks the push scope")
        try:
            return service.push(who, body.changes, body.schema_version)
        except UpgradeRequired:
            return _upgrade_required(body.schema_version)

    @app.get(
        "/sync/v1/pull",
        responses={
            410: {
                "description": "The cursor lies in a compacted part of the feed; "
                'start again without a cursor (body: {"action": "reset"}).'
            }
        },
    )
    def pull(
        cursor: str | None = Query(default=None, max_length=200),
        limit: int = Query(default=500, ge=1, le=1000),
        who: Principal = Depends(principal),
    ) -> dict:
        try:
            return service.pull(who, cursor, limit)
        except Gone:
            return JSONResponse({"detail": "cursor below the compaction horizon", "action": "reset"}, status_code=410)
        except Rejected as exc:
            raise HTTPException(status_code=403 if exc.reason == "forbidden" else 400, detail=exc.reason) from None

    @app.post("/sync/v1/verify")
    def verify(body: VerifyBody, who: Principal = Depends(principal)) -> dict:
        try:
            return service.verify(who, body.cases, body.schema_version)
        except UpgradeRequired:
            return _upgrade_required(body.schema_version)
        except Rejected as exc:
            raise HTTPException(status_code=403, detail=exc.reason) from None

    from wbtui.server import anchor  # the devices' audit anchors (issue #13; the module holds the routes)

    anchor.register(app, engine, principal)
    return app
