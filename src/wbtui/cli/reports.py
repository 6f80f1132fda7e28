"""``wbtui report`` (steering figures) and ``wbtui import-csv`` (key fields from the primary system)."""

from __future__ import annotations

import errno
import os

import typer

from wbtui.cli.common import EXIT_RULE, _clean, _emit, command, out_json, st
from wbtui.i18n import t


@command
def report(
    fmt: str = typer.Option("text", "--format"),
    output: str | None = typer.Option(None, "--output", "-o"),
) -> None:
    from wbtui.domain.errors import WbtuiError
    from wbtui.services import report as rep
    from wbtui.services.reads import Reader

    if fmt not in ("text", "json", "csv"):
        raise WbtuiError("err.bad_choice", field="--format", value=fmt, choices="text, json, csv")
    state = st()
    figures = Reader(state.store, state.config).steering(state.engine(), channel_detail=fmt)
    _emit(rep.render(figures, fmt), output)  # small cells protected in every format (services/report.py)


@command
def import_csv(
    path: str = typer.Argument(...),
    dry_run: bool = typer.Option(False, "--dry-run"),
    update_person: bool = typer.Option(False, "--update-person"),
    reason: str | None = typer.Option(None, "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from pathlib import Path

    from wbtui.services.csv_import import run

    if not Path(path).exists():  # README "Exit codes": a missing file is "not found" (3)
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    state = st()
    if not dry_run:
        state.may_create = True
    report = run(state.services, Path(path), dry_run=dry_run, update_person=update_person, reason=reason)
    results = report.rows
    counts = {k: sum(1 for r in results if r.status == k) for k in ("created", "valid", "skipped", "error")}
    if as_json:
        out_json(
            {"dry_run": dry_run, **counts, "ignored_columns": report.ignored, "rows": [r.as_dict() for r in results]}
        )
    else:
        if report.ignored:
            typer.echo(t("cli.csv_ignored", columns=", ".join(_clean(c) for c in report.ignored)))
        for r in results:
            if r.status in ("error", "skipped"):
                typer.echo(
                    t(
                        "cli.csv_row",
                        line=r.line,
                        kundennummer=_clean(r.kundennummer),
                        status=t("cli.csv_status." + r.status),
                        messages="; ".join(_clean(m) for m in r.messages),
                    )
                )
        typer.echo(t("cli.csv_summary", dry=t("cli.csv_dry") if dry_run else "", **counts))
    if counts["error"]:
        raise typer.Exit(EXIT_RULE)
