"""The HTTP routes of the sync server: hello, push, pull, snapshot, verify, health — each one call into the service.

Bodies refuse unknown fields (``extra="forbid"``: no mass assignment); the caller comes from its token
(:mod:`wbtui.server.deps`); what a service error means over HTTP is decided in :mod:`wbtui.server.app`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from wbtui.server import pipeline
from wbtui.server.deps import Caller, CredentialsDep, StateDep, SyncDep, authorized, still
from wbtui.server.service import LIMITS, UpgradeRequired
from wbtui.server.snapshot import PAGE_DEFAULT, PAGE_MAX

# A schema version is a small number: one of 400 digits was echoed whole in the 426 answer (attack 2, F9c).
SchemaVersion = Annotated[int, Field(ge=0, le=9999)]
# The hello's free values are bounded like the pull's cursor (F9d): an HLC stamp is at most 86 characters
# (sync.hlc: 16 + 4 digits and a node id of up to 64), a version text is short.
HLC_CHARS, CURSOR_CHARS, APP_VERSION_CHARS = 100, 200, 64


PRINTABLE = r"^[!-~]+$"  # a device's names: printable ASCII, no control character (they reach logs and audit)


class HelloBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protocol: int = Field(ge=0, le=9999)
    schema_version: SchemaVersion
    app_version: str = Field("", max_length=APP_VERSION_CHARS)
    device_id: str = Field(max_length=64, pattern=PRINTABLE)
    node_id: str = Field(max_length=64, pattern=PRINTABLE)
    hlc: str | None = Field(None, max_length=HLC_CHARS)
    cursor: str | None = Field(None, max_length=CURSOR_CHARS)


class PushBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str = Field(max_length=64, pattern=PRINTABLE)
    batch_id: str = Field(max_length=64)
    schema_version: SchemaVersion
    changes: list[dict[str, Any]] = Field(max_length=LIMITS["push_changes"])
    after: str | None = Field(default=None, max_length=64)  # the last change of the push before (server.pipeline)


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: SchemaVersion
    cases: dict[str, str] = Field(max_length=500)  # case id -> digest (sync.protocol.case_digest)


UPGRADE: dict[int | str, dict[str, Any]] = {426: {"description": "The client's schema version is not accepted; update wbtui (pending changes stay on the device)."}}  # fmt: skip
GONE: dict[int | str, dict[str, Any]] = {410: {"description": 'The cursor lies in a compacted part of the feed; start again without a cursor (body: {"action": "reset"}).'}}  # fmt: skip

router = APIRouter()


class NotAccepted(Exception):
    """The client's schema version lies outside the server's window: 426 (app.create_app answers it)."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


@router.get("/health")
async def health() -> dict:
    # liveness for load balancers: no database, no token, outside the in-flight limit (app.Admission); on the
    # event loop, so it answers while every request thread is busy
    return {"status": "ok"}


@router.post("/sync/v1/hello")
def hello(body: HelloBody, who: Caller, sync: SyncDep) -> dict:
    return sync.hello(who, body.model_dump())


def answer(result: dict) -> Response:
    """A push or pull answer (thousands of entries of plain JSON values) encoded once: FastAPI's generic
    encoder and response check walked every entry in Python, a tenth of a first upload's server time."""
    return Response(json.dumps(result).encode(), media_type="application/json")


# Push and pull, the requests every device sends all day, read the token on the connection they then work on
# (deps.authorized): one pool checkout and one thread hop per request.
@router.post("/sync/v1/push", responses=UPGRADE)
def push(body: PushBody, state: StateDep, creds: CredentialsDep) -> Response:
    with authorized(state, creds, "push") as (who, conn):
        if body.after is not None:
            if not pipeline.predecessor_applied(conn, who.org_id, body.after):
                return Response(json.dumps(pipeline.NOT_YET).encode(), status_code=409, media_type="application/json")
            still(state, creds, conn)  # the token may have been revoked while the push waited
        try:
            return answer(state.sync.push(who, body.changes, body.schema_version, conn))
        except UpgradeRequired:
            raise NotAccepted(body.schema_version) from None


@router.get("/sync/v1/pull", responses=GONE)
def pull(
    state: StateDep,
    creds: CredentialsDep,
    cursor: Annotated[str | None, Query(max_length=CURSOR_CHARS)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Response:
    with authorized(state, creds) as (who, conn):
        return answer(state.sync.pull(who, cursor, limit, conn))


@router.get("/sync/v1/snapshot")
def snapshot(
    who: Caller,
    sync: SyncDep,
    after: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
    form: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    """A page of the organisation's snapshot for a device without a cursor (server.snapshot); ``form``: the
    newest wire form the device reads (it gets the newest this server writes up to that)."""
    # one page, read whole before the answer starts, sent with its length (proxies that expect one pass it)
    return Response(b"".join(sync.snapshot(who, after, limit, form)), media_type="application/x-ndjson")


@router.post("/sync/v1/verify")
def verify(body: VerifyBody, who: Caller, sync: SyncDep) -> dict:
    try:
        return sync.verify(who, body.cases, body.schema_version)
    except UpgradeRequired:
        raise NotAccepted(body.schema_version) from None
