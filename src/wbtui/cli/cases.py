"""``wbtui case …``: intake, lists, the detail view, stage moves, closing, appointments, contacts."""

from __future__ import annotations

from datetime import date

import typer

from wbtui.cli.common import State, _assignments, _clean, _date, _table, command, out_json, st
from wbtui.i18n import t

case_app = typer.Typer(help="Fälle anlegen, anzeigen, weiterführen, abschließen.", no_args_is_help=True)


@case_app.command("new")
@command
def case_new(
    kundennummer: str = typer.Option(..., "--kundennummer", "-k", help="Kundennummer (123A456789)."),
    family_name: str = typer.Option(..., "--family-name", "-n", help="Nachname."),
    given_names: str = typer.Option(..., "--given-names", "-g", help="Vorname(n)."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="Geburtsdatum."),
    bg_nummer: str | None = typer.Option(None, "--bg-nummer", help="BG-Nummer."),
    phone: str | None = typer.Option(None, "--phone"),
    email: str | None = typer.Option(None, "--email"),
    address: str | None = typer.Option(None, "--address"),
    target_kldb: str | None = typer.Option(None, "--target-kldb", help="Zielberuf, KldB 2010 (5 Ziffern)."),
    target_title: str | None = typer.Option(None, "--target-title"),
    training_type: str | None = typer.Option(None, "--training-type"),
    schedule: str | None = typer.Option(None, "--schedule", help="vollzeit | teilzeit"),
    necessity_reason: str | None = typer.Option(
        None, "--necessity", help="integration | avert_unemployment | missing_qualification"
    ),
    sets: list[str] | None = typer.Option(None, "--set", help="Weitere Felder als feld=wert."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Legt einen Fall an (Erfassung und Bedarf)."""
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
    state = st()
    state.may_create = True  # a missing store is made by the commands that create (README "Where things live")
    case_id = state.services.create_case(values)
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
    case: str = typer.Argument(..., help="Fall: Kennung (Anfang) oder Kundennummer."),
    sets: list[str] = typer.Option(..., "--set", help="feld=wert (mehrfach); leerer Wert löscht."),
) -> None:
    """Ändert Angaben zu Person und Bedarf."""
    services = st().services
    case_id = services.resolve(case)
    changed = services.update_fields(case_id, _assignments(sets))
    if changed:
        typer.echo(t("cli.updated", ref=case_id.hex[:8], fields=", ".join(changed)))
    else:
        typer.echo(t("cli.nothing_changed", ref=case_id.hex[:8]))


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


@case_app.command("list")
@command
def case_list(
    stage: list[str] | None = typer.Option(None, "--stage", "-s", help="Nur diese Stufe(n)."),
    owner: str | None = typer.Option(None, "--owner", help="jobcenter | agentur: wer am Zug ist."),
    mine: bool = typer.Option(False, "--mine", help="Nur meine Fälle."),
    overdue: bool = typer.Option(False, "--overdue", help="Nur überfällige oder ablaufende."),
    stalled: bool = typer.Option(False, "--stalled", help="Nur ruhende Fälle."),
    search: str | None = typer.Option(None, "--search", "-q", help="Name, Kundennummer oder BG-Nummer."),
    include_closed: bool = typer.Option(False, "--all", help="Auch abgeschlossene Fälle."),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON."),
) -> None:
    """Listet Fälle mit Filtern."""
    from wbtui.data.queries import CaseFilter
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.process import Stage
    from wbtui.services.reads import Reader

    state = st()
    stages = []
    for s in stage or []:
        try:
            stages.append(Stage(s).value)
        except ValueError:
            raise WbtuiError("err.unknown_stage", stage=s, choices=", ".join(x.value for x in Stage)) from None
    if owner is not None and owner not in ("jobcenter", "agentur"):
        raise WbtuiError("err.bad_choice", field="--owner", value=owner, choices="jobcenter, agentur")
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
        return
    items = [_row_json(r, engine, today) for r in rows]
    _table(
        [
            t("hdr.case"),
            t("hdr.name"),
            t("hdr.kundennummer"),
            t("hdr.stage"),
            t("hdr.owner"),
            t("hdr.days"),
            t("hdr.next_due"),
            t("hdr.timer"),
        ],
        [
            [
                i["ref"],
                f"{i['family_name']}, {i['given_names']}",
                i["kundennummer"],
                f"{i['stage_code']} {t('stage.' + i['stage'])}",
                t("side." + i["owner"]),
                str(i["days_in_stage"] or 0),
                i["next_due"] or "",
                t("timer." + i["timer"]),
            ]
            for i in items
        ],
    )
    typer.echo(t("cli.n_of_total", n=len(rows), total=total))


@case_app.command("show")
@command
def case_show(
    case: str = typer.Argument(..., help="Fall: Kennung (Anfang) oder Kundennummer."),
    as_json: bool = typer.Option(False, "--json"),
    art9: bool = typer.Option(
        False, "--art9", help="Besonders geschützte Hemmnisse (Art. 9 DSGVO) einblenden (wird protokolliert)."
    ),
    reason: str | None = typer.Option(
        None,
        "--reason",
        help="Grund für einen Zugriff außerhalb des eigenen Fallbestands (Break-glass, protokolliert).",
    ),
    purpose: str | None = typer.Option(
        None, "--purpose", help="Zweck des Zugriffs fürs Protokoll, z. B. Beratungstermin."
    ),
) -> None:
    """Zeigt einen Fall mit Verlauf (jeder Aufruf wird protokolliert)."""
    state = st()
    services = state.services
    case_id = services.resolve(case)
    if reason:
        services.open_break_glass(case_id, reason)
    detail = services.read_case(case_id, state.engine(), show_art9=art9, purpose=purpose)
    if as_json:
        out_json(detail)
        return
    _print_detail(detail, state)


def _print_detail(d: dict, state: State) -> None:
    catalog = state.services.catalog
    from wbtui.i18n import get_language

    p, c = d["person"], d["case"]
    typer.echo(
        f"{t('hdr.case')} {d['ref']}  {_clean(p['family_name'])}, {_clean(p['given_names'])}  ({_clean(p['kundennummer'])})"
    )
    typer.echo(
        f"{t('hdr.stage')}: {d['stage_code']} {t('stage.' + d['stage'])}  ·  {t('hdr.owner')}: {t('side.' + d['owner'])}"
        f"  ·  {t('hdr.timer')}: {t('timer.' + d['timer']['state'])}"
        + (f" ({', '.join(t('rule.' + r) for r in d['timer']['rules'])})" if d["timer"]["rules"] else "")
    )
    typer.echo("")
    typer.echo(t("hdr.person"))
    for key in (
        "bg_nummer",
        "birth_date",
        "address",
        "phone",
        "email",
        "preferred_language",
        "german_level_cefr",
        "school_certificate",
    ):
        if p.get(key):
            typer.echo(f"  {t('field.' + key)}: {_clean(p[key])}")
    typer.echo(t("hdr.need"))
    for key in (
        "target_kldb",
        "target_title",
        "training_type",
        "schedule",
        "earliest_start",
        "necessity_reason",
        "legal_basis",
        "counselling_outcome",
        "appointment_at",
        "voucher_valid_until",
        "course_start",
        "course_planned_end",
        "kursnet_id",
        "close_reason",
    ):
        if c.get(key):
            typer.echo(f"  {t('field.' + key)}: {_clean(c[key])}")
    if d["obstacles"] or d["art9_hidden"]:
        typer.echo(t("hdr.obstacles"))
        for o in d["obstacles"]:
            typer.echo(
                f"  {o['code']:<6} {_clean(catalog.label(o['code'], get_language()))} — {t('obst.' + o['status'])}"
            )
        if d["art9_hidden"]:
            typer.echo("  " + t("hdr.art9_hidden", n=d["art9_hidden"]))
    if d["consents"]:
        typer.echo(t("hdr.consents"))
        for cs in d["consents"]:
            typer.echo(
                f"  {cs['id'][:8]} {cs['purpose']} → {', '.join(cs['recipients'])} [{', '.join(cs['data_groups'])}] {cs['given_on']}"
                + (f" widerrufen {cs['revoked_on']}" if cs["revoked_on"] else "")
            )
    if d["tasks"]:
        typer.echo(t("hdr.tasks"))
        for task in d["tasks"]:
            typer.echo(
                f"  {task['id'][:8]} {task['due_on']} {_clean(task['owner'])}: {_clean(task['title'])} ({task['status']})"
            )
    typer.echo(t("hdr.timeline"))
    for ev in d["timeline"][-15:]:
        move = f" {ev['from_stage'] or ''}→{ev['to_stage']}" if ev["to_stage"] else ""
        typer.echo(f"  {ev['at'][:16]}  {ev['type']}{move}  {_clean(ev['actor'])}")


@case_app.command("move")
@command
def case_move(
    case: str = typer.Argument(..., help="Fall: Kennung (Anfang) oder Kundennummer."),
    stage: str = typer.Argument(..., help="Zielstufe (z. B. obstacles_in_clarification, counselled, voucher_issued)."),
    valid_until: str | None = typer.Option(
        None, "--valid-until", help="Bildungsgutschein gültig bis (höchstens 3 Monate)."
    ),
    when: str | None = typer.Option(None, "--date", help="Datum/Uhrzeit des Beratungstermins."),
    outcome: str | None = typer.Option(None, "--outcome", help="Beratungsergebnis."),
    start: str | None = typer.Option(None, "--start", help="Maßnahmebeginn."),
    end: str | None = typer.Option(None, "--end", help="Geplantes Maßnahmeende."),
    reason: str | None = typer.Option(None, "--reason", help="Grund (Abbruch, Abschluss)."),
    note: str | None = typer.Option(None, "--note", help="Kurze Notiz."),
) -> None:
    """Führt einen Fall in die nächste Stufe (mit Prüfung der Prozessregeln)."""
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.fields import parse_datetime
    from wbtui.domain.process import Stage, TransitionInput

    try:
        target = Stage(stage)
    except ValueError:
        raise WbtuiError("err.unknown_stage", stage=stage, choices=", ".join(s.value for s in Stage)) from None
    services = st().services
    case_id = services.resolve(case)
    data = TransitionInput(
        valid_until=_date(valid_until, "--valid-until"),
        appointment_at=parse_datetime(when, field="--date") if when else None,
        outcome=outcome,
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
        None, "--reason", help="integrated | declined_by_person | moved | no_longer_in_need | rehab | other"
    ),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Schließt einen Fall mit Grund ab."""
    services = st().services
    case_id = services.resolve(case)
    services.close(case_id, reason, note)
    typer.echo(t("cli.closed", ref=case_id.hex[:8], reason=reason))


@case_app.command("appointment")
@command
def case_appointment(case: str = typer.Argument(...), when: str = typer.Argument(..., help="JJJJ-MM-TT HH:MM")) -> None:
    """Vereinbart den Beratungstermin bei der Agentur."""
    from wbtui.domain.fields import parse_datetime

    services = st().services
    case_id = services.resolve(case)
    at = parse_datetime(when, field="when")
    services.set_appointment(case_id, at)
    typer.echo(t("cli.appointment_set", ref=case_id.hex[:8], at=at.strftime("%d.%m.%Y %H:%M")))


@case_app.command("contact")
@command
def case_contact(case: str = typer.Argument(...), note: str | None = typer.Option(None, "--note")) -> None:
    """Vermerkt einen Kontakt (Lebenszeichen während oder nach der Maßnahme)."""
    services = st().services
    case_id = services.resolve(case)
    services.record_contact(case_id, note)
    typer.echo(t("cli.contact_recorded", ref=case_id.hex[:8]))
