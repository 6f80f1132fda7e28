"""The ``wbtui`` command's entry point: a plain ``wbtui`` (or ``wbtui --db FILE``) starts the TUI without
building the command line first.

Importing Typer and building wbtui's command tree cost about as much as everything else before the
board's first frame (issue #16); the TUI needs none of it. Everything else (every subcommand, ``-h``,
``--version``, completion), and a start this module does not take on itself (an encrypted store, whose key
may have to be asked for; a configuration that cannot be read, which the command line reports), goes to
:func:`wbtui.cli.main` as before. The steps of a TUI session (the store's session lock, the run, the
hang-up exit) are :mod:`wbtui.tui_session`, which the command line's own start uses too.
"""

from __future__ import annotations

import os
import sys

EXIT_ENV = 4


def main(argv: list[str] | None = None, prog_name: str | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    tui, db = tui_start(args)
    if tui and not any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        code = _start(db)
        if code is not None:
            sys.exit(code)
    from wbtui.cli import main as command_line

    command_line(argv, prog_name)


def tui_start(args: list[str]) -> tuple[bool, str | None]:
    """Whether the arguments only start the TUI (nothing, or ``--db FILE``), and the store they name."""
    if not args:
        return True, None
    if len(args) == 2 and args[0] == "--db" and not args[1].startswith("-"):
        return True, args[1]
    if len(args) == 1 and args[0].startswith("--db=") and len(args[0]) > len("--db="):
        return True, args[0][len("--db=") :]
    return False, None


def _start(db: str | None) -> int | None:
    """Run the TUI on a plain store; None when the command line has to take this start."""
    from wbtui import config as config_mod
    from wbtui import logs, paths, tui_session
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.text import clean
    from wbtui.i18n import describe, set_language

    try:
        config = config_mod.load()
    except WbtuiError:
        return None  # the command line says what is wrong with it, in its words and with its exit code
    if config.store_encryption:
        return None  # the key may have to be asked for at the terminal: the command line does that
    set_language(config.language)
    logs.setup(paths.log_dir())
    try:
        try:
            lock = tui_session.acquire(db)
        except WbtuiError as exc:
            print(clean(describe(exc)), file=sys.stderr)
            return EXIT_ENV
        return tui_session.run_locked(config, db, lock)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # logged with its traceback, one line for the user, exit 70 (README "Exit codes")
        from wbtui.cli.common import internal_error

        try:
            internal_error(exc)
        except BaseException as done:  # internal_error ends with Typer's Exit
            return int(getattr(done, "exit_code", 70))
        return 70
    finally:
        logs.shutdown()
