"""``wbtui audit …``, ``wbtui retention …``, ``wbtui person export``: data protection (DSB, admin)."""

from __future__ import annotations

import json

import typer

from wbtui.cli.common import EXIT_RULE, _table, command, out_json, st
from wbtui.i18n import t

audit_app = typer.Typer(no_args_is_help=True)
retention_app = typer.Typer(no_args_is_help=True)
person_app = typer.Typer(no_args_is_help=True)


@audit_app.command("list")
@command
def audit_list(
    case: str | None = typer.Option(None, "--case"),
    actor: str | None = typer.Option(None, "--actor"),
    since: str | None = typer.Option(None, "--since"),
    limit: int = typer.Option(50, "--limit", min=1, max=100000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.services import privacy

    items = privacy.read_trail(st().services, case=case, actor=actor, since=since, limit=limit)
    if as_json:
        out_json(items)
        return
    _table(
        [
            t("hdr.audit.at"),
            t("hdr.audit.actor"),
            t("hdr.audit.action"),
            t("hdr.audit.object"),
            t("hdr.audit.groups"),
            t("hdr.audit.reason"),
        ],
        [
            [
                i["at"][:19].replace("T", " "),
                f"{i['actor']} ({i['role']})",
                i["action"],
                f"{i['object_type']} {(i['case_id'] or i['object_id'] or '')[:8]}",
                ",".join(i["data_groups"]),
                i["reason"] or i["purpose"] or i["detail"] or "",
            ]
            for i in items
        ],
    )


@audit_app.command("verify")
@command
def audit_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui.services import privacy

    result = privacy.verify_trail(st().services)
    if as_json:
        out_json(result.as_dict())
    else:
        typer.echo(privacy.verification_text(result))
        if result.server != "not_configured":
            typer.echo(t("cli.audit_server." + result.server))
    if not result.ok:
        raise typer.Exit(EXIT_RULE)


@audit_app.command("export")
@command
def audit_export(
    output: str = typer.Option(..., "--output", "-o"),
    since: str | None = typer.Option(None, "--since"),
) -> None:
    from pathlib import Path

    from wbtui.domain.text import clean_tree
    from wbtui.services import privacy
    from wbtui.services.exchange import write_text

    items = privacy.export_trail(st().services, since=since)
    body = "".join(json.dumps(clean_tree(i), ensure_ascii=False) + "\n" for i in items)
    typer.echo(t("cli.report_written", path=write_text(body, Path(output))))


@retention_app.command("run")
@command
def retention_run(
    apply: bool = typer.Option(False, "--apply"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.services import privacy

    result = privacy.run_retention(st().services, apply=apply)
    if as_json:
        out_json(result.as_dict())
        return
    info = result.as_dict()
    if not apply:
        typer.echo(t("cli.retention_plan", due=info["due"], held=info["held"], cutoff=info["cutoff"]))
        return
    typer.echo(t("cli.retention_done", cases=info["deleted_cases"], persons=info["deleted_persons"], held=info["held"]))
    if result.checkpoint_busy:
        typer.echo(t("cli.retention_busy"), err=True)


@retention_app.command("hold")
@command
def retention_hold(
    case: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    from wbtui.services import privacy

    case_id = privacy.hold(st().services, case, reason)
    typer.echo(t("cli.retention_held", ref=case_id.hex[:8]))


@retention_app.command("release")
@command
def retention_release(case: str = typer.Argument(...)) -> None:
    from wbtui.services import privacy

    case_id = privacy.release(st().services, case)
    typer.echo(t("cli.retention_released", ref=case_id.hex[:8]))


@person_app.command("export")
@command
def person_export(
    ref: str = typer.Argument(...),
    output: str = typer.Option(..., "--output", "-o"),
    reason: str | None = typer.Option(None, "--reason"),
) -> None:
    from pathlib import Path

    from wbtui.services import privacy
    from wbtui.services.exchange import write_text

    services = st().services
    if reason:
        services.open_break_glass(services.resolve(ref), reason)
    from wbtui.domain.text import clean_tree

    data = clean_tree(json.loads(json.dumps(privacy.subject_access_export(services, ref), default=str)))
    path = write_text(json.dumps(data, ensure_ascii=False, indent=2), Path(output))
    typer.echo(t("cli.report_written", path=path))
