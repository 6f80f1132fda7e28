"""Local housekeeping: ``wbtui config …``, ``store encrypt``, ``locate``, ``migrate``, ``demo``."""

from __future__ import annotations

import sys

import typer

from wbtui.cli.common import EXIT_RULE, _ask_new_key, _fail, command, out_json, st
from wbtui.i18n import t

config_app = typer.Typer(no_args_is_help=True)
store_app = typer.Typer(no_args_is_help=True)


@config_app.command("init")
@command
def config_init() -> None:
    from wbtui import paths
    from wbtui.config import EXAMPLE

    path = paths.config_file()
    if path.exists():
        _fail(t("cli.config_exists", path=path), EXIT_RULE)
    paths.restrict_umask()
    paths.private_dir(path.parent)
    path.write_text(EXAMPLE, encoding="utf-8")
    typer.echo(t("cli.config_written", path=path))


@config_app.command("check")
@command
def config_check() -> None:
    cfg = st().config
    typer.echo(t("cli.config_ok", path=cfg.source) if cfg.source else t("cli.config_default"))


@store_app.command("encrypt")
@command
def store_encrypt() -> None:
    from wbtui import paths
    from wbtui.data import encryption
    from wbtui.data.store import SessionLock

    state = st()
    path = paths.db_path(state.db)
    passphrase = encryption.passphrase_from(state.config, prompt=_ask_new_key if sys.stdin.isatty() else None)
    if not passphrase:
        from wbtui.domain.errors import StoreError

        raise StoreError("err.store_key_missing", path=str(path))
    with SessionLock(path):
        encryption.encrypt_existing(path, passphrase)
    typer.echo(t("cli.store_encrypted", path=path))


@command
def locate(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui import paths

    places = {
        "config": str(paths.config_file()),
        "data": str(paths.data_dir()),
        "db": str(paths.db_path(st().db)),
        "logs": str(paths.log_dir()),
        "keys": str(paths.key_dir()),  # the audit trail's key and anchor (outside the data directory)
    }
    if as_json:
        out_json(places)
        return
    _ = st().config
    for key, label in (
        ("config", "cli.locate_config"),
        ("data", "cli.locate_data"),
        ("db", "cli.locate_db"),
        ("logs", "cli.locate_logs"),
        ("keys", "cli.locate_keys"),
    ):
        typer.echo(f"{t(label) + ':':<18}{places[key]}")


@command
def migrate() -> None:
    from wbtui import paths
    from wbtui.data.store import migrate as do_migrate

    _ = st().config
    path = paths.db_path(st().db)
    paths.restrict_umask()
    paths.private_dir(path.parent)
    before, after = do_migrate(path)
    paths.private_file(path)
    typer.echo(t("cli.migrated", path=path, before=before, after=after))


@command
def demo(
    cases: int = typer.Option(600, "--cases", min=1, max=200_000),
    seed: int = typer.Option(1, "--seed"),
    force: bool = typer.Option(False, "--force"),
    if_empty: bool = typer.Option(False, "--if-empty"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    import time

    from wbtui.domain.errors import WbtuiError
    from wbtui.services import demo as demo_mod

    state = st()
    state.may_create = True
    services = state.services
    _ = services.actor  # the configured office and user exist before the data
    con = state.store.raw(readonly=False)
    try:
        if not force and con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0]:
            if if_empty:
                typer.echo(t("cli.demo_skipped", path=state.store.path))
                return
            raise WbtuiError("err.demo_not_empty", path=state.store.path)
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if not quiet:
                typer.echo(t("cli.demo_progress", done=done, total=total), err=True)

        cfg = state.config
        made = demo_mod.generate(
            con,
            cases,
            seed=seed,
            home_org=(cfg.office_name, cfg.office_kind),
            partner_agentur=cfg.partner_agentur,
            home_login=cfg.user_login,
            progress=progress,
            batch=max(500, min(5000, cases // 20 or 500)),
            calendar=cfg.calendar(),  # the office's working days: its Land's holidays and its own
        )
        con.execute("PRAGMA optimize")
    finally:
        con.close()
    typer.echo(t("cli.demo_done", cases=made, path=state.store.path, seconds=time.perf_counter() - started))
