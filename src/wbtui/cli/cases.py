"""``wbtui case …``: intake, lists, the detail view, stage moves, closing, appointments, contacts."""

from __future__ import annotations

import sys
from datetime import date

import typer

from wbtui.cli.common import (
    _assignments,
    _choice,
    _clean,
    _d,
    _date,
    _datetime,
    _dt,
    _label,
    _required_choice,
    _table,
    command,
    out_json,
    st,
)
from wbtui.i18n import t, tn

case_app = typer.Typer(no_args_is_help=True)


@case_app.command("new")
@command
def case_new(
    kundennummer: str = typer.Option(..., "--kundennummer", "-k"),
    family_name: str = typer.Option(..., "--family-name", "-n"),
    given_names: str = typer.Option(..., "--given-names", "-g"),
    birth_date: str | None = typer.Option(None, "--birth-date"),
    bg_nummer: str | None = typer.Option(None, "--bg-nummer"),
    phone: str | None = typer.Option(None, "--phone"),
    email: str | None = typer.Option(None, "--email"),
    address: str | None = typer.Option(None, "--address"),
    target_kldb: str | None = typer.Option(None, "--target-kldb"),
    target_title: str | None = typer.Option(None, "--target-title"),
    training_type: str | None = typer.Option(None, "--training-type"),
    schedule: str | None = typer.Option(None, "--schedule"),
    necessity_reason: str | None = typer.Option(
        None,
        "--necessity",
    ),
    sets: list[str] | None = typer.Option(None, "--set"),
    update_person: bool = typer.Option(False, "--update-person"),
    reason: str | None = typer.Option(None, "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    values = {
        k: v
        for k, v in {
            "kundennummer": kundennummer,
            "family_name": family_name,
            "given_names": given_names,
            "birth_date": birth_date,
            "bg_nummer": bg_nummer,
            "phone": phone,
            "email": email,
            "address": address,
            "target_kldb": target_kldb,
            "target_title": target_title,
            "training_type": training_type,
            "schedule": schedule,
            "necessity_reason": necessity_reason,
        }.items()
        if v is not None
    }
    values.update(_assignments(sets))
    values = _coded(values)
    from wbtui.domain.fields import parse_field

    for name, raw in values.items():  # checked before the store is made: a refused case leaves no file behind
        parse_field(name, raw, today=date.today())
    state = st()
    state.may_create = True  # a missing store is made by the commands that create (README "Where things live")
    case_id = state.services.create_case(values, update_person=update_person, reason=reason)
    if as_json:
        out_json({"id": case_id.hex, "ref": case_id.hex[:8], "stage": "need_identified"})
        return
    typer.echo(
        t(
            "cli.created",
            ref=case_id.hex[:8],
            name=_clean(f"{family_name}, {given_names}"),
            kundennummer=_clean(kundennummer.upper()),
        )
    )


@case_app.command("edit")
@command
def case_edit(
    case: str = typer.Argument(...),
    sets: list[str] = typer.Option(..., "--set"),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    changed = services.update_fields(case_id, _coded(_assignments(sets)))
    if changed:
        typer.echo(t("cli.updated", ref=case_id.hex[:8], fields=", ".join(_field_label(f) for f in changed)))
    else:
        typer.echo(t("cli.nothing_changed", ref=case_id.hex[:8]))


def _coded(values: dict) -> dict:
    """Coded fields as their keys (a label in either language is taken too) and plausible dates
    (widgets/labels.py: a birth date cannot lie ahead); the rest as typed, for the services to check."""
    from wbtui.widgets import labels

    out = dict(values)
    for name, value in values.items():
        vocabulary = labels.FIELD_VOCABULARY.get(name)
        if vocabulary and isinstance(value, str) and value.strip():
            out[name] = labels.parse(vocabulary, value, field=name)
        labels.check_plausible(name, value if isinstance(value, str) else None)
    return out


def _field_label(name: str) -> str:
    from wbtui.i18n import has

    return t("field." + name) if has("field." + name) else name


def _row_json(row: dict, engine, today: date) -> dict:
    from wbtui.data.queries import days_since
    from wbtui.domain.process import STAGES, Stage

    return {
        "id": row["id"],
        "ref": row["id"][:8],
        "family_name": row["family_name"],
        "given_names": row["given_names"],
        "kundennummer": row["kundennummer"],
        "bg_nummer": row["bg_nummer"],
        "stage": row["stage"],
        "stage_code": STAGES[Stage(row["stage"])].code,
        "owner": STAGES[Stage(row["stage"])].owner,
        "days_in_stage": days_since(row["stage_since"], today),
        "next_due": row["next_due"],
        "timer": engine.state(row),
    }


def _closed_hint(closed: int) -> None:
    """The search also finds closed cases, which the list leaves out (the board says the same, issue 14)."""
    if closed:
        from wbtui.i18n import tn

        typer.echo(tn("ux.cli.closed_hidden", closed), err=True)


@case_app.command("list")
@command
def case_list(
    stage: list[str] | None = typer.Option(None, "--stage", "-s"),
    owner: str | None = typer.Option(None, "--owner"),
    mine: bool = typer.Option(False, "--mine"),
    overdue: bool = typer.Option(False, "--overdue"),
    stalled: bool = typer.Option(False, "--stalled"),
    search: str | None = typer.Option(None, "--search", "-q"),
    include_closed: bool = typer.Option(False, "--all"),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from wbtui.data.queries import CaseFilter
    from wbtui.services.reads import Reader

    state = st()
    stages = [_stage(s) for s in stage or []]
    owner = _choice("side", owner, "--owner")
    timer = "any" if overdue and stalled else "overdue" if overdue else "stalled" if stalled else None
    reader = Reader(state.store, state.config)
    engine = state.engine()
    flt = CaseFilter(
        text=search or "",
        stages=tuple(stages),
        owner=owner,
        mine_login=reader.subject.login if mine else None,
        timer=timer,
        include_closed=include_closed,
    )
    rows, total = reader.cases(flt, engine, limit=limit, offset=offset, with_total=as_json)
    today = date.today()
    if as_json:
        out_json(
            {"total": total, "offset": offset, "count": len(rows), "cases": [_row_json(r, engine, today) for r in rows]}
        )
        return
    if not rows:
        typer.echo(t("cli.no_cases"))
        _closed_hint(reader.closed_matches)
        return
    items = [_row_json(r, engine, today) for r in rows]
    # essential columns first (case, name, Kd-Nr., stage, timer); at 80 columns the name and the stage
    # are cut and the less essential ones go (next follow-up, days, who acts) — with a line saying so
    hidden = _table(
        [
            t("hdr.case"),
            t("hdr.name"),
            t("hdr.kundennummer"),
            t("hdr.stage"),
            t("hdr.timer"),
            t("hdr.owner"),
            t("hdr.days"),
            t("hdr.next_due"),
        ],
        [
            [
                i["ref"],
                f"{i['family_name']}, {i['given_names']}",
                i["kundennummer"],
                f"{i['stage_code']} {t('stage.' + i['stage'])}",
                t("timer." + i["timer"]),
                t("tui.side_short." + i["owner"]),
                str(i["days_in_stage"] or 0),
                _d(i["next_due"]),
            ]
            for i in items
        ],
        flex=1,
        optional=(7, 6, 5),
        caps={3: 24},
    )
    typer.echo(t("cli.n_of_total", n=len(rows), total=total))
    if hidden:
        typer.echo(t("ux.cli.columns_hidden", columns=", ".join(hidden)), err=True)
    _closed_hint(reader.closed_matches)


@case_app.command("show")
@command
def case_show(
    case: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    art9: bool = typer.Option(False, "--art9"),
    reason: str | None = typer.Option(
        None,
        "--reason",
    ),
    purpose: str | None = typer.Option(None, "--purpose"),
    history: int = typer.Option(15, "--history", min=0),
) -> None:
    from wbtui.services.reads import Reader

    state = st()
    reader = Reader(state.store, state.config)  # a read: no ORM (README: the read commands start fast)
    case_id = reader.resolve(case)
    if reason:
        reader.open_break_glass(case_id, reason)
    detail = reader.read_case(case_id, state.engine(), show_art9=art9, purpose=purpose)
    if as_json:
        out_json(detail)
        return
    from wbtui.cli.case_text import print_detail

    print_detail(detail, state, history)


def _stage(value: str) -> str:
    """A stage as typed: its key, its code (S9, s6e) or its label ("In Maßnahme")."""
    return _required_choice("stage", value, "--stage")


@case_app.command("move")
@command
def case_move(
    case: str = typer.Argument(...),
    stage: str = typer.Argument(...),
    valid_until: str | None = typer.Option(None, "--valid-until"),
    when: str | None = typer.Option(None, "--date"),
    outcome: str | None = typer.Option(None, "--outcome"),
    start: str | None = typer.Option(None, "--start"),
    end: str | None = typer.Option(None, "--end"),
    reason: str | None = typer.Option(None, "--reason"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    from wbtui.domain.process import REASON_FIELDS, Stage, TransitionInput

    target = Stage(_stage(stage))
    services = st().services
    case_id = services.resolve(case)
    if reason and target in REASON_FIELDS:  # decline, dropout, not yet integrated, close: a coded reason
        reason = _choice(REASON_FIELDS[target][0], reason, "--reason")
    data = TransitionInput(
        valid_until=_date(valid_until, "--valid-until"),
        appointment_at=_datetime(when, "--date"),
        outcome=_choice("counselling_outcome", outcome, "--outcome"),
        course_start=_date(start, "--start"),
        course_end=_date(end, "--end"),
        reason=reason,
        note=note,
    )
    services.move(case_id, target, data)
    typer.echo(t("cli.moved", ref=case_id.hex[:8], stage=t("stage." + target.value)))


@case_app.command("close")
@command
def case_close(
    case: str = typer.Argument(...),
    reason: str | None = typer.Option(
        None,
        "--reason",
    ),
    note: str | None = typer.Option(None, "--note"),
    tasks: str | None = typer.Option(
        None,
        "--tasks",
    ),
) -> None:
    from wbtui.data.queries import TaskFilter, list_tasks

    state = st()
    services = state.services
    case_id = services.resolve(case)
    reason = _choice("close_reason", reason, "--reason")
    what = _choice("close_tasks", tasks, "--tasks") if tasks else None
    con = state.store.raw()
    try:
        open_tasks = list_tasks(con, TaskFilter(case_id=case_id.hex))
    finally:
        con.close()
    if open_tasks and what is None and sys.stdin.isatty():
        typer.echo(tn("ux.confirm.close.tasks", len(open_tasks)))
        for task in open_tasks:
            typer.echo(f"  {_d(task['due_on'])} {_clean(task['title'])}")
        answer = typer.prompt(t("ux.cli.close_tasks_prompt"), default=t("ux.cli.close_tasks_default"))
        what = _choice("close_tasks", answer, "--tasks")
    services.close(case_id, reason, note)
    typer.echo(t("cli.closed", ref=case_id.hex[:8], reason=_label("close_reason", reason)))
    if open_tasks and what == "done":
        for task in open_tasks:
            services.complete_task(task["id"])
        typer.echo(tn("ux.cli.tasks_done", len(open_tasks)))
    elif open_tasks:
        typer.echo(tn("ux.cli.tasks_kept", len(open_tasks), ref=case_id.hex[:8]))


@case_app.command("appointment")
@command
def case_appointment(
    case: str = typer.Argument(...),
    when: str = typer.Argument(...),
) -> None:
    services = st().services
    case_id = services.resolve(case)
    at = _datetime(when, t("field.appointment_at"))
    services.set_appointment(case_id, at)
    typer.echo(t("cli.appointment_set", ref=case_id.hex[:8], at=_dt(at)))


@case_app.command("contact")
@command
def case_contact(case: str = typer.Argument(...), note: str | None = typer.Option(None, "--note")) -> None:
    services = st().services
    case_id = services.resolve(case)
    services.record_contact(case_id, note)
    typer.echo(t("cli.contact_recorded", ref=case_id.hex[:8]))
