"""``wbtui serve`` and ``wbtui server …``: the central sync server and its administration."""

from __future__ import annotations

import typer

from wbtui.cli.common import command, out_json, st
from wbtui.i18n import t

server_app = typer.Typer(no_args_is_help=True)
server_org_app = typer.Typer(no_args_is_help=True)
server_user_app = typer.Typer(no_args_is_help=True)
server_token_app = typer.Typer(no_args_is_help=True)
server_app.add_typer(server_org_app, name="org")
server_app.add_typer(server_user_app, name="user")
server_app.add_typer(server_token_app, name="token")


@command
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port", min=1, max=65535),
    ssl_certfile: str | None = typer.Option(None, "--ssl-certfile"),
    ssl_keyfile: str | None = typer.Option(None, "--ssl-keyfile"),
    workers: int = typer.Option(1, "--workers", min=1, max=64),
) -> None:
    from wbtui.server.transport import serve as run

    engine = st().server_engine()  # creates the schema once, before any worker starts
    run(engine, host, port, certfile=ssl_certfile, keyfile=ssl_keyfile, workers=workers)


@server_org_app.command("add")
@command
def server_org_add(name: str = typer.Argument(...), kind: str = typer.Option(..., "--kind")) -> None:
    from wbtui.server.admin import add_org

    org_id = add_org(st().server_engine(), name, kind)
    typer.echo(t("cli.srv_created", what=name, id=org_id))


@server_user_app.command("add")
@command
def server_user_add(
    login: str = typer.Argument(...),
    org: str = typer.Option(..., "--org"),
    role: str = typer.Option(..., "--role"),
    team: str | None = typer.Option(None, "--team"),
) -> None:
    from wbtui.server.admin import add_user

    user_id = add_user(st().server_engine(), login, org, role, team)
    typer.echo(t("cli.srv_created", what=login, id=user_id))


@server_app.command("revoke-access")
@command
def server_revoke_access(
    case_id: str = typer.Argument(...),
    org: str = typer.Option(..., "--org"),
) -> None:
    from wbtui.server.admin import revoke_case_access

    revoke_case_access(st().server_engine(), case_id.lower(), org)
    typer.echo(t("cli.srv_access_revoked", ref=case_id[:8], org=org))


@server_app.command("compact")
@command
def server_compact(
    keep_days: int = typer.Option(
        30,
        "--keep-days",
        min=0,
        max=3650,
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.server.compaction import compact

    engine = st().server_engine()
    results = compact(engine, keep_days=keep_days)
    if as_json:
        out_json([r.as_dict() for r in results])
        return
    from sqlmodel import Session, select

    from wbtui.server.models import SrvOrg

    with Session(engine) as s:
        names = {o.id: o.name for o in s.exec(select(SrvOrg))}
    for r in results:
        typer.echo(
            t(
                "cli.srv_compacted",
                org=names.get(r.org, r.org),
                before=r.before,
                removed=r.removed,
                rewritten=r.rewritten,
                horizon="–" if r.horizon is None else f"{r.horizon[0]}:{r.horizon[1]}",
            )
        )


@server_token_app.command("issue")
@command
def server_token_issue(
    login: str = typer.Argument(...),
    scopes: list[str] = typer.Option(["read", "push"], "--scope"),
    days: int = typer.Option(30, "--days"),
) -> None:
    from wbtui.server.admin import issue_token, pepper

    token_id, token = issue_token(st().server_engine(), pepper(), login, list(scopes), days)
    typer.echo(token)
    typer.echo(t("cli.srv_token", id=token_id, days=days), err=True)


@server_token_app.command("revoke")
@command
def server_token_revoke(token_id: str = typer.Argument(...)) -> None:
    from wbtui.server.admin import revoke_token

    revoke_token(st().server_engine(), token_id)
    typer.echo(t("cli.srv_revoked", id=token_id))


@server_app.command("upload-window")
@command
def server_upload_window(
    login: str | None = typer.Argument(None),
    hours: int = typer.Option(24, "--hours", min=1, max=168),
    close: bool = typer.Option(False, "--close"),
) -> None:
    from wbtui.server import admin

    engine = st().server_engine()
    if login is None:
        windows = admin.upload_windows(engine)
        for name, opened, closes in windows:
            typer.echo(
                t("cli.srv_window_row", login=name, since=f"{opened:%Y-%m-%d %H:%M}", until=f"{closes:%Y-%m-%d %H:%M}")
            )
        if not windows:
            typer.echo(t("cli.srv_window_none"))
        return
    if close:
        admin.close_upload_window(engine, login)
        typer.echo(t("cli.srv_window_closed", login=login))
        return
    closes = admin.open_upload_window(engine, login, hours)
    typer.echo(t("cli.srv_window_open", login=login, until=f"{closes:%Y-%m-%d %H:%M}"))
