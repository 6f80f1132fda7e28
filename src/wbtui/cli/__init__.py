"""Typer command line: ``wbtui`` starts the TUI; subcommands serve power users and scripts.

This module holds the root of the command tree and the entry point; the commands (one module per
command group) are listed in :mod:`wbtui.cli.lazy` and imported only when one of them runs. Every command parses its options, calls a service and prints; errors
print one line to stderr with the documented exit code (:mod:`wbtui.cli.common`, README "Exit
codes"), internal errors are logged with their traceback (:mod:`wbtui.logs`).

Imports of SQLModel, SQLAlchemy and Textual happen inside the commands that need them, so
``wbtui --help`` and the read-only list commands start fast (tests/arch/test_import_hygiene.py).
"""

from __future__ import annotations

import logging
import sys

import typer

from wbtui.cli import usage
from wbtui.cli.common import _STATE, EXIT_ENV, EXIT_INTERNAL, State, _fail, internal_error
from wbtui.cli.lazy import LazyGroup
from wbtui.i18n import describe, t

log = logging.getLogger("wbtui.cli")

app = typer.Typer(
    cls=LazyGroup,  # the commands are imported when they run (wbtui.cli.lazy), not to be listed
    add_completion=True,  # wbtui --install-completion (README "CLI tour")
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every subcommand
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("wbtui")
        except PackageNotFoundError:  # running from a source tree
            number = "?"
        typer.echo(f"wbtui {number}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db"),
    show_version: bool = typer.Option(False, "--version", "-V", is_eager=True, callback=_version),
) -> None:
    ctx.obj = _STATE["current"] = State(db)
    _language_of(ctx.obj)
    if ctx.invoked_subcommand is None:
        _run_tui(ctx.obj)


def _language_of(state: State) -> None:
    """The configured language for everything after this point (help of a subcommand, usage errors);
    a configuration that cannot be read is reported by the command that needs it, not here."""
    from wbtui.domain.errors import WbtuiError

    try:
        _ = state.config
    except WbtuiError:
        return


def _run_tui(state: State) -> None:
    """The TUI when the command line starts it (an encrypted store; see wbtui.launch for the usual start)."""
    from wbtui import tui_session
    from wbtui.domain.errors import WbtuiError

    try:
        config = state.config
    except WbtuiError as exc:
        _fail(describe(exc), EXIT_ENV)
    try:
        # an encrypted store asks for its key before the screen takes over the terminal
        lock = tui_session.acquire(state.db, unlock=state.unlock)
    except WbtuiError as exc:
        _fail(describe(exc), EXIT_ENV)
    raise typer.Exit(tui_session.run_locked(config, state.db, lock))


def main(argv: list[str] | None = None, prog_name: str | None = None) -> None:
    """The ``wbtui`` entry point: logging to the log directory (covers the TUI too), then the command.

    ``argv``/``prog_name`` default to the process's own; the in-process test runner passes them."""
    from wbtui import logs, paths

    logs.setup(paths.log_dir())
    try:
        usage.install()
        _language_of(State(None))  # help pages and usage errors in the configured language
        command = typer.main.get_command(app)
        usage.prepare(command, on_install=usage.install_completion)
        sys.exit(usage.run(command, argv, prog_name or "wbtui"))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # output piped into head & co.
        sys.exit(0)
    except Exception as exc:  # outside any command (the TUI, Typer itself): logged, one line, exit 70
        try:
            internal_error(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)
        except Exception:  # even the error path failed: still no traceback for the user
            typer.echo(t("err.internal", kind=type(exc).__name__), err=True)
            sys.exit(EXIT_INTERNAL)
    finally:
        _STATE.clear()
        logs.shutdown()


if __name__ == "__main__":
    main()
