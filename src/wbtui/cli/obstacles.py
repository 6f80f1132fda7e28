"""``wbtui obstacle …``: Hemmnisse from the catalog (with local codes)."""

from __future__ import annotations

import typer

from wbtui.cli.common import _choice, _date, _label, _table, command, out_json, st
from wbtui.i18n import t

obstacle_app = typer.Typer(no_args_is_help=True)


@obstacle_app.command("add")
@command
def obstacle_add(
    case: str = typer.Argument(...),
    code: str = typer.Argument(...),
    status: str = typer.Option("offen", "--status"),
    service: str | None = typer.Option(None, "--service"),
    review: str | None = typer.Option(None, "--review"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    status = _choice("obstacle_status", status, "--status") or "offen"
    services.add_obstacle(case_id, code, status=status, service=service, review_on=_date(review, "--review"), note=note)
    typer.echo(t("cli.obstacle_added", code=code.upper(), ref=case_id.hex[:8]))


@obstacle_app.command("set")
@command
def obstacle_set(
    case: str = typer.Argument(...),
    code: str = typer.Argument(...),
    status: str | None = typer.Option(
        None,
        "--status",
    ),
    service: str | None = typer.Option(None, "--service"),
    review: str | None = typer.Option(None, "--review"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    status = _choice("obstacle_status", status, "--status")
    services.set_obstacle(case_id, code, status=status, service=service, review_on=_date(review, "--review"), note=note)
    shown = _label("obstacle_status", status) if status else "-"
    typer.echo(t("cli.obstacle_set", code=code.upper(), ref=case_id.hex[:8], status=shown))


@obstacle_app.command("catalog")
@command
def obstacle_catalog(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui.i18n import get_language
    from wbtui.widgets.glyphs import glyph

    catalog = st().config.catalog()
    items = [
        {
            "code": o.code,
            "label_de": o.label_de,
            "label_en": o.label_en,
            "group": o.group,
            "art9": o.art9,
            "local": o.local,
        }
        for o in catalog
    ]
    if as_json:
        out_json(items)
        return
    lang = get_language()
    _table(
        ["Code", t("tui.obst.label"), "4PM", "Art. 9"],
        [
            [
                i["code"],
                i["label_de"] if lang == "de" else i["label_en"],
                t("group." + i["group"]),
                glyph("ok") if i["art9"] else "",
            ]
            for i in items
        ],
        flex=1,
        caps={2: 18},
    )
