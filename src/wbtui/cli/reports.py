"""``wbtui report`` (steering figures) and ``wbtui import-csv`` (key fields from the primary system)."""

from __future__ import annotations

import json

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

    if fmt not in ("text", "json", "csv"):
        raise WbtuiError("err.bad_choice", field="--format", value=fmt, choices="text, json, csv")
    state = st()
    con = state.store.raw()
    try:
        figures = rep.compute(con, state.engine())
        state.services.audit("report", "fbw_case", detail=fmt)
    finally:
        con.close()
    if fmt == "text":
        body = json.dumps(figures, ensure_ascii=False, indent=2)
    elif fmt == "json":
        body = json.dumps(rep.suppressed(figures), ensure_ascii=False, indent=2)
    else:
        body = rep.to_csv(rep.suppressed(figures))
    _emit(body, output)


@command
def import_csv(
    path: str = typer.Argument(
        ..., help="CSV aus dem Fachverfahren: Kundennummer;BG-Nummer;Nachname;Vorname;Geburtsdatum;Ziel-KldB"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Nur prüfen, nichts anlegen."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Übernimmt Schlüsselfelder (Kundennummer, BG-Nummer, Name, Geburtsdatum, Ziel-KldB) ohne Abtippen."""
    from pathlib import Path

    from wbtui.services.csv_import import run

    results = run(st().services, Path(path), dry_run=dry_run)
    counts = {k: sum(1 for r in results if r.status == k) for k in ("created", "valid", "skipped", "error")}
    if as_json:
        out_json({"dry_run": dry_run, **counts, "rows": [r.__dict__ for r in results]})
    else:
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
