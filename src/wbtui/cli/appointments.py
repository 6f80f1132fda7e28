"""``wbtui appointment …``: appointments as objects — add, move, record the result, list, export as ICS,
print the invitation letter (README "Appointments")."""

from __future__ import annotations

import typer

from wbtui.cli.common import _datetime, _dt, _label, _required_choice, _table, command, out_json, st
from wbtui.i18n import t, tn

appointment_app = typer.Typer(no_args_is_help=True)


@appointment_app.command("add")
@command
def appointment_add(
    case: str = typer.Argument(...),
    when: str = typer.Option(..., "--at"),
    kind: str = typer.Option("aa_beratung", "--kind"),
    place: str | None = typer.Option(None, "--place"),
    with_whom: str | None = typer.Option(None, "--with"),
    duration: int | None = typer.Option(None, "--minutes"),
    result: str | None = typer.Option(None, "--result"),
) -> None:
    from wbtui.services.appointments import STATUS_WORDS

    services = st().services
    case_id = services.resolve(case)
    code = _required_choice("appt_kind", kind, "--kind")
    status = STATUS_WORDS[_required_choice("appt_result", result, "--result")] if result else "geplant"
    at = _datetime(when, "--at")
    appt_id = services.add_appointment(
        case_id, code, at, location=place, with_whom=with_whom, duration_minutes=duration, status=status
    )
    typer.echo(t("cli.appt.added", ref=appt_id.hex[:8], kind=_label("appt_kind", code), at=_dt(at)))
    _warn_day_off(at)


@appointment_app.command("move")
@command
def appointment_move(
    appointment: str = typer.Argument(...),
    when: str = typer.Option(..., "--at"),
    reason: str | None = typer.Option(None, "--reason"),
    place: str | None = typer.Option(None, "--place"),
) -> None:
    services = st().services
    at = _datetime(when, "--at")
    new_id = services.move_appointment(services.resolve_appointment(appointment), at, reason=reason, location=place)
    typer.echo(t("cli.appt.moved", ref=new_id.hex[:8], at=_dt(at)))
    _warn_day_off(at)


def _warn_day_off(when) -> None:
    """The TUI's day-off warning (widgets/labels.day_off_text) on stderr: saved all the same (exit 0)."""
    from wbtui.widgets.labels import day_off_text

    text = day_off_text(st().config.calendar(), when)
    if text:
        typer.echo(text, err=True)


@appointment_app.command("done")
@command
def appointment_done(
    appointment: str = typer.Argument(...),
    result: str = typer.Option("held", "--result"),
    reason: str | None = typer.Option(None, "--reason"),
) -> None:
    from wbtui.services.appointments import STATUS_WORDS

    services = st().services
    appt_id = services.resolve_appointment(appointment)
    code = _required_choice("appt_result", result, "--result")
    services.set_appointment_status(appt_id, code, reason=reason)
    typer.echo(t("cli.appt.status", ref=appt_id.hex[:8], status=_label("appt_status", STATUS_WORDS[code])))


def _rows(case: str | None, mine: bool, owner: str | None, include_done: bool) -> list[dict]:
    from wbtui.services.reads import Reader

    state = st()
    reader = Reader(state.store, state.config)
    case_id = state.services.resolve(case).hex if case else None
    login = reader.subject.login if mine else owner
    return reader.appointments(case_id=case_id, login=login, include_done=include_done)


@appointment_app.command("list")
@command
def appointment_list(
    case: str | None = typer.Argument(None),
    mine: bool = typer.Option(False, "--mine"),
    owner: str | None = typer.Option(None, "--owner"),
    include_done: bool = typer.Option(False, "--all"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    rows = _rows(case, mine, owner, include_done)
    if as_json:
        out_json(
            {
                "count": len(rows),
                "appointments": [{**r, "ref": r["id"][:8], "case_ref": r["case_id"][:8]} for r in rows],
            }
        )
        return
    if not rows:  # without --all only planned ones are listed: say so, held ones may exist
        typer.echo(t("cli.appt.none" if include_done else "cli.appt.none_planned"))
        return
    _table(
        [t("cli.appt.hdr.ref"), t("cli.appt.hdr.when"), t("field.appt_kind"), t("field.appt_status"),
         t("cli.appt.hdr.name"), t("field.appt_location"), t("cli.appt.hdr.case")],
        [
            [r["id"][:8], _dt(r["starts_at"]), _label("appt_kind", r["kind"]), _label("appt_status", r["status"]),
             f"{r['family_name']}, {r['given_names']}", r["location"] or "", r["case_id"][:8]]
            for r in rows
        ],
        flex=4,
        optional=(6, 5, 3),
        caps={4: 22, 2: 24},
    )  # fmt: skip


@appointment_app.command("export")
@command
def appointment_export(
    case: str | None = typer.Argument(None),
    ics: bool = typer.Option(True, "--ics"),
    output: str = typer.Option(..., "--output", "-o"),
    mine: bool = typer.Option(False, "--mine"),
    owner: str | None = typer.Option(None, "--owner"),
    include_done: bool = typer.Option(False, "--all"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    from pathlib import Path

    from wbtui.services import ics as ical
    from wbtui.services.exchange import write_text

    rows = _rows(case, mine, owner, include_done)
    st().services.audit("export", "appointment", detail=f"ics; {len(rows)}")
    path = write_text(ical.calendar(rows), Path(output), overwrite=force)
    typer.echo(tn("cli.appt.exported", len(rows), path=path))


@appointment_app.command("letter")
@command
def appointment_letter(
    appointment: str = typer.Argument(...),
    output: str = typer.Option(..., "--output", "-o"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    from pathlib import Path

    from wbtui.services.letters import save_invitation

    services = st().services
    path = save_invitation(services, services.resolve_appointment(appointment), Path(output), overwrite=force)
    typer.echo(t("cli.document_written", path=path))
