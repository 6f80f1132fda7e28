"""``wbtui conference add``: a Fallkonferenz with participants and decisions (each decision a follow-up)."""

from __future__ import annotations

import typer

from wbtui.cli.common import _choice, _date, _required_choice, command, st
from wbtui.i18n import t

conference_app = typer.Typer(no_args_is_help=True)


@conference_app.command("add")
@command
def conference_add(
    case: str = typer.Argument(...),
    variant: str = typer.Option(..., "--variant"),
    participants: list[str] = typer.Option(..., "--participant"),
    decisions: list[str] = typer.Option(
        ...,
        "--decision",
    ),
    held: str | None = typer.Option(None, "--date"),
    dissent: str | None = typer.Option(None, "--dissent"),
    next_review: str | None = typer.Option(None, "--next-review"),
    place: str | None = typer.Option(None, "--place"),
    start_time: str | None = typer.Option(None, "--time"),
    minutes: list[str] | None = typer.Option(None, "--minutes"),
    distribution: list[str] | None = typer.Option(None, "--to"),
) -> None:
    from wbtui.domain.errors import WbtuiError

    variant = _required_choice("conference_variant", variant, "--variant")
    parts = []
    for item in participants:
        bits = [b.strip() for b in _fields(item)]
        if len(bits) not in (2, 3) or not all(bits[:2]):
            raise WbtuiError("err.bad_participant", value=item)
        parts.append((bits[0], _role(bits[1]), bits[2] if len(bits) == 3 else None))
    decs = []
    for item in decisions:
        bits = [b.strip() for b in _fields(item)]
        if len(bits) != 3:
            raise WbtuiError("err.bad_decision", value=item)
        decs.append((_required_choice("decision", bits[0], "--decision"), bits[1], _date(bits[2], "--decision")))
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
        place=place,
        start_time=start_time,
        minutes=_minutes(minutes),
        distribution=distribution,
    )
    typer.echo(t("cli.conference_added", ref=case_id.hex[:8], tasks=len(decs)))


def _minutes(items: list[str] | None) -> dict[str, str]:
    """``--minutes status="Kurs läuft gut"``: the agenda item (key or label) and what was said on it."""
    from wbtui.domain.errors import WbtuiError

    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise WbtuiError("err.bad_assignment", value=item)
        key, text = item.split("=", 1)
        out[_required_choice("agenda_item", key.strip(), "--minutes")] = text
    return out


def _fields(item: str) -> list[str]:
    """Fields of one --participant/--decision value: split at ":" (the TUI has separate fields; ";" works
    here too). A date written with ":" is not possible, so the split is unambiguous."""
    return item.split(";") if ";" in item and ":" not in item else item.split(":")


def _role(text: str) -> str:
    """A participant's role: a known role (key or label, e.g. „Integrationsfachkraft“) as its key, any other
    text as written."""
    from wbtui.domain.errors import WbtuiError

    try:
        return _choice("participant_role", text, "--participant") or text
    except WbtuiError:
        return text
