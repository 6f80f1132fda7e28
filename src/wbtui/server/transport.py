"""How ``wbtui serve`` runs the application under uvicorn: TLS, workers, sockets, logging (README "Server hygiene").

* **TCP_NODELAY on every connection.** With ``--workers N`` uvicorn binds the listening socket itself
  (``socket.socket(AF_INET)``, protocol number 0); asyncio sets TCP_NODELAY only on accepted sockets whose
  protocol is ``IPPROTO_TCP``, so every keep-alive response waited for the client's delayed ACK (Nagle):
  ~40 ms a request. :class:`NoDelayH11Protocol` sets the option on each accepted connection itself, with
  one worker or many.
* **Keep-alive** for a device's whole sync (:data:`KEEP_ALIVE_SECONDS`), a listen backlog for many
  devices connecting at once, and a worker busy under load is not taken for a hung one
  (:data:`WORKER_HEALTHCHECK_SECONDS`).
* **Logging without Sozialdaten**: no access log (paths carry case ids, clients carry addresses), warnings
  and errors only, through :class:`wbtui.logs.SafeFormatter` (a traceback's frames and types, a message
  only where it cannot carry values) — also for records of libraries (the database pool).
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport) -> None:
        set_nodelay(transport.get_extra_info("socket"))
        super().connection_made(transport)


def set_nodelay(sock) -> None:
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# A device keeps its connection for a whole sync (hello, pushes, pulls). uvicorn's default of 5 s closed
# connections that had waited longer under load, and a request sent as the close crossed it failed
# (ReadError, RemoteProtocolError at 200 clients: bench/bench_concurrency.py).
KEEP_ALIVE_SECONDS = 75
BACKLOG = 2048  # connections waiting to be accepted per listening socket (the kernel caps it at somaxconn)
# uvicorn's supervisor pings each worker every half second and kills one that has not answered within
# this time (5 s by default). Under load a worker's answering thread waits for the interpreter lock
# behind its busy request threads: killed at 5 s, every request and connection it held was cut
# (ReadError and RemoteProtocolError at 200 clients, bench/bench_concurrency.py). A hung worker is
# still replaced, after half a minute (the supervisor also handles a stop signal only between two pings).
WORKER_HEALTHCHECK_SECONDS = 30

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "safe": {"()": "wbtui.logs.SafeFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "safe", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "uvicorn": {"level": "WARNING"},
        "uvicorn.error": {"level": "WARNING"},
        "uvicorn.access": {"level": "CRITICAL", "propagate": False},
    },
}


def options(host: str, port: int, certfile: str | None, keyfile: str | None) -> dict:
    """uvicorn's settings for ``wbtui serve`` (the same for one worker and for many)."""
    import ssl

    return {
        "host": host,
        "port": port,
        "ssl_certfile": certfile,
        "ssl_keyfile": keyfile,
        "ssl_version": ssl.PROTOCOL_TLS_SERVER,
        "http": NoDelayH11Protocol,
        "log_config": LOG_CONFIG,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "backlog": BACKLOG,
        **_healthcheck(),
    }


def _healthcheck() -> dict:
    """The worker health-check timeout, where this uvicorn has one (its releases before 0.30 do not)."""
    import inspect

    import uvicorn

    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config.__init__).parameters:
        return {"timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS}
    return {}


def serve(engine, host: str, port: int, *, certfile: str | None, keyfile: str | None, workers: int) -> None:
    """Run the server on ``engine`` (schema created) until it is stopped; several workers build their own
    from the environment (``WBTUI_SERVER_DB``, the pepper)."""
    import os

    import uvicorn

    from wbtui.server.admin import pepper
    from wbtui.server.app import create_app

    settings = options(host, port, certfile, keyfile)
    if workers > 1:
        engine.dispose()
        os.environ.setdefault("WBTUI_SERVER_PEPPER", pepper().decode())  # inherited by the workers, not on argv
        uvicorn.run("wbtui.server.app:app_from_env", factory=True, workers=workers, **settings)
        return
    uvicorn.run(create_app(engine, pepper()), **settings)
