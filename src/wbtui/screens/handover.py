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
from textual.widgets import Label, Static

from wbtui.domain.process import CaseFacts, Stage, missing_handover_items
from wbtui.domain.text import clean
from wbtui.i18n import code_label, has, lazy_t, render_reason, render_reasons, t
from wbtui.screens.base import WbtuiScreen
from wbtui.widgets import labels
from wbtui.widgets.errors import user_text
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.keybar import KeyBar
from wbtui.widgets.safe import fmt_date, safe

# The minimum data set as domain.process defines it, in its order: everything it finds missing in a case
# that has nothing (the domain keeps no separate list). Each item is ticked unless the domain's
# handover_readiness (via services.handover_check) names it as a missing field.
CHECK_ITEMS = tuple(missing_handover_items(CaseFacts(Stage.NEED_IDENTIFIED, date.min)))
MISSING_FIELD = "guard.missing_field"  # domain.process.handover_readiness: one per missing item
NO_BASIS = "guard.no_consent"  # domain.process.handover_readiness: neither a consent nor § 69 SGB X
OPEN_OBSTACLES = "guard.open_obstacles"  # domain.process.handover_readiness: obstacles still "offen"
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
    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.handover")
    BINDINGS = [
        Binding("s", "send", lazy_t("tui.key.send"), id="handover.send"),
        Binding("a", "ack", lazy_t("tui.key.ack"), id="handover.ack"),
        Binding("r", "query", lazy_t("tui.key.query"), id="handover.query"),
        Binding("x", "export", lazy_t("tui.key.export_handover"), id="handover.export"),
        Binding("f", "export_feedback", lazy_t("tui.key.export_feedback"), id="handover.export_feedback"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="handover.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.stage: Stage | None = None
        self.ready = False
        self.reasons: list = []
        self.person_name = ""
        self.awaiting_ack = False  # in S4 with a handover still "sent": the Agentur has not answered yet

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Each office's keys only (README, permission table): the Jobcenter sends and writes the handover
        file, the Agentur acknowledges, queries and writes the feedback file; the other keys are neither
        in the key bar nor do anything."""
        agentur = self.config.side == "agentur"
        if action in ("ack", "query", "export_feedback") and not agentur:
            return False
        if action in ("send", "export") and agentur:
            return False
        if self.stage is None:
            return True  # not loaded yet: the keys as the office has them
        if action in ("ack", "query"):
            return self.awaiting_ack  # once answered (acknowledged or queried) there is nothing to answer
        if action == "send":  # sent: no second send offered (from S1–S3 the case moves to S3 on the way)
            return self.stage in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES, Stage.READY)
        return True

    def compose(self) -> ComposeResult:
        yield Label(t("tui.handover.title"), classes="title")
        yield Label("", id="hname")
        with VerticalScroll(id="hbody"):
            yield Static(t("tui.loading"), id="check")
            yield Static("", id="feedback")
        yield KeyBar()

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
            self.app.call_from_thread(self.load_failed, user_text(exc))
            return
        reasons = ctx.services.handover_check(uuid.UUID(self.case_id))
        self.show_loaded(self._show_detail, detail, reasons)

    def _show_detail(self, d: dict, reasons: list) -> None:
        self.loaded()
        self.stage = Stage(d["stage"])
        self.ready = not reasons
        self.awaiting_ack = self.stage == Stage.HANDED_OVER and any(h["status"] == "sent" for h in d["handovers"])
        self.refresh_bindings()  # the key bar follows the step just taken (acknowledged: no a/r)
        p = d["person"]
        name = safe(f"{p['family_name']}, {p['given_names']}", "bold")
        name.append(f"  ·  {t('stage.' + d['stage'])}")
        self.query_one("#hname", Label).update(name)
        self.reasons = reasons
        self.person_name = clean(f"{p['family_name']}, {p['given_names']} ({p['kundennummer']})")
        missing = {params.get("field") for key, params in reasons if key == MISSING_FIELD}
        yes, no = glyph("ok"), glyph("no")
        out = Text(t("tui.handover.dataset") + "\n", style="bold")
        for item in CHECK_ITEMS:
            ok = item not in missing
            out.append(f"  {yes if ok else no} {t(item)}\n", "green" if ok else "bold red")
        # each check under its own heading: the obstacles are not a matter of consent
        out.append("\n" + t("hdr.obstacles") + "\n", style="bold")
        open_obstacles = [(k, p) for k, p in reasons if k == OPEN_OBSTACLES]
        if open_obstacles:
            for key, params in open_obstacles:
                out.append(f"  {no} " + render_reason(key, params) + "\n", "bold red")
        else:
            out.append(f"  {yes} " + t("ux.handover.no_open_obstacles") + "\n", "green")
        out.append("\n" + t("tui.handover.basis") + "\n", style="bold")
        if any(k == NO_BASIS for k, _ in reasons):
            out.append(f"  {no} " + t(NO_BASIS) + "\n", "bold red")
        else:
            out.append(f"  {yes} " + t("tui.handover.basis_ok") + "\n", "green")
        for key, params in reasons:
            if key not in (MISSING_FIELD, NO_BASIS, OPEN_OBSTACLES):
                out.append(f"  {no} " + render_reason(key, params) + "\n", "bold red")
        out.append("\n")
        if self.stage == Stage.READY and self.ready:
            out.append(t("tui.handover.can_send") + "\n", "bold green")
        elif self.awaiting_ack:
            out.append(t("tui.handover.waiting") + "\n", "bold")
        elif self.stage == Stage.HANDED_OVER:
            out.append(t("ux.handover.acked_next") + "\n", "bold")
        elif self.stage in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES) and self.ready:
            out.append(t("tui.handover.move_ready") + "\n")
        for h in d["handovers"]:
            out.append(f"  {fmt_date(h['sent_at'])} {glyph('arrow')} {t('tui.handover.status.' + h['status'])}")
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

    def _confirm(self, kind: str, then) -> None:
        """Ask once more before what reaches the other office (README: no one-key way of no return)."""
        from wbtui.screens.pickers import confirm

        body = Text(self.person_name, style="bold")
        body.append("\n" + t(f"ux.confirm.{kind}.body"))

        def answered(answer: str | None) -> None:
            if answer == "yes":
                then()

        self.app.push_screen(confirm(t(f"ux.confirm.{kind}.title"), body, t(f"ux.confirm.{kind}.yes")), answered)

    def action_send(self) -> None:
        if self.stage is None:
            return
        if self.stage in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES, Stage.READY) and not self.ready:
            # refused: name what is missing (the open obstacles, the consent …), not the stage rule
            self.say(t("ux.handover.refused", reasons=render_reasons(self.reasons)), error=True)
            return
        if self.stage not in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES, Stage.READY):
            self.say(t("ux.handover.not_now", stage=t("stage." + self.stage.value)), error=True)
            return
        services = self.ctx.services
        case_id = uuid.UUID(self.case_id)
        from wbtui.screens.pickers import Ask

        def chosen(channel: str | None) -> None:
            if channel not in ("shared_system", "file_export"):
                return

            def send(target=None):  # one decision: (mark ready,) send by the chosen channel
                if self.stage in (Stage.NEED_IDENTIFIED, Stage.OBSTACLES):
                    services.move(case_id, Stage.READY)
                if target is None:
                    return services.send_handover(case_id, channel=channel)
                from wbtui.services import exchange

                # the file is the handover: the case moves to S4 only once it is written
                return exchange.send_as_file(services, case_id, target)

            def sent(result) -> None:
                if channel == "file_export":
                    self.say(t("ux.handover.sent_file", path=str(result)))
                else:
                    self.say(t("ux.handover.sent"))
                self.reload()

            if channel == "file_export":  # where the file goes first; Esc there sends nothing
                self._confirm(
                    "send",
                    lambda: self._ask_path(
                        "Uebergabe", "ux.handover.file_prompt", lambda target: self.do(send, target, then=sent)
                    ),
                )
            else:
                self._confirm("send", lambda: self.do(send, then=sent))

        # the channel: the shared system, or a handover file for an office without a common server (zkT)
        self.app.push_screen(
            Ask(
                t("ux.handover.channel"),
                Text(self.person_name, style="bold"),
                [
                    ("shared_system", t("tui.channel.shared_system"), "g"),
                    ("file_export", t("tui.channel.file_export"), "d"),
                    ("cancel", t("tui.key.cancel"), "n"),
                ],
            ),  # fmt: skip
            chosen,
        )

    def _ask_path(self, stem: str, prompt_key: str, then) -> None:
        """Ask where an exchange file (JSON) goes (default: the documents folder); Esc or an empty path: nothing."""
        from datetime import date
        from pathlib import Path

        from wbtui.paths import documents_dir
        from wbtui.screens.pickers import Prompt

        default = documents_dir() / f"{stem}-{self.case_id[:8]}-{date.today():%Y%m%d}.json"

        def got(value: str | None) -> None:
            if value and value.strip():
                then(Path(value.strip()).expanduser())

        self.app.push_screen(Prompt(t(prompt_key), value=str(default)), got)

    def _save_file(self, stem: str, prompt_key: str, write) -> None:
        """Ask where to write an exchange file, then write it 0600."""
        self._ask_path(
            stem,
            prompt_key,
            lambda target: self.do(write, target, then=lambda path: self.say(t("ux.file_written", path=str(path)))),
        )

    def action_export(self) -> None:
        """The handover file (Übergabedatei) of the case's latest handover."""
        from wbtui.services import exchange

        services, case_id = self.ctx.services, uuid.UUID(self.case_id)
        self._save_file(
            "Uebergabe",
            "ux.handover.file_prompt",
            lambda target: exchange.write(exchange.build(services, case_id), target),
        )

    def action_export_feedback(self) -> None:
        """The Agentur's feedback file (Rückmeldedatei) on this case, for the Jobcenter."""
        from wbtui.services import feedback

        services, case_id = self.ctx.services, uuid.UUID(self.case_id)
        self._save_file(
            "Rueckmeldung",
            "ux.feedback.file_prompt",
            lambda target: feedback.write(feedback.build(services, case_id), target),
        )

    def action_ack(self) -> None:
        if not self.awaiting_ack:
            self.say(t("ux.handover.nothing_to_ack"), error=True)
            return
        self._confirm(
            "ack",
            lambda: self.do(
                self.ctx.services.ack_handover,
                uuid.UUID(self.case_id),
                then=self.then_say("ux.handover.acked", self.reload),
            ),
        )

    def action_query(self) -> None:
        if not self.awaiting_ack:
            self.say(t("ux.handover.nothing_to_ack"), error=True)
            return
        from wbtui.screens.pickers import Prompt

        # the prompt is the confirmation: its title names the person and that the case goes back
        prompt = Prompt(t("ux.confirm.query.prompt", name=self.person_name), hint=t("ux.confirm.query.hint"))

        def send(text: str) -> None:
            prompt.run(self.ctx.services.query_handover, uuid.UUID(self.case_id), text, then=self._after)

        self.app.push_screen(prompt.acting(send))

    def action_back(self) -> None:
        self.app.pop_screen()


def feedback_detail(payload: dict) -> list[str]:
    """What an Agentur feedback event carries, readable: outcome and reason by their labels, dates as dates."""
    parts = []
    for key, shown in (
        ("outcome", lambda v: code_label("choice.counselling_outcome.", v)),
        ("valid_until", fmt_date),
        ("start", fmt_date),
        ("reason", _reason_label),
        ("kind", lambda v: code_label("choice.appt_kind.", v)),  # an appointment: kind, time, status
        ("at", labels.datetime_text),
        ("status", lambda v: code_label("choice.appt_status.", v)),
    ):
        value = payload.get(key)
        if value:
            parts.append(shown(str(value)))
    return parts


# the reasons an event can carry: a dropout, a closed case, a refusal, no integration yet (domain/vocab.py)
REASON_PREFIXES = (
    "choice.dropout_reason.",
    "choice.close_reason.",
    "choice.decline_reason.",
    "choice.non_integration_reason.",
)


def _reason_label(code: str) -> str:
    """A reason by its label, whichever of the reason vocabularies it comes from (issue 14: "integrated")."""
    for prefix in REASON_PREFIXES:
        if has(prefix + code):
            return t(prefix + code)
    return code
