"""``wbtui conference add``: a Fallkonferenz with participants and decisions (each decision a follow-up)."""

from __future__ import annotations

import typer

from wbtui.cli.common import _date, command, st
from wbtui.i18n import t

conference_app = typer.Typer(help="Fallkonferenzen erfassen.", no_args_is_help=True)


@conference_app.command("add")
@command
def conference_add(
    case: str = typer.Argument(...),
    variant: str = typer.Option(..., "--variant", help="fallbesprechung | ohne_person | mit_person"),
    participants: list[str] = typer.Option(..., "--participant", help="Name:Rolle[:Organisation] (mehrfach)."),
    decisions: list[str] = typer.Option(..., "--decision", help="code:verantwortlich:JJJJ-MM-TT (mehrfach)."),
    held: str | None = typer.Option(None, "--date"),
    dissent: str | None = typer.Option(None, "--dissent", help="Abweichende Meinung, auch der Person."),
    next_review: str | None = typer.Option(None, "--next-review"),
) -> None:
    """Erfasst eine Fallkonferenz; jede Entscheidung erzeugt eine Wiedervorlage."""
    from wbtui.domain.errors import WbtuiError

    parts = []
    for item in participants:
        bits = item.split(":")
        if len(bits) not in (2, 3) or not all(b.strip() for b in bits[:2]):
            raise WbtuiError("err.bad_participant", value=item)
        parts.append((bits[0], bits[1], bits[2] if len(bits) == 3 else None))
    decs = []
    for item in decisions:
        bits = item.split(":")
        if len(bits) != 3:
            raise WbtuiError("err.bad_decision", value=item)
        decs.append((bits[0].strip(), bits[1].strip(), _date(bits[2], "--decision")))
    services = st().services
    case_id = services.resolve(case)
    services.add_conference(
        case_id,
        variant=variant,
        participants=parts,
        decisions=decs,
        held_on=_date(held, "--date"),
        dissent=dissent,
        next_review=_date(next_review, "--next-review"),
    )
    typer.echo(t("cli.conference_added", ref=case_id.hex[:8], tasks=len(decs)))
