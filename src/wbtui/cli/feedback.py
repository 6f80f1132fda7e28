"""``wbtui feedback …``: the return channel without a shared server (README "Return channel without a shared
server"): the Agentur writes a feedback file, the Jobcenter imports it."""

from __future__ import annotations

import typer

from wbtui.cli.common import command, st
from wbtui.i18n import tn

feedback_app = typer.Typer(no_args_is_help=True)


@feedback_app.command("export")
@command
def feedback_export(
    case: str | None = typer.Argument(None),
    output: str = typer.Option(..., "--output", "-o"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    from pathlib import Path

    from wbtui.services.feedback import build, write

    services = st().services
    document = build(services, services.resolve(case) if case else None)
    path = write(document, Path(output), overwrite=force)
    typer.echo(tn("cli.feedback.exported", len(document["cases"]), path=path))


@feedback_app.command("import")
@command
def feedback_import(path: str = typer.Argument(...)) -> None:
    import errno
    import os
    from pathlib import Path

    from wbtui.services.feedback import import_file

    if not Path(path).exists():  # README "Exit codes": a missing file is "not found" (3)
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    cases, again = import_file(st().services, Path(path))
    typer.echo(tn("cli.feedback.again" if again else "cli.feedback.imported", cases))
