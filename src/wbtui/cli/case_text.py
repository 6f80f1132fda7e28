"""``wbtui case show`` for people: a label for every code, dates as TT.MM.JJJJ, times as HH:MM in local time,
the history with a note of what was left out (README "CLI tour"; ``--json`` keeps the codes)."""

from __future__ import annotations

import typer

from wbtui.cli.common import State, _clean, _d, _dt, _label
from wbtui.domain.fields import DETAIL_CASE_FIELDS, DETAIL_PERSON_FIELDS
from wbtui.i18n import t
from wbtui.widgets.glyphs import glyph


def _value(kind: str, value) -> str:
    """A detail field as people read it (the kinds of :data:`wbtui.domain.fields.DETAIL_CASE_FIELDS`)."""
    if kind == "date":
        return _d(value)
    if kind == "datetime":
        return _dt(value)
    if kind == "text":
        return _clean(value)
    return _label(kind, value)


def print_detail(d: dict, state: State, history: int = 15) -> None:
    """The case for people: labels for every code, dates TT.MM.JJJJ, times HH:MM (JSON keeps the codes)."""
    from wbtui.i18n import get_language, tn

    catalog = state.config.catalog()  # the services hold the same; reading needs no ORM
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
    for key, kind in DETAIL_PERSON_FIELDS:
        if p.get(key) not in (None, ""):
            typer.echo(f"  {t('field.' + key)}: {_value(kind, p[key])}")
    typer.echo(t("hdr.need"))
    for key, kind in DETAIL_CASE_FIELDS:
        if c.get(key) not in (None, ""):
            typer.echo(f"  {t('field.' + key)}: {_value(kind, c[key])}")
    if c.get("owner_login") or c.get("owner_team"):
        from wbtui.domain.assignment import TEAM_INBOX

        who = c.get("owner_login") or t("ux.team.inbox_name")
        from wbtui.services.logins import shown_login

        who = shown_login(who) if who != TEAM_INBOX else t("ux.team.inbox_name")
        typer.echo(f"  {t('hdr.assigned')}: {_clean(who)}"
                   + (f" ({_clean(c['owner_team'])})" if c.get("owner_team") else ""))  # fmt: skip
    from wbtui.widgets.course_text import course_lines, reason_lines

    for header, lines in (("hdr.course", course_lines(c)), ("hdr.reasons", reason_lines(c))):
        if lines:
            typer.echo(t(header))
            for label, text in lines:
                typer.echo(f"  {label}: {_clean(text)}")
    if d["obstacles"] or d["art9_hidden"]:
        typer.echo(t("hdr.obstacles"))
        for o in d["obstacles"]:
            typer.echo(
                f"  {o['code']:<6} {_clean(catalog.label(o['code'], get_language()))}"
                f" — {_label('obstacle_status', o['status'])}"
            )
        if d["art9_hidden"]:
            typer.echo("  " + tn("hdr.art9_hidden", d["art9_hidden"]))
    if d["consents"]:
        typer.echo(t("hdr.consents"))
        for cs in d["consents"]:
            recipients = ", ".join(_label("consent_recipient", r) for r in cs["recipients"])
            groups = ", ".join(_label("data_group", g) for g in cs["data_groups"])
            line = (
                f"  {cs['id'][:8]} {_label('consent_purpose', cs['purpose'])} {glyph('arrow')} {recipients} [{groups}]"
            )
            if cs.get("persons"):  # released from confidentiality by name (domain/conference.py)
                line += f" · {t('ux.consent.persons')}: {', '.join(_clean(p) for p in cs['persons'])}"
            line += " " + t("tui.consent.given", date=_d(cs["given_on"]))
            if cs["revoked_on"]:
                line += ", " + t("tui.consent.revoked", date=_d(cs["revoked_on"]))
            typer.echo(line)
    from wbtui.widgets.history_text import history_lines

    for history_header, shown in zip(("hdr.qualifications", "hdr.work_history"), history_lines(d), strict=True):
        if shown:
            typer.echo(t(history_header))
            for entry in shown:
                typer.echo(f"  {_clean(entry)}")
    if d.get("appointments"):
        typer.echo(t("tui.appt.title"))
        for a in d["appointments"]:
            place = f" · {_clean(a['location'])}" if a.get("location") else ""
            typer.echo(
                f"  {a['id'][:8]} {_dt(a['starts_at'])} {_label('appt_kind', a['kind'])}"
                f" ({_label('appt_status', a['status'])}){place}"
            )
    if d["tasks"]:
        typer.echo(t("hdr.tasks"))
        for task in d["tasks"]:
            title = _label("decision", task["title"]) if task["origin"] == "fallkonferenz" else task["title"]
            typer.echo(
                f"  {task['id'][:8]} {_d(task['due_on'])} {_clean(task['owner'])}: {_clean(title)}"
                f" ({_label('task_status', task['status'])})"
            )
    typer.echo(t("hdr.timeline"))
    events = d["timeline"] if history == 0 else d["timeline"][-history:]
    left_out = len(d["timeline"]) - len(events)
    if left_out:
        typer.echo("  " + tn("ux.cli.history_left_out", left_out))
    for ev in events:
        typer.echo(f"  {_dt(ev['at'])}  {_event_text(ev)}  {_clean(ev['actor'])}")


def _event_text(ev: dict) -> str:
    from wbtui.i18n import has

    if ev["type"] == "stage_changed" or ev.get("to_stage"):
        source = ev.get("from_stage")
        moved = (t("stage." + source) + f" {glyph('arrow')} " if source else "") + t("stage." + ev["to_stage"])
        return moved if ev["type"] == "stage_changed" else f"{_event_name(ev['type'])}: {moved}"
    return _event_name(ev["type"]) if has("tui.event." + ev["type"]) else _clean(ev["type"])


def _event_name(kind: str) -> str:
    from wbtui.i18n import has

    return t("tui.event." + kind) if has("tui.event." + kind) else _clean(kind)
