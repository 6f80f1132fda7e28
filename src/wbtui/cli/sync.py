"""``wbtui sync …``: sync with the central server, the token, the check against the server, conflicts."""

from __future__ import annotations

import sys

import typer

from wbtui.cli.common import _table, command, out_json, st
from wbtui.i18n import t

sync_app = typer.Typer(invoke_without_command=True)


@sync_app.callback(invoke_without_command=True)
@command
def sync_run(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from wbtui.services import sync as sync_service

    def announce(queued: int) -> None:
        if not quiet:
            typer.echo(t("cli.sync_initial", n=queued), err=True)

    def progress(phase: str, n: int) -> None:
        if not quiet and not as_json:
            typer.echo(t("cli.sync_progress", phase=t("cli.sync_phase." + phase), n=n), err=True)

    state = st()
    state.may_create = True  # a new device's first sync fills a new store
    summary = sync_service.run(state.store, state.config, progress, announce=announce)
    data = {
        "pushed": summary.pushed,
        "rejected": summary.rejected,
        "pulled": summary.pulled,
        "conflicts": summary.conflicts,
        "grants": summary.grants,
        "dropped": summary.dropped,
        "reset": summary.reset,
    }
    if as_json:
        out_json(data)
    else:
        if summary.reset:
            typer.echo(t("cli.sync_reset", dropped=summary.dropped))
        typer.echo(t("cli.sync_done", **data))


@sync_app.command("login")
@command
def sync_login() -> None:
    from wbtui.services.sync import login, save_token

    state = st()
    token = sys.stdin.readline()
    if not state.config.sync_url:  # no server: the configuration file says who works here (README)
        typer.echo(t("cli.sync_token_saved", path=save_token(token)))
        return
    state.may_create = True
    path, pin = login(state.store, state.config, token)
    typer.echo(t("cli.sync_token_saved", path=path))
    if pin is not None:
        typer.echo(t("cli.sync_pinned", login=pin.login, role=t("role." + pin.role)))


@sync_app.command("verify")
@command
def sync_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui.services import sync as sync_service

    state = st()
    report = sync_service.verify(state.store, state.config)
    if as_json:
        out_json(report)
    else:
        typer.echo(t("cli.sync_verify", **report))


@sync_app.command("status")
@command
def sync_status(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui.services.sync import status

    data = status(st().store)
    if as_json:
        out_json(data)
    else:
        typer.echo(t("cli.sync_status", **{k: (v if v is not None else "–") for k, v in data.items()}))


@sync_app.command("conflicts")
@command
def sync_conflicts(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui.domain.fields import FIELDS
    from wbtui.services.conflicts import CONFLICT_KINDS, conflicts

    items = conflicts(st().services)
    if as_json:
        out_json({"count": len(items), "conflicts": [c.as_dict() for c in items]})
        return

    def shown(value) -> str:
        return "–" if value is None else str(value)

    if items:
        _table(
            [
                t("hdr.conflict"),
                t("tui.conflicts.kind"),
                t("hdr.case"),
                t("tui.conflicts.field"),
                t("tui.conflicts.kept"),
                t("tui.conflicts.lost"),
            ],
            [
                [
                    c.conflict_id[:8],
                    t("tui.conflicts.kind." + c.kind) if c.kind in CONFLICT_KINDS else c.kind,
                    (c.row_id or "")[:8] if c.entity == "case" else "",
                    t("field." + c.field) if c.field in FIELDS else (c.field or c.entity or ""),
                    shown(c.kept),
                    f"{c.detail}: {shown(c.lost)}" if c.kind == "rejected_write" else shown(c.lost),
                ]
                for c in items
            ],
        )
    typer.echo(t("tui.conflicts.count", n=len(items)))


@sync_app.command("resolve")
@command
def sync_resolve(
    conflict: str = typer.Argument(...),
    take_lost: bool = typer.Option(
        ...,
        "--take-lost/--keep",
    ),
) -> None:
    from wbtui.services import conflicts as review

    services = st().services
    if take_lost:
        done = review.take_lost(services, conflict)
        typer.echo(t("cli.conflict_taken", ref=done.conflict_id[:8]))
    else:
        done = review.keep(services, conflict)
        typer.echo(t("cli.conflict_kept", ref=done.conflict_id[:8]))
