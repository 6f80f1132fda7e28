"""``wbtui inbox``: what the other office did on the user's cases (appointments, results, voucher, course …),
unread first, and marking entries read (README "Return channel without a shared server")."""

from __future__ import annotations

import typer

from wbtui.cli.common import _dt, _table, command, out_json, st
from wbtui.i18n import t, tn

inbox_app = typer.Typer(invoke_without_command=True)


@inbox_app.callback()
@command
def inbox_list(
    ctx: typer.Context,
    unread: bool = typer.Option(False, "--unread"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    import json

    from wbtui.services.reads import Reader

    state = st()
    _received, _queries, rows = Reader(state.store, state.config).inbox(None)
    items = [
        {"event_id": r[7], "case_id": r[0], "ref": r[0][:8], "family_name": r[1], "given_names": r[2],
         "kundennummer": r[3], "at": r[4], "type": r[5], "payload": json.loads(r[6] or "{}"), "read": bool(r[8])}
        for r in rows if not (unread and r[8])
    ]  # fmt: skip
    if as_json:
        # the true totals (not the page's): "count" of what --unread asks for, "shown" the items listed
        count = rows.unread if unread else rows.total
        out_json({"count": count, "unread": rows.unread, "shown": len(items), "items": items})
        return
    if not items:
        typer.echo(t("cli.inbox.none"))
        return
    _table(
        [t("cli.inbox.hdr.read"), t("hdr.since"), t("tui.inbox.what"), t("hdr.name"), t("hdr.case"), "Id"],
        [["" if i["read"] else "*", _dt(i["at"]), t("tui.event." + i["type"]),
          f"{i['family_name']}, {i['given_names']}", i["ref"], i["event_id"][:8]] for i in items],
        flex=3,
        optional=(5, 4),
        caps={3: 22},
    )  # fmt: skip
    if len(items) < (rows.unread if unread else rows.total):  # the page of 300: say how many there are
        typer.echo(t("cli.inbox.page", shown=len(items), total=rows.total, unread=rows.unread))


@inbox_app.command("read")
@command
def inbox_read(
    entries: list[str] = typer.Argument(None),
    everything: bool = typer.Option(False, "--all"),
) -> None:
    from wbtui.services.reads import Reader

    state = st()
    reader = Reader(state.store, state.config)
    if everything:  # every unread entry, not only the page the list shows
        typer.echo(tn("ux.inbox.marked", reader.mark_all_read()))
        return
    _received, _queries, rows = reader.inbox(None)
    wanted = [e.strip().lower() for e in entries or [] if len(e.strip()) >= 4]
    ids = [r[7] for r in rows if any(r[7].startswith(w) for w in wanted)]
    typer.echo(tn("ux.inbox.marked", reader.mark_read(ids) if ids else 0))
