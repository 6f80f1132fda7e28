"""``wbtui team …``: Vertretung and reassignment — hand cases and follow-ups on, the team inbox, absences
(README "Vertretung and reassignment"; rules in domain/assignment.py, use cases in services/assignment.py)."""

from __future__ import annotations

import uuid

import typer

from wbtui.cli.common import _d, _date, _label, _table, command, out_json, st
from wbtui.i18n import t, tn

team_app = typer.Typer(no_args_is_help=True)


def _receiver(login: str | None) -> str:
    return login if login else t("ux.team.inbox_name")


@team_app.command("assign")
@command
def team_assign(
    cases: list[str] = typer.Argument(None),
    to: str | None = typer.Option(None, "--to"),
    inbox: bool = typer.Option(False, "--inbox"),
    from_owner: str | None = typer.Option(None, "--from-owner"),
    team: str | None = typer.Option(None, "--team"),
    keep_tasks: bool = typer.Option(False, "--keep-tasks"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.data.queries import CaseFilter
    from wbtui.domain.errors import WbtuiError
    from wbtui.services.reads import Reader

    if bool(to) == bool(inbox):
        raise WbtuiError("ux.err.assign_target")
    state = st()
    services = state.services
    ids = [services.resolve(ref) for ref in cases or []]
    if from_owner:
        rows, _total = Reader(state.store, state.config).cases(
            CaseFilter(mine_login=from_owner), state.engine(), limit=100_000, with_total=False
        )
        ids += [case_id for case_id in (uuid.UUID(r["id"]) for r in rows) if case_id not in ids]
    if not ids:
        raise WbtuiError("ux.err.assign_nothing")
    handed = services.reassign(ids, None if inbox else to, team=team, with_tasks=not keep_tasks)
    if as_json:
        out_json(
            {
                "count": len(handed),
                "cases": [
                    {"id": h.case_id.hex, "ref": h.case_id.hex[:8], "previous": h.previous, "owner": h.receiver,
                     "via": list(h.via), "tasks": h.tasks}
                    for h in handed
                ],
            }
        )  # fmt: skip
        return
    first = handed[0]
    if first.via:
        typer.echo(t("ux.team.routed", absent=", ".join(first.via), to=_receiver(first.receiver)))
    typer.echo(tn("ux.team.assigned", len(handed), to=_receiver(first.receiver), tasks=sum(h.tasks for h in handed)))


@team_app.command("take")
@command
def team_take(cases: list[str] = typer.Argument(...)) -> None:
    services = st().services
    handed = services.take([services.resolve(ref) for ref in cases])
    typer.echo(tn("ux.team.assigned", len(handed), to=_receiver(handed[0].receiver), tasks=0))


@team_app.command("task")
@command
def team_task(
    task: str = typer.Argument(...),
    to: str | None = typer.Option(None, "--to"),
    inbox: bool = typer.Option(False, "--inbox"),
) -> None:
    from wbtui.domain.assignment import TEAM_INBOX
    from wbtui.domain.errors import WbtuiError

    if bool(to) == bool(inbox):
        raise WbtuiError("ux.err.assign_target")
    task_id, owner = st().services.reassign_task(task, None if inbox else to)
    typer.echo(t("ux.team.task_assigned", ref=task_id.hex[:8], to=_receiver(None if owner == TEAM_INBOX else owner)))


@team_app.command("inbox")
@command
def team_inbox(as_json: bool = typer.Option(False, "--json")) -> None:
    from wbtui.services.reads import Reader

    state = st()
    cases, tasks = Reader(state.store, state.config).team_inbox(state.engine())
    if as_json:
        out_json(
            {
                "count": len(cases) + len(tasks),
                "cases": [
                    {"id": c["id"], "ref": c["id"][:8], "family_name": c["family_name"],
                     "given_names": c["given_names"], "kundennummer": c["kundennummer"], "stage": c["stage"]}
                    for c in cases
                ],
                "tasks": [{**r, "ref": r["id"][:8], "case_ref": r["case_id"][:8]} for r in tasks],
            }
        )  # fmt: skip
        return
    if not cases and not tasks:
        typer.echo(t("ux.team.inbox_empty"))
        return
    if cases:
        typer.echo(tn("ux.team.inbox_cases", len(cases)))
        _table(
            [t("hdr.case"), t("hdr.name"), t("hdr.kundennummer"), t("hdr.stage")],
            [[c["id"][:8], f"{c['family_name']}, {c['given_names']}", c["kundennummer"], _label("stage", c["stage"])]
             for c in cases],
            flex=1,
        )  # fmt: skip
    if tasks:
        typer.echo(tn("ux.team.inbox_tasks", len(tasks)))
        _table(
            [t("hdr.task"), t("hdr.due"), t("hdr.title"), t("hdr.case")],
            [[r["id"][:8], _d(r["due_on"]), _label("decision", r["title"]) if r["origin"] == "fallkonferenz"
              else r["title"], r["case_id"][:8]] for r in tasks],
            flex=2,
        )  # fmt: skip


@team_app.command("absent")
@command
def team_absent(
    date_from: str = typer.Option(..., "--from"),
    until: str = typer.Option(..., "--until"),
    deputy: str | None = typer.Option(None, "--deputy"),
    login: str | None = typer.Option(None, "--login"),
) -> None:
    start = _date(date_from, "--from")
    end = _date(until, "--until")
    assert start is not None and end is not None  # required options
    services = st().services
    services.set_absence(login, start, end, deputy)
    typer.echo(
        t("ux.team.absent_set", login=login or services.actor.login, start=_d(start), end=_d(end),
          to=_receiver(deputy))
    )  # fmt: skip


@team_app.command("back")
@command
def team_back(login: str | None = typer.Option(None, "--login")) -> None:
    n = st().services.end_absence(login)
    typer.echo(tn("ux.team.back", n))


@team_app.command("absences")
@command
def team_absences(as_json: bool = typer.Option(False, "--json")) -> None:
    rows = st().services.absences()
    if as_json:
        out_json({"count": len(rows), "absences": rows})
        return
    if not rows:
        typer.echo(t("ux.team.no_absences"))
        return
    _table(
        [t("ux.team.hdr.login"), t("ux.team.hdr.from"), t("ux.team.hdr.until"), t("ux.team.hdr.deputy"), ""],
        [[r["login"], _d(r["from"]), _d(r["until"]), _receiver(r["deputy"]), t("ux.team.now") if r["active"] else ""]
         for r in rows],
    )  # fmt: skip
