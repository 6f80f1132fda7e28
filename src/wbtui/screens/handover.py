"""Handover (Übergabe): completeness of the minimum data set and consent before "send";
acknowledge or query on the Agentur side; the Agentur's feedback visible to the Jobcenter."""

from __future__ import annotations

import uuid
from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Label, Static

from wbtui.domain.process import CaseFacts, Stage, missing_handover_items
from wbtui.i18n import code_label, describe, lazy_t, render_reason, t
from wbtui.screens.base import WbtuiScreen
from wbtui.widgets.safe import fmt_date, safe

# The minimum data set as domain.process defines it, in its order: everything it finds missing in a case
# that has nothing (the domain keeps no separate list). Each item is ticked unless the domain's
# handover_readiness (via services.handover_check) names it as a missing field.
CHECK_ITEMS = tuple(missing_handover_items(CaseFacts(Stage.NEED_IDENTIFIED, date.min)))
MISSING_FIELD = "guard.missing_field"  # domain.process.handover_readiness: one per missing item
NO_BASIS = "guard.no_consent"  # domain.process.handover_readiness: neither a consent nor § 69 SGB X
FEEDBACK = (
    "handover_received",
    "handover_query",
    "appointment_set",
    "counselling_result",
    "voucher_issued",
    "voucher_expired",
    "enrolment_approved",
    "course_started",
    "dropout",
    "course_completed",
)


class HandoverScreen(WbtuiScreen):
    HELP = lazy_t("tui.help.handover")
    BINDINGS = [
        Binding("s", "send", lazy_t("tui.key.send"), id="handover.send"),
        Binding("a", "ack", lazy_t("tui.key.ack"), id="handover.ack"),
        Binding("r", "query", lazy_t("tui.key.query"), id="handover.query"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="handover.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.stage: Stage | None = None
        self.ready = False

    def compose(self) -> ComposeResult:
        yield Label(t("tui.handover.title"), classes="title")
        yield Label("", id="hname")
        with VerticalScroll(id="hbody"):
            yield Static(t("tui.loading"), id="check")
            yield Static("", id="feedback")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hbody").focus()
        self.reload()

    @work(thread=True, exclusive=True, group="handover", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError

        ctx = self.ctx
        try:
            detail = ctx.services.read_case(uuid.UUID(self.case_id), ctx.engine)
        except WbtuiError as exc:
            self.app.call_from_thread(self.say, describe(exc), error=True)
            return
        reasons = ctx.services.handover_check(uuid.UUID(self.case_id))
        self.app.call_from_thread(self._show_detail, detail, reasons)

    def _show_detail(self, d: dict, reasons: list) -> None:
        self.stage = Stage(d["stage"])
        self.ready = not reasons
        p = d["person"]
        name = safe(f"{p['family_name']}, {p['given_names']}", "bold")
        name.append(f"  ·  {t('stage.' + d['stage'])}")
        self.query_one("#hname", Label).update(name)
        missing = {params.get("field") for key, params in reasons if key == MISSING_FIELD}
        out = Text(t("tui.handover.dataset") + "\n", style="bold")
        for item in CHECK_ITEMS:
            ok = item not in missing
            out.append(f"  {'✓' if ok else '✗'} {t(item)}\n", "green" if ok else "bold red")
        other = [(k, p) for k, p in reasons if k != MISSING_FIELD]
        out.append("\n" + t("tui.handover.basis") + "\n", style="bold")
        if any(k == NO_BASIS for k, _ in other):
            out.append("  ✗ " + t(NO_BASIS) + "\n", "bold red")
        else:
            out.append("  ✓ " + t("tui.handover.basis_ok") + "\n", "green")
        for key, params in other:
            if key != NO_BASIS:
                out.append("  ✗ " + render_reason(key, params) + "\n", "bold red")
        out.append("\n")
        if self.stage == Stage.READY and self.ready:
            out.append(t("tui.handover.can_send") + "\n", "bold green")
        elif self.stage == Stage.HANDED_OVER:
            out.append(t("tui.handover.waiting") + "\n", "bold")
        elif self.stage in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES) and self.ready:
            out.append(t("tui.handover.move_ready") + "\n")
        for h in d["handovers"]:
            out.append(f"  {fmt_date(h['sent_at'])} → {t('tui.handover.status.' + h['status'])}")
            if h.get("query_text"):
                out.append(": ")
                out.append(safe(h["query_text"]))
            out.append("\n")
        self.query_one("#check", Static).update(out)
        fb = Text("\n" + t("tui.handover.feedback") + "\n", style="bold")
        events = [e for e in d["timeline"] if e["type"] in FEEDBACK]
        for ev in reversed(events):
            fb.append(f"  {fmt_date(ev['at'])} {t('tui.event.' + ev['type'])}")
            for part in feedback_detail(ev.get("payload") or {}):
                fb.append(" · ")
                fb.append(safe(part))
            fb.append("\n")
        if not events:
            fb.append("  –\n")
        self.query_one("#feedback", Static).update(fb)

    def _after(self, _result) -> None:
        self.say(t("tui.saved"))
        self.reload()

    def action_send(self) -> None:
        if self.stage in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES) and self.ready:
            # one keystroke: mark ready, then send
            services = self.ctx.services
            case_id = uuid.UUID(self.case_id)

            def both():
                services.move(case_id, Stage.READY)
                return services.send_handover(case_id)

            self.do(both, then=self._after)
            return
        self.do(self.ctx.services.send_handover, uuid.UUID(self.case_id), then=self._after)

    def action_ack(self) -> None:
        self.do(self.ctx.services.ack_handover, uuid.UUID(self.case_id), then=self._after)

    def action_query(self) -> None:
        from wbtui.screens.pickers import Prompt

        def got(text: str | None) -> None:
            if text is not None:
                self.do(self.ctx.services.query_handover, uuid.UUID(self.case_id), text, then=self._after)

        self.app.push_screen(Prompt(t("tui.move.query_text")), got)

    def action_back(self) -> None:
        self.app.pop_screen()


def feedback_detail(payload: dict) -> list[str]:
    """What an Agentur feedback event carries, readable: outcome and reason by their labels, dates as dates."""
    parts = []
    for key, shown in (
        ("outcome", lambda v: code_label("choice.counselling_outcome.", v)),
        ("valid_until", fmt_date),
        ("start", fmt_date),
        ("reason", lambda v: code_label("choice.dropout_reason.", v)),
    ):
        value = payload.get(key)
        if value:
            parts.append(shown(str(value)))
    return parts
