"""The case detail's head and body (screens/case_detail.py): one read of a case rendered section by section
(next steps, person and need, obstacles, consents, handovers, appointments, follow-ups, timeline).

Every value that came from a user or the other office is shown as text, never as markup (widgets/safe.py).
The screen shows :func:`head_lines` in its head and composes :class:`CaseBody`, handing it what it loaded."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from wbtui.domain.process import STAGES
from wbtui.i18n import code_label, get_language, render_reasons, t, tn
from wbtui.services.logins import shown_login
from wbtui.widgets import labels
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.safe import fmt_date, safe

# coded fields and the catalog prefix of their labels ("value." is shared with the documents)
CODED_FIELDS = {
    "training_type": "value.",
    "schedule": "value.",
    "necessity_reason": "value.",
    "school_certificate": "choice.school_certificate.",
    "legal_basis": "choice.legal_basis.",
    "counselling_outcome": "choice.counselling_outcome.",
    "close_reason": "choice.close_reason.",
}
TIMER_STYLE = {"overdue": "bold red", "warning": "yellow", "stalled": "dim", "ok": "green"}
PERSON_KEYS = ("birth_date", "phone", "email", "address", "preferred_language", "german_level_cefr",
               "school_certificate")  # fmt: skip
NEED_KEYS = ("target_kldb", "target_title", "training_type", "schedule", "earliest_start", "kooperationsplan_on",
             "necessity_reason", "legal_basis", "counselling_outcome", "appointment_at", "voucher_valid_until",
             "course_start", "course_planned_end")  # fmt: skip
DATE_KEYS = frozenset({"earliest_start", "kooperationsplan_on", "voucher_valid_until", "course_start",
                       "course_planned_end"})  # fmt: skip
SECTIONS = ("steps", "person", "obstacles", "consents", "handovers", "appointments", "tasks", "timeline")


def head_lines(d: dict) -> tuple[Text, Text]:
    """The screen's two head lines: the person (name, Kundennummer, BG) and the case (stage, owner, timer
    and its rules)."""
    p = d["person"]
    head = Text()
    head.append(safe(f"{p['family_name']}, {p['given_names']}", "bold"))
    head.append(f"  ·  {t('field.kundennummer')} ")
    head.append(safe(p["kundennummer"]))
    if p.get("bg_nummer"):
        head.append("  ·  BG ")
        head.append(safe(p["bg_nummer"]))
    timer = d["timer"]["state"]
    line2 = Text(f"{d['stage_code']} {t('stage.' + d['stage'])}  ·  {t('hdr.owner')}: {t('side.' + d['owner'])}")
    if d["stage"] != "closed":  # a closed case runs no timer: never "im Plan"
        line2.append("  ·  ")
        line2.append(t("timer." + timer), TIMER_STYLE[timer])
    if d["stage"] != "closed" and d["timer"]["rules"]:
        line2.append(" (" + ", ".join(t("rule." + r) for r in d["timer"]["rules"]) + ")", TIMER_STYLE[timer])
    return head, line2


class CaseBody(VerticalScroll):
    """The sections, one Static each (ids as in :data:`SECTIONS`), scrolled together."""

    def compose(self) -> ComposeResult:
        for section in SECTIONS:
            yield Static("", id=section)

    def show(self, d: dict, steps: list, *, catalog, today: date) -> None:
        p, c = d["person"], d["case"]
        texts = {
            "steps": steps_text(steps),
            "person": person_text(p, c),
            "obstacles": obstacles_text(d, catalog),
            "consents": consents_text(d),
            "handovers": handovers_text(d),
            "appointments": appointments_text(d),
            "tasks": tasks_text(d, today),
            "timeline": timeline_text(d),
        }
        for section, text in texts.items():
            self.query_one(f"#{section}", Static).update(text)


def _section(key: str) -> Text:
    return Text("\n" + t(key) + "\n", style="bold")


def steps_text(steps) -> Text:
    out = Text(t("hdr.next_steps") + "  (g)\n", style="bold")
    if not steps:
        out.append("  –\n")
    for target, reasons in steps:
        code = STAGES[target].code
        if reasons:
            out.append(f"  {glyph('no')} {code} {t('stage.' + target.value)}: ", "dim")
            out.append(render_reasons(reasons) + "\n", "dim")
        else:
            out.append(f"  {glyph('ok')} {code} {t('stage.' + target.value)}\n", "green")
    return out


def person_text(p: dict, c: dict) -> Text:
    out = _section("hdr.person")
    for key in PERSON_KEYS:
        if p.get(key):
            out.append(f"  {t('field.' + key)}: ")
            if key == "birth_date":
                out.append(safe(fmt_date(p[key])))
            else:
                out.append(safe(code_label(CODED_FIELDS[key], p[key]) if key in CODED_FIELDS else p[key]))
            out.append("\n")
    out.append(Text(t("hdr.need") + "\n", style="bold"))
    for key in NEED_KEYS:
        if c.get(key) not in (None, ""):
            if key == "appointment_at":
                value = labels.datetime_text(c[key])
            elif key in DATE_KEYS:
                value = fmt_date(c[key])
            elif key in CODED_FIELDS:
                value = code_label(CODED_FIELDS[key], c[key])
            else:
                value = c[key]
            out.append(f"  {t('field.' + key)}: ")
            out.append(safe(value))
            out.append("\n")
    if c.get("owner_login") or c.get("owner_team"):
        out.append(f"  {t('hdr.assigned')}: ")
        out.append(safe(shown_login(c["owner_login"]) if c.get("owner_login") else t("ux.team.inbox_name")))
        if c.get("owner_team"):
            out.append(" (")
            out.append(safe(c["owner_team"]))
            out.append(")")
        out.append("\n")
    from wbtui.widgets.course_text import course_lines, reason_lines

    for header, lines in (("hdr.course", course_lines(c)), ("hdr.reasons", reason_lines(c))):
        if lines:
            out.append(Text(t(header) + "\n", style="bold"))
            for label, text in lines:
                out.append(f"  {label}: ")
                out.append(safe(text))
                out.append("\n")
    return out


def appointments_text(d: dict) -> Text:
    out = Text("\n" + t("tui.appt.title") + "  (t)\n", style="bold")
    for a in d.get("appointments") or ():
        out.append(f"  {labels.datetime_text(a['starts_at'])}  {labels.label('appt_kind', a['kind'])}"
                   f" ({labels.label('appt_status', a['status'])})")  # fmt: skip
        if a.get("location"):
            out.append(" · ")
            out.append(safe(a["location"]))
        out.append("\n")
    if not d.get("appointments"):
        out.append("  –\n")
    return out


def obstacles_text(d: dict, catalog) -> Text:
    out = _section("hdr.obstacles")
    lang = get_language()
    for o in d["obstacles"]:
        out.append(f"  {o['code']:<6} ")
        out.append(safe(catalog.label(o["code"], lang)))
        out.append(f" — {t('obst.' + o['status'])}\n")
    if d["art9_hidden"]:
        out.append("  " + tn("hdr.art9_hidden", d["art9_hidden"]) + "\n", "dim")
    if not d["obstacles"] and not d["art9_hidden"]:
        out.append("  –\n")
    return out


def consents_text(d: dict) -> Text:
    out = _section("hdr.consents")
    for cs in d["consents"]:
        state = (
            t("tui.consent.revoked", date=fmt_date(cs["revoked_on"]))
            if cs["revoked_on"]
            else t("tui.consent.given", date=fmt_date(cs["given_on"]))
        )
        recipients = ", ".join(code_label("tui.consent.recipient_short.", r) for r in cs["recipients"])
        groups = ", ".join(code_label("tui.consent.group_short.", g) for g in cs["data_groups"])
        purpose = code_label("tui.consent.purpose_short.", cs["purpose"])
        out.append("  ")
        out.append(safe(f"{purpose} {glyph('arrow')} {recipients} [{groups}] {state}"))
        out.append("\n")
    if not d["consents"]:
        out.append("  –\n")
    return out


def handovers_text(d: dict) -> Text:
    out = _section("hdr.handovers")
    for h in d["handovers"]:
        out.append(f"  {fmt_date(h['sent_at'])} {t('tui.handover.status.' + h['status'])}")
        if h.get("query_text"):
            out.append(": ")
            out.append(safe(h["query_text"]))
        out.append("\n")
    if not d["handovers"]:
        out.append("  –\n")
    return out


def tasks_text(d: dict, today: date) -> Text:
    out = _section("hdr.tasks")
    for task in d["tasks"]:
        overdue = task["status"] == "offen" and task["due_on"] < today.isoformat()
        out.append(f"  {'!' if overdue else ' '} {fmt_date(task['due_on'])} ", "bold red" if overdue else "")
        out.append(safe(shown_login(task["owner"], short=True)))
        out.append(": ")
        out.append(safe(t("tui.decision." + task["title"]) if task["origin"] == "fallkonferenz" else task["title"]))
        out.append(" (")
        out.append(safe(code_label("tui.task_status.", task["status"])))
        out.append(")\n")
    if not d["tasks"]:
        out.append("  –\n")
    return out


def timeline_text(d: dict) -> Text:
    out = _section("hdr.timeline")
    for ev in reversed(d["timeline"][-60:]):
        out.append(f"  {labels.datetime_text(ev['at'])} ")
        if ev["type"] == "stage_changed":
            source = t("stage." + (ev["from_stage"] or "need_identified"))
            out.append(f"{source} {glyph('arrow')} {t('stage.' + ev['to_stage'])}")
        else:
            out.append(t("tui.event." + ev["type"]) if ev["type"] in EVENT_TYPES else safe(ev["type"]))
        out.append("  ")
        out.append(safe(shown_login(ev["actor"], short=True), "dim"))
        out.append("\n")
    return out


# the timeline events with a label of their own in the catalog (tui.event.*); others show their code
EVENT_TYPES = frozenset(
    {
        "case_created", "intake_updated", "obstacle_added", "obstacle_updated", "consent_recorded",
        "consent_revoked", "handover_sent", "handover_received", "handover_query", "appointment_set",
        "counselling_result", "voucher_issued", "voucher_expired", "enrolment_approved", "course_started",
        "dropout", "course_completed", "integration", "case_closed", "conference_held", "task_created",
        "task_done", "contact", "handover_imported", "handover_revoked", "appointment_updated",
        "appointment_missed", "feedback_imported", "case_reassigned", "task_reassigned", "not_integrated",
    }
)  # fmt: skip
