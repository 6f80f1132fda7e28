"""``wbtui handover …``: the handover to the Agentur (check, send, acknowledge, query, revoke) and its files."""

from __future__ import annotations

import typer

from wbtui.cli.common import EXIT_RULE, _datetime, _required_choice, command, out_json, st
from wbtui.i18n import t

handover_app = typer.Typer(no_args_is_help=True)


@handover_app.command("check")
@command
def handover_check(case: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    services = st().services
    case_id = services.resolve(case)
    reasons = services.handover_check(case_id)
    from wbtui.i18n import render_reason
    from wbtui.widgets.glyphs import glyph

    if as_json:
        out_json(
            {
                "ready": not reasons,
                "missing": [{"key": k, "params": p, "text": render_reason(k, p)} for k, p in reasons],
            }
        )
    else:
        for key, params in reasons:
            typer.echo(glyph("no") + " " + render_reason(key, params))
        if not reasons:
            typer.echo(glyph("ok"))
    if reasons:
        raise typer.Exit(EXIT_RULE)


@handover_app.command("send")
@command
def handover_send(
    case: str = typer.Argument(...),
    channel: str = typer.Option("shared_system", "--channel"),
) -> None:
    from wbtui.domain.errors import RuleViolation

    services = st().services
    case_id = services.resolve(case)
    channel = _required_choice("channel", channel, "--channel")
    try:
        services.send_handover(case_id, channel=channel)
    except RuleViolation as exc:
        # "only from Übergabe vorbereitet" alone does not say what to do: add what is still missing
        if [key for key, _ in exc.reasons] == ["guard.handover_needs_ready"]:
            missing = services.handover_check(case_id)
            if missing:
                raise RuleViolation(missing + exc.reasons) from None
        raise
    typer.echo(t("cli.handover_sent", ref=case_id.hex[:8]))


@handover_app.command("ack")
@command
def handover_ack(
    case: str = typer.Argument(...),
    appointment: str | None = typer.Option(None, "--appointment"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    services.ack_handover(case_id, appointment_at=_datetime(appointment, "--appointment"))
    typer.echo(t("cli.handover_acked", ref=case_id.hex[:8]))


@handover_app.command("query")
@command
def handover_query(case: str = typer.Argument(...), text: str = typer.Option(..., "--text")) -> None:
    services = st().services
    case_id = services.resolve(case)
    services.query_handover(case_id, text)
    typer.echo(t("cli.handover_queried", ref=case_id.hex[:8]))


@handover_app.command("revoke")
@command
def handover_revoke(
    case: str = typer.Argument(...), reason: str = typer.Option("handover_revoked", "--reason")
) -> None:
    services = st().services
    case_id = services.resolve(case)
    services.revoke_handover(case_id, reason)
    typer.echo(t("cli.handover_revoked", ref=case_id.hex[:8]))


@handover_app.command("export")
@command
def handover_export(
    case: str = typer.Argument(...),
    output: str = typer.Option(..., "--output", "-o"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    from pathlib import Path

    from wbtui.services.exchange import build, write

    services = st().services
    case_id = services.resolve(case)
    path = write(build(services, case_id), Path(output), overwrite=force)
    typer.echo(t("cli.exported", ref=case_id.hex[:8], path=path))


@handover_app.command("print")
@command
def handover_print(
    case: str = typer.Argument(...),
    fmt: str = typer.Option("md", "--format"),
    output: str | None = typer.Option(None, "--output", "-o"),
    protocol: bool = typer.Option(False, "--conference"),
    force: bool = typer.Option(False, "--force"),
) -> None:
    print_document(case, fmt, output, protocol=protocol, force=force)


def print_document(case: str, fmt: str, output: str | None, *, protocol: bool, force: bool) -> None:
    """The Übergabebogen or the Fallkonferenz protocol (``conference print``) as Markdown or PDF."""
    from pathlib import Path

    from wbtui.domain.errors import WbtuiError
    from wbtui.services import documents
    from wbtui.services.exchange import write_text

    if fmt not in documents.FORMATS:
        raise WbtuiError("err.bad_choice", field="--format", value=fmt, choices=", ".join(documents.FORMATS))
    if fmt == "pdf" and not output:
        raise WbtuiError("err.pdf_needs_output")
    services = st().services
    case_id = services.resolve(case)
    body = documents.render(services, case_id, kind="conference" if protocol else "handover", fmt=fmt)
    if not output:
        typer.echo(body)
        return
    typer.echo(t("cli.document_written", path=write_text(body, Path(output), overwrite=force)))


@handover_app.command("import")
@command
def handover_import(
    path: str = typer.Argument(...),
    update_person: bool = typer.Option(False, "--update-person"),
) -> None:
    import errno
    import os
    from pathlib import Path

    from wbtui.services.exchange import import_file

    if not Path(path).exists():  # README "Exit codes": a missing file is "not found" (3), not a bad file
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    state = st()
    state.may_create = True  # the receiving office's first file makes its store
    case_id, again = import_file(state.services, Path(path), update_person=update_person)
    typer.echo(t("cli.import_again" if again else "cli.imported", ref=case_id.hex[:8]))
