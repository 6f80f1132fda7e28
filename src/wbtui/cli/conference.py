"""``wbtui conference add|list|print``: a Fallkonferenz with participants and decisions (each decision a
follow-up), the case's conferences, and the protocol of the latest as Markdown or PDF."""

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


@conference_app.command("list")
@command
def conference_list(case: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    # the case's Fallkonferenzen (README "Documents"): date, variant, place, participants, decisions
    from wbtui.cli.common import _clean, _d, _label, _table, out_json
    from wbtui.services.reads import Reader

    state = st()
    reader = Reader(state.store, state.config)
    rows = reader.read_case(reader.resolve(case), state.engine())["conferences"]
    if as_json:
        out_json({"count": len(rows), "conferences": [{**c, "ref": str(c["id"])[:8]} for c in rows]})
        return
    if not rows:
        typer.echo(t("cli.conference.none"))
        return
    _table(
        [t("cli.conference.hdr.ref"), t("cli.conference.hdr.date"), t("cli.conference.hdr.variant"),
         t("cli.conference.hdr.place"), t("cli.conference.hdr.participants")],
        [[str(c["id"])[:8], _d(c["held_on"]), _label("conference_variant", c["variant"]), _clean(c.get("place") or ""),
          ", ".join(_clean(p["name"]) for p in c["participants"])] for c in rows],
        flex=4,
        optional=(3,),
    )  # fmt: skip


@conference_app.command("print")
@command
def conference_print(
    case: str = typer.Argument(...),
    fmt: str = typer.Option("md", "--format"),
    output: str | None = typer.Option(None, "--output", "-o"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    # the protocol of the case's latest Fallkonferenz (as ``handover print --conference``)
    from wbtui.cli.handover import print_document

    print_document(case, fmt, output, protocol=True, force=force)
