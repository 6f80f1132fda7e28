"""Typer command line: ``wbtui`` starts the TUI; subcommands serve power users and scripts.

This module only builds the command tree (one module per command group, listed below) and
holds the entry point. Every command parses its options, calls a service and prints; errors
print one line to stderr with the documented exit code (:mod:`wbtui.cli.common`, README "Exit
codes"), internal errors are logged with their traceback (:mod:`wbtui.logs`).

Imports of SQLModel, SQLAlchemy and Textual happen inside the commands that need them, so
``wbtui --help`` and the read-only list commands start fast (tests/arch/test_import_hygiene.py).
"""

from __future__ import annotations

import logging
import sys

import typer

from wbtui.cli import (
    admin,
    appointments,
    cases,
    conference,
    consent,
    feedback,
    handover,
    history,  # noqa: F401 - registers "case qualification" and "case work" on the case group
    inbox,
    kldb,
    obstacles,
    privacy,
    reports,
    server,
    sync,
    tasks,
    team,
    tree,
    usage,
)
from wbtui.cli.common import _STATE, EXIT_ENV, EXIT_INTERNAL, State, _fail, internal_error
from wbtui.i18n import describe, t

log = logging.getLogger("wbtui.cli")

app = typer.Typer(
    add_completion=True,  # wbtui --install-completion (README "CLI tour")
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every subcommand
)

# Commands first, then groups: the order of `wbtui --help`.
app.command()(admin.locate)
app.command()(admin.migrate)
app.command()(admin.demo)
app.command()(reports.report)
app.command("import-csv")(reports.import_csv)
app.command()(tasks.overdue)
app.command()(server.serve)
app.command()(kldb.kldb)
app.add_typer(cases.case_app, name="case")
app.add_typer(obstacles.obstacle_app, name="obstacle")
app.add_typer(consent.consent_app, name="consent")
app.add_typer(handover.handover_app, name="handover")
app.add_typer(conference.conference_app, name="conference")
app.add_typer(tasks.task_app, name="task")
app.add_typer(appointments.appointment_app, name="appointment")
app.add_typer(feedback.feedback_app, name="feedback")
app.add_typer(inbox.inbox_app, name="inbox")
app.add_typer(team.team_app, name="team")
app.add_typer(admin.config_app, name="config")
app.add_typer(sync.sync_app, name="sync")
app.add_typer(privacy.audit_app, name="audit")
app.add_typer(privacy.retention_app, name="retention")
app.add_typer(privacy.person_app, name="person")
app.add_typer(server.server_app, name="server")
app.add_typer(admin.store_app, name="store")


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
        command = tree.command_for(app, sys.argv[1:] if argv is None else list(argv))
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
