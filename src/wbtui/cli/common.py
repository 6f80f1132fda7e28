"""What every command module shares: exit codes, the per-invocation state, error handling, output.

Errors print one line to stderr and exit with the documented code (README "Exit codes");
an internal error is logged with its traceback (:mod:`wbtui.logs`) and the line names the log
file. Nothing here imports SQLModel, SQLAlchemy or Textual at module level.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from datetime import date

import typer

from wbtui.i18n import describe, t

EXIT_RULE, EXIT_NOT_FOUND, EXIT_ENV, EXIT_DENIED, EXIT_INTERNAL = 1, 3, 4, 5, 70

log = logging.getLogger("wbtui.cli")


def _ask_key() -> str:
    """The store's passphrase from the terminal (never echoed, never on the command line)."""
    import getpass

    return getpass.getpass(t("cli.key_prompt"))


def _ask_new_key() -> str:
    first = _ask_key()
    if _ask_key() != first:
        from wbtui.domain.errors import StoreError

        raise StoreError("err.store_key_mismatch")
    return first


class State:
    """Lazily opened configuration, store, services and server database for one invocation."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self.may_create = False  # only commands that create (demo, case new, sync) make a missing store
        self._config = None
        self._store = None
        self._services = None
        self._server_engine = None

    @property
    def config(self):
        if self._config is None:
            from wbtui import config as config_mod
            from wbtui.i18n import set_language

            self._config = config_mod.load()
            set_language(self._config.language)
        return self._config

    @property
    def store(self):
        if self._store is None:
            self.unlock()
            from wbtui.data.store import open_store

            self._store = open_store(self.db, create=self.may_create)
        return self._store

    def unlock(self) -> None:
        """For an encrypted store: derive the key from WBTUI_DB_KEY, the key file or a prompt (never argv)."""
        config = self.config
        if not config.store_encryption:
            return
        from wbtui import paths
        from wbtui.data import encryption

        path = paths.db_path(self.db)
        if encryption.key_for(path) is not None:
            return
        passphrase = encryption.passphrase_from(config, prompt=_ask_key if sys.stdin.isatty() else None)
        paths.private_dir(path.parent)
        encryption.register(path, passphrase or "")

    @property
    def services(self):
        if self._services is None:
            from wbtui.services import Services

            self._services = Services(self.store, self.config)
        return self._services

    def server_engine(self):
        """The central server's database (``WBTUI_SERVER_DB``), schema created; disposed with the state."""
        if self._server_engine is None:
            from wbtui.server.admin import server_db_url
            from wbtui.server.store import init_schema, make_engine

            _ = self.config
            engine = make_engine(server_db_url())
            init_schema(engine)
            self._server_engine = engine
        return self._server_engine

    def engine(self):
        from wbtui.domain.timers import TimerEngine

        return TimerEngine(date.today(), self.config.timers, self.config.calendar())

    def audit_list(self, what: str, count: int, *, search: str | None = None) -> None:
        """Audit a list view without loading the ORM (``case list`` stays fast)."""
        from wbtui.data.access import who_for
        from wbtui.data.audit import record_list

        record_list(self.store, who_for(self.store, self.config, "cli"), what, count, search=search)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._server_engine is not None:
            self._server_engine.dispose()
            self._server_engine = None


_STATE: dict[str, State] = {}


def st() -> State:
    return _STATE["current"]


def _fail(message: str, code: int) -> None:
    from wbtui.domain.text import clean

    typer.echo(clean(message), err=True)
    raise typer.Exit(code)


def internal_error(exc: BaseException, where: str = "wbtui") -> None:
    """Log ``exc`` with its traceback and tell the user in one line where to find it; exit 70."""
    from wbtui import logs, paths

    if logs.current_file() is None:  # the app was called without main() (a script, a test)
        logs.setup(paths.log_dir())
    log.error("internal error in %s", where, exc_info=exc)
    path = logs.current_file()  # None when the log could not be written
    kind = type(exc).__name__
    _fail(t("err.internal_logged", kind=kind, log=path) if path else t("err.internal", kind=kind), EXIT_INTERNAL)


def _refuse(where: str, exc: BaseException, message: str, code: int) -> None:
    """A refusal the user can act on: one line for them; the command and the error key for the log
    (never the arguments or the message: those carry names and free text)."""
    log.info("%s refused: %s (exit %d)", where, getattr(exc, "key", type(exc).__name__), code)
    _fail(message, code)


def command(fn):
    """Run a command with user-facing error handling (one line on stderr, no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from wbtui.domain.access import AccessDenied
        from wbtui.domain.errors import ConfigError, NotFound, RuleViolation, StoreError, WbtuiError

        state, where = _STATE.get("current"), fn.__name__
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, BrokenPipeError):
            raise
        except NotFound as exc:
            _refuse(where, exc, describe(exc), EXIT_NOT_FOUND)
        except (ConfigError, StoreError) as exc:
            _refuse(where, exc, describe(exc), EXIT_ENV)
        except AccessDenied as exc:
            _refuse(where, exc, describe(exc), EXIT_DENIED)
        except RuleViolation as exc:
            # README "Exit codes": a step that is the other office's to take is refused by the access
            # policy (5); every other process rule refuses with 1
            other_side = any(key in OTHER_SIDE for key, _params in exc.reasons)
            _refuse(where, exc, describe(exc), EXIT_DENIED if other_side else EXIT_RULE)
        except WbtuiError as exc:
            _refuse(where, exc, describe(exc), EXIT_RULE)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            message, code = file_problem(exc)
            _refuse(where, exc, message, code)
        except Exception as exc:
            if _is_sync_error(exc):  # the server said no or is unreachable: a refusal, not a crash
                _refuse(where, exc, t(exc.key, **exc.params), EXIT_RULE)
            if isinstance(exc, sqlite3.OperationalError) or exc.__class__.__name__ == "OperationalError":
                if "locked" in str(exc):
                    _refuse(where, exc, t("err.store_busy"), EXIT_ENV)
            internal_error(exc, where)
        finally:
            if state is not None:
                state.close()

    return wrapper


# process-rule refusals that say the other office must act (domain.process guards)
OTHER_SIDE = frozenset({"guard.wrong_side", "guard.close_by_jobcenter"})


def file_problem(exc: OSError) -> tuple[str, int]:
    """A missing or unusable file or folder as one line and its exit code (README "Exit codes"):
    missing file or folder 3, no permission 4, a folder where a file belongs (or the reverse) 1."""
    from pathlib import Path

    path = Path(str(exc.filename or "?"))
    if isinstance(exc, FileNotFoundError):
        if exc.filename and not path.parent.exists():
            missing = path.parent
            while not missing.parent.exists() and missing.parent != missing:
                missing = missing.parent
            return t("ux.cli.folder_missing", path=missing), EXIT_NOT_FOUND
        return t("ux.cli.file_missing", path=path), EXIT_NOT_FOUND
    if isinstance(exc, PermissionError):
        return t("ux.cli.no_permission", path=path), EXIT_ENV
    if isinstance(exc, IsADirectoryError):
        return t("ux.cli.is_folder", path=path), EXIT_RULE
    return t("ux.cli.not_folder", path=path), EXIT_RULE


def _is_sync_error(exc: BaseException) -> bool:
    # sync.transport is imported only when sync was used: a SyncError cannot exist otherwise
    module = sys.modules.get("wbtui.sync.transport")
    return module is not None and isinstance(exc, module.SyncError)


# -- output -----------------------------------------------------------------------------------------


def out_json(data) -> None:
    from wbtui.domain.text import clean_tree

    # every string cleaned of control and bidi characters: JSON output reaches terminals and other tools too
    typer.echo(json.dumps(clean_tree(json.loads(json.dumps(data, default=str))), ensure_ascii=False, indent=2))


def _clean(value) -> str:
    from wbtui.domain.text import clean

    return clean("" if value is None else str(value))


def _table(
    headers: list[str],
    rows: list[list[str]],
    *,
    flex: int | None = None,
    optional: tuple[int, ...] = (),
    caps: dict[int, int] | None = None,
) -> list[str]:
    """Columns as wide as their content; on a terminal fitted to its width (README: no wrapped rows at 80
    columns): ``flex`` takes the room left and its cells end in "…", ``optional`` columns are left out
    first. Piped output (scripts) keeps every column whole. Returns the headers of the columns left out
    (so a command can say which are hidden and how to see them)."""
    from rich.cells import cell_len

    rows = [[_clean(c) for c in row] for row in rows]
    widths = [cell_len(h) for h in headers]
    for row in rows:
        widths = [max(w, cell_len(c)) for w, c in zip(widths, row)]
    shown = list(range(len(headers)))
    if sys.stdout.isatty():
        import shutil

        from wbtui.widgets.fit import fit

        room = shutil.get_terminal_size().columns + 2  # fit() counts 2 per column, we join with 2 between
        if sum(w + 2 for w in widths) > room:
            for index, cap in (caps or {}).items():
                widths[index] = min(widths[index], max(cap, cell_len(headers[index])))
        else:
            caps = {}
        shown, widths = fit(widths, room, flex=flex, optional=optional)
    else:
        caps = {}

    def line(cells: list[str]) -> str:
        parts = []
        for i in shown:
            cell = cells[i]
            if (i == flex or i in (caps or {})) and cell_len(cell) > widths[i]:
                cell = _cut(cell, widths[i])
            parts.append(cell + " " * (widths[i] - cell_len(cell)))
        return "  ".join(parts).rstrip()

    typer.echo(line(headers))
    for row in rows:
        typer.echo(line(row))
    return [h for i, h in enumerate(headers) if i not in shown]


def _cut(text: str, width: int) -> str:
    from rich.cells import cell_len

    while cell_len(text) > max(1, width - 1):
        text = text[:-1]
    return text + "…"


def _emit(body: str, output: str | None, *, force: bool = False) -> None:
    """Print a document, or write it as a 0600 file (never following a symlink; an existing file only with
    ``--force``)."""
    if not output:
        typer.echo(body)
        return
    from pathlib import Path

    from wbtui.services.exchange import write_text

    typer.echo(t("cli.report_written", path=write_text(body, Path(output), overwrite=force)))


def _date(value: str | None, field: str) -> date | None:
    from wbtui.domain.fields import parse_date

    return parse_date(value, field=field) if value else None


def _datetime(value: str | None, field: str):
    """A date and time as typed (TT.MM.JJJJ HH:MM or JJJJ-MM-TT HH:MM; a date alone means 9:00); the error
    names the formats a time takes, not only a date's (README: dates TT.MM.JJJJ, times HH:MM)."""
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.fields import parse_datetime

    if not value:
        return None
    try:
        return parse_datetime(value, field=field)
    except WbtuiError:
        raise WbtuiError("ux.err.bad_datetime", field=field, value=value) from None


def _choice(vocabulary: str, value: str | None, option: str) -> str | None:
    """The code for what was typed: a key, a label in either language or a stage code (S9)."""
    from wbtui.widgets import labels

    return labels.parse(vocabulary, value, field=option)


def _required_choice(vocabulary: str, value: str, option: str) -> str:
    """As :func:`_choice` for a value that must be given: a blank one is refused as an unknown one is
    (with every choice named), never passed on as ``None``."""
    from wbtui.domain.errors import WbtuiError
    from wbtui.widgets import labels

    code = labels.parse(vocabulary, value, field=option)
    if code is not None:
        return code
    if vocabulary == "stage":
        raise WbtuiError("err.unknown_stage", stage=value, choices=labels.describe_choices(vocabulary))
    raise WbtuiError("err.bad_choice", field=option, value=value, choices=labels.describe_choices(vocabulary))


def _label(vocabulary: str, code) -> str:
    from wbtui.widgets import labels

    return labels.label(vocabulary, code)


def _d(value) -> str:
    """A date for people: TT.MM.JJJJ."""
    from wbtui.widgets.labels import date_text

    return date_text(value)


def _dt(value) -> str:
    """A timestamp for people: TT.MM.JJJJ HH:MM in local time."""
    from wbtui.widgets.labels import datetime_text

    return datetime_text(value)


def _assignments(items: list[str] | None) -> dict[str, str]:
    from wbtui.domain.errors import WbtuiError

    out = {}
    for item in items or []:
        if "=" not in item:
            raise WbtuiError("err.bad_assignment", value=item)
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out
