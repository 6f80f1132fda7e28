"""``wbtui task …`` (Wiedervorlagen) and ``wbtui overdue`` ("nobody gets lost": overdue, expiring and stalled cases)."""

from __future__ import annotations

from datetime import date

import typer

from wbtui.cli.common import _choice, _d, _date, _label, _table, command, out_json, st
from wbtui.i18n import t

task_app = typer.Typer(no_args_is_help=True)


@task_app.command("list")
@command
def task_list(
    owner: str | None = typer.Option(None, "--owner"),
    mine: bool = typer.Option(False, "--mine"),
    overdue: bool = typer.Option(False, "--overdue"),
    include_done: bool = typer.Option(False, "--all"),
    limit: int = typer.Option(200, "--limit", min=1, max=100_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.data.queries import TaskFilter
    from wbtui.services.reads import Reader

    state = st()
    reader = Reader(state.store, state.config)
    who = reader.subject.login if mine else owner
    rows = reader.tasks(
        TaskFilter(owner=who, overdue_on=date.today() if overdue else None, include_done=include_done), limit=limit
    )
    today = date.today().isoformat()
    if as_json:
        out_json(
            {
                "count": len(rows),
                "tasks": [
                    {
                        **r,
                        "ref": r["id"][:8],
                        "case_ref": r["case_id"][:8],
                        "overdue": r["status"] == "offen" and r["due_on"] < today,
                    }
                    for r in rows
                ],
            }
        )
        return
    if not rows:
        typer.echo(t("cli.no_tasks"))
        return
    _table(
        [t("hdr.task"), t("hdr.due"), "", t("hdr.title"), t("hdr.name"), t("hdr.case"), t("ux.cli.owner")],
        [
            [
                r["id"][:8],
                _d(r["due_on"]),
                "!" if r["status"] == "offen" and r["due_on"] < today else "",
                _label("decision", r["title"]) if r["origin"] == "fallkonferenz" else r["title"],
                f"{r['family_name']}, {r['given_names']}",
                r["case_id"][:8],
                r["owner"],
            ]
            for r in rows
        ],
        flex=3,
        optional=(6, 5),
        caps={4: 22},
    )
    if any(r["status"] == "offen" and r["due_on"] < today for r in rows):
        typer.echo(t("ux.cli.overdue_mark"))


@task_app.command("add")
@command
def task_add(
    case: str = typer.Argument(...),
    title: str = typer.Option(..., "--title"),
    due: str = typer.Option(..., "--due"),
    owner: str | None = typer.Option(None, "--owner"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    task_id = services.add_task(case_id, title, owner, _date(due, "--due"))
    typer.echo(t("cli.task_added", task=task_id.hex[:8]))


@task_app.command("done")
@command
def task_done(task: str = typer.Argument(...)) -> None:
    task_id = st().services.complete_task(task)
    typer.echo(t("cli.task_done", task=task_id.hex[:8]))


# --------------------------------------------------------------------------- overdue


@command
def overdue(
    kind: str = typer.Option("all", "--kind"),
    limit: int = typer.Option(0, "--limit", min=0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.data.queries import days_since
    from wbtui.services.reads import Reader

    kinds = {"overdue": ("overdue", "warning"), "stalled": ("stalled",), "all": ("overdue", "warning", "stalled")}[
        _choice("overdue_kind", kind, "--kind") or "all"
    ]
    state = st()
    rows = Reader(state.store, state.config).overdue(state.engine(), kinds=kinds, limit=limit or None)
    today = date.today()
    if as_json:
        out_json(
            {
                "today": today.isoformat(),
                "count": len(rows),
                "items": [
                    {
                        "case_id": r["id"],
                        "ref": r["id"][:8],
                        "family_name": r["family_name"],
                        "given_names": r["given_names"],
                        "kundennummer": r["kundennummer"],
                        "stage": r["stage"],
                        "rule": r["rule"],
                        "kind": r["kind"],
                        "days_in_stage": days_since(r["stage_since"], today),
                        "voucher_valid_until": r["voucher_valid_until"],
                        "course_start": r["course_start"],
                    }
                    for r in rows
                ],
            }
        )
        return
    if not rows:
        typer.echo(t("cli.nothing_overdue"))
        return
    _table(
        [
            t("hdr.case"),
            t("hdr.name"),
            t("hdr.timer"),
            t("hdr.rule"),
            t("hdr.stage"),
            t("hdr.days"),
            t("hdr.kundennummer"),
        ],
        [
            [
                r["id"][:8],
                f"{r['family_name']}, {r['given_names']}",
                t("timer." + r["kind"]),
                t("rule." + r["rule"]),
                _label("stage", r["stage"]),
                str(days_since(r["stage_since"], today) or 0),
                r["kundennummer"],
            ]
            for r in rows
        ],
        flex=3,
        optional=(6, 5, 4),
        caps={1: 22, 4: 24},
    )
