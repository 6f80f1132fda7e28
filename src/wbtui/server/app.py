"""The sync server's ASGI application: factory, admission middleware, error answers (README "Server hygiene").

Around the routes (:mod:`wbtui.server.routes`), from the outside in:

* :class:`Shield` — an internal error is answered 500 and logged with its traceback's frames and
  exception types; a message only where it cannot carry values (:class:`wbtui.logs.SafeFormatter`:
  SQLite's, with the parameters hidden by the engine), never a PostgreSQL driver's ``DETAIL``;
* :class:`Admission` — ``/health`` passes untouched (a probe never gets 429 under load); a body over
  1 MiB gets 413, by its ``Content-Length`` or, chunked, by counting the bytes as they arrive; more
  requests in flight than the process is sized for get 429 ``Retry-After: 1`` instead of queueing;
* :class:`wbtui.server.inflate.Inflate` — a gzip-compressed body is inflated (bounded) before the routes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from wbtui import __version__
from wbtui.logs import SafeFormatter
from wbtui.server.deps import ServerState
from wbtui.server.guard import FailureLimiter, InFlight, send_json
from wbtui.server.push import Rejected
from wbtui.server.routes import NotAccepted, router
from wbtui.server.service import LIMITS, Gone, SyncServer

MAX_IN_FLIGHT = 128  # per worker process; README "Server hygiene"
log = logging.getLogger("wbtui.server")


def create_app(
    engine, pepper: bytes, *, limiter: FailureLimiter | None = None, max_in_flight: int = MAX_IN_FLIGHT
) -> FastAPI:
    """The server for one database; ``wbtui serve`` runs it under uvicorn (:mod:`wbtui.server.transport`)."""
    app = FastAPI(title="wbtui sync", version=__version__, docs_url=None, redoc_url=None, lifespan=_threads)
    app.state.server = ServerState(engine, pepper, SyncServer(engine), limiter or FailureLimiter())
    app.include_router(router)
    from wbtui.server import anchor  # the devices' audit anchors (README "Audit trail")
    from wbtui.server.deps import caller

    anchor.register(app, engine, caller)
    app.add_exception_handler(NotAccepted, _not_accepted)
    app.add_exception_handler(Gone, _gone)
    app.add_exception_handler(Rejected, _rejected)
    app.add_exception_handler(RequestValidationError, _malformed)
    from wbtui.server.inflate import Inflate

    app.add_middleware(Inflate)  # inside the admission check: the 1 MiB limit counts the compressed bytes
    app.add_middleware(Admission, in_flight=InFlight(max_in_flight), max_body=LIMITS["push_bytes"])
    app.add_middleware(Shield)  # added last: the outermost
    return app


@asynccontextmanager
async def _threads(_app: FastAPI) -> AsyncIterator[None]:
    """Requests run their database work in at most :data:`~wbtui.server.store.REQUEST_THREADS` threads of a
    worker (anyio's default is 40): each holds one pooled connection, so a request waits for a thread on the
    event loop, not blocked in a thread for a connection; and a handful of threads do not take the
    interpreter lock from each other as forty did (bench/bench_concurrency.py, py-spy: 9 % of a worker's
    time was threads waking each other)."""
    from anyio.to_thread import current_default_thread_limiter

    from wbtui.server.store import REQUEST_THREADS

    current_default_thread_limiter().total_tokens = REQUEST_THREADS
    yield


def app_from_env() -> FastAPI:
    """What each uvicorn worker process builds with ``wbtui serve --workers N`` (the database URL and the
    pepper come from the environment, never from a command line)."""
    from wbtui.server.admin import pepper, server_db_url
    from wbtui.server.store import make_engine

    return create_app(make_engine(server_db_url()), pepper())


async def _not_accepted(_request: Request, exc: Exception) -> JSONResponse:
    version = exc.version if isinstance(exc, NotAccepted) else "?"
    return JSONResponse(
        {"detail": f"schema version {version} not accepted", "action": "upgrade_required"}, status_code=426
    )


async def _gone(_request: Request, _exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "cursor below the compaction horizon", "action": "reset"}, status_code=410)


async def _rejected(_request: Request, exc: Exception) -> JSONResponse:
    reason = exc.reason if isinstance(exc, Rejected) else "validation"
    return JSONResponse({"detail": reason}, status_code=403 if reason == "forbidden" else 400)


async def _malformed(_request: Request, _exc: Exception) -> JSONResponse:
    """A body, query or header of the wrong shape: 400 with the body of every other validation refusal,
    not FastAPI's 422 (whose body echoes the values sent back: names, notes)."""
    return JSONResponse({"detail": "validation"}, status_code=400)


class TooLarge(HTTPException):
    """Raised from ``receive`` while a body streams in; FastAPI answers it like any HTTPException."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request too large")


class Admission:
    """Pure ASGI (no BaseHTTPMiddleware): it sees the body as it arrives."""

    def __init__(self, app, *, in_flight: InFlight, max_body: int) -> None:
        self.app, self.in_flight, self.max_body = app, in_flight, max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] == "/health":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await send_json(send, 413, b'{"detail":"request too large"}')
            return
        if not self.in_flight.enter():
            await send_json(send, 429, b'{"detail":"server busy, retry"}', ((b"retry-after", b"1"),))
            return
        received = 0
        started = False

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise TooLarge()
            return message

        async def watched(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:  # read outside a route's body parsing: answered here
            if started:
                raise
            await send_json(send, 413, b'{"detail":"request too large"}')
        finally:
            self.in_flight.leave()


class Shield:
    """The outermost layer: no exception reaches uvicorn, whose log would print its message (the SQL,
    a PostgreSQL ``DETAIL: Failing row contains (…)``, the values of a row)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            # formatted here, not by whatever handler is attached: the message of a driver's error stays out
            trace = SafeFormatter().formatException((type(exc), exc, exc.__traceback__))
            log.error("internal error in %s %s%s\n%s", scope.get("method"), scope.get("path"), _codes(exc), trace)
            if not started:
                await send_json(send, 500, b'{"detail":"internal server error"}')


def _codes(exc: BaseException) -> str:
    """The database's error codes in an exception chain (SQLSTATE: a code, never a value), for the log."""
    codes, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (current, getattr(current, "orig", None)):
            code = getattr(candidate, "sqlstate", None)
            if isinstance(code, str) and code.isalnum() and len(code) == 5 and code not in codes:
                codes.append(code)
        current = current.__cause__ or current.__context__
    return f" (SQLSTATE {', '.join(codes)})" if codes else ""
