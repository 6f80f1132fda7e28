"""``wbtui case qualification`` and ``wbtui case work``: the person's qualifications and work history
(services/history.py), printed on the Übergabebogen."""

from __future__ import annotations

import typer

from wbtui.cli.cases import case_app
from wbtui.cli.common import _date, _required_choice, command, st
from wbtui.i18n import t


@case_app.command("qualification")
@command
def case_qualification(
    case: str = typer.Argument(...),
    title: str = typer.Option(..., "--title"),
    kldb: str | None = typer.Option(None, "--kldb"),
    country: str | None = typer.Option(None, "--country"),
    recognition: str = typer.Option("n/a", "--recognition"),
    year: int | None = typer.Option(None, "--year"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    recognition = _required_choice("recognition", recognition, "--recognition")  # key or German label
    services.add_qualification(case_id, title, kldb_code=kldb, country=country, recognition=recognition, year=year)
    typer.echo(t("cli.history_added", ref=case_id.hex[:8]))


@case_app.command("work")
@command
def case_work(
    case: str = typer.Argument(...),
    title: str = typer.Option(..., "--title"),
    kldb: str | None = typer.Option(None, "--kldb"),
    date_from: str | None = typer.Option(None, "--from"),
    until: str | None = typer.Option(None, "--until"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    services.add_work_episode(
        case_id, title, kldb_code=kldb, date_from=_date(date_from, "--from"), date_to=_date(until, "--until")
    )
    typer.echo(t("cli.history_added", ref=case_id.hex[:8]))
