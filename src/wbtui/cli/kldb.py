"""``wbtui kldb TEXT``: find a target occupation's KldB 2010 code by words of its title or by its first digits."""

from __future__ import annotations

import typer

from wbtui.cli.common import _table, command, out_json, st
from wbtui.i18n import t


@command
def kldb(
    text: str = typer.Argument(...),
    limit: int = typer.Option(20, "--limit", min=1, max=200),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.domain import kldb as classification

    _ = st().config  # the configured language
    found = classification.search(text, limit=limit)
    if as_json:
        out_json(
            {"count": len(found), "occupations": [{"code": o.code, "title": o.title, "level": o.level} for o in found]}
        )
        return
    if not found:
        typer.echo(t("cli.kldb_none"))
        return
    _table([t("hdr.kldb.code"), t("hdr.kldb.title")], [[o.code, o.title] for o in found])
