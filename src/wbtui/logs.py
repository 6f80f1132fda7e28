"""Logging to a rotating file in the log directory (``paths.log_dir()``, printed by ``wbtui locate``).

What goes into the log: command names, error keys, ids, counts, exception types and the frames
of a traceback. What never goes into it: Sozialdaten — names, addresses, free text, field values.
Exception messages are the usual way values slip into logs (a parser quoting its input, a
driver quoting its parameters), so a traceback is written with the frames and the exception
type, and with the message only where its source is known to carry no values (SQLite names
tables and constraints, not bound values; the client store's SQLAlchemy engine hides its
parameters). A :class:`~wbtui.domain.errors.WbtuiError` is logged by its catalog key.

The directory (0700) and the file (0600) are created with the first record, not at start-up,
so ``wbtui --help`` writes nothing; ``logging.handlers`` is imported then too.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

FILE_NAME = "wbtui.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
WITHHELD = "(message withheld: it may contain personal data)"

logger = logging.getLogger("wbtui")
logger.addHandler(logging.NullHandler())  # library default: silent unless a front end calls setup()


def setup(directory: Path, level: int = logging.INFO) -> Path:
    """Send the ``wbtui`` loggers to the log file in ``directory`` (``paths.log_dir()``); returns its path.

    Called by the CLI entry (which also starts the TUI). Calling it again replaces the handler,
    so one process can serve several invocations (the in-process CLI tests do)."""
    shutdown()
    path = Path(directory) / FILE_NAME
    handler = _LazyFileHandler(path)
    formatter = SafeFormatter(FORMAT, "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime  # UTC, like the audit trail
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(level)
    return path


def current_file() -> Path | None:
    """The log file records go to, or None (not set up, or it could not be written)."""
    for handler in logger.handlers:
        if isinstance(handler, _LazyFileHandler) and not handler.broken:
            return handler.path
    return None


def shutdown() -> None:
    """Close and detach the file handler set up by :func:`setup` (if any)."""
    for handler in list(logger.handlers):
        if isinstance(handler, _LazyFileHandler):
            logger.removeHandler(handler)
            handler.close()


class SafeFormatter(logging.Formatter):
    """Renders a traceback without messages that may carry values (see the module docstring)."""

    def formatException(self, ei) -> str:
        return "".join(_render(ei[1], set())).rstrip("\n")


def _render(exc: BaseException, seen: set[int]) -> list[str]:
    import traceback

    seen.add(id(exc))
    lines: list[str] = []
    cause = exc.__cause__
    context = None if exc.__suppress_context__ else exc.__context__
    if cause is not None and id(cause) not in seen:
        lines += _render(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and id(context) not in seen:
        lines += _render(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    lines.append("Traceback (most recent call last):\n")
    lines += traceback.format_list(traceback.extract_tb(exc.__traceback__))  # code and line numbers, no locals
    kind = type(exc)
    lines.append(f"{kind.__module__}.{kind.__qualname__}: {message(exc)}\n")
    return lines


def message(exc: BaseException) -> str:
    """The part of an exception's text that may be logged."""
    key = getattr(exc, "key", None)
    if isinstance(key, str) and key.startswith("err."):  # WbtuiError, SyncError: the catalog key, not its params
        return key
    if _from_sqlite(exc):
        return str(exc)
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError around a driver error (parameters hidden)
    if orig is not None and type(exc).__module__.startswith("sqlalchemy") and _from_sqlite(orig):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno:
        import errno

        return f"errno {errno.errorcode.get(exc.errno, exc.errno)} {WITHHELD}"
    return WITHHELD


def _from_sqlite(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module == "sqlite3" or module.startswith(("sqlite3.", "sqlcipher3"))


class _LazyFileHandler(logging.Handler):
    """Opens the rotating log file (0700 directory, 0600 files) when the first record arrives."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.broken = False
        self._target: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._target is None:
                self._target = _rotating(self.path)
                self._target.setFormatter(self.formatter)
            self._target.emit(record)
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        # logging's default prints a traceback to stderr; a user never sees one, and logging never
        # takes the application down: the error line then names no log file
        self.broken = True

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
            self._target = None
        super().close()


def _rotating(path: Path) -> logging.Handler:
    import logging.handlers

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self):
            _private_dir(Path(self.baseFilename).parent)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(self.baseFilename, flags, 0o600)
            if sys.platform != "win32":
                os.fchmod(fd, 0o600)  # an older file created with a looser umask is tightened
            return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    return PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)


def _private_dir(path: Path) -> None:
    """Missing directories are made 0700, as ``paths.private_dir`` does (this module sits beside ``paths`` in
    the layers and may not import it); an existing directory is never changed (it may be shared)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        os.chmod(directory, 0o700)
