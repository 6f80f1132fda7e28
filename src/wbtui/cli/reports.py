"""``wbtui report`` (steering figures) and ``wbtui import-csv`` (key fields from the primary system)."""

from __future__ import annotations

import errno
import os

import typer

from wbtui.cli.common import EXIT_RULE, _clean, _emit, command, out_json, st
from wbtui.i18n import t


@command
def report(
    fmt: str = typer.Option("text", "--format", help="text | json | csv (json/csv: Fallzahlen unter 3 unterdrückt)"),
    output: str | None = typer.Option(None, "--output", "-o", help="Datei (0600) statt Standardausgabe."),
) -> None:
    """Steuerungszahlen: Stufen, Trichter, Dauern (Median/p90), Abbrüche, Timer, nach Monat."""
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
    path: str = typer.Argument(
        ..., help="CSV aus dem Fachverfahren: Kundennummer;BG-Nummer;Nachname;Vorname;Geburtsdatum;Ziel-KldB"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Nur prüfen, nichts anlegen."),
    update_person: bool = typer.Option(
        False, "--update-person", help="Bekannte Personen mit den Angaben der Datei aktualisieren (sonst übersprungen)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Übernimmt Schlüsselfelder (Kundennummer, BG-Nummer, Name, Geburtsdatum, Ziel-KldB) ohne Abtippen."""
    from pathlib import Path

    from wbtui.services.csv_import import run

    if not Path(path).exists():  # README "Exit codes": a missing file is "not found" (3)
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    state = st()
    if not dry_run:
        state.may_create = True
    report = run(state.services, Path(path), dry_run=dry_run, update_person=update_person)
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
