"""Case conference (Fallkonferenz): variant, consent gate, participants, agenda, coded decisions → follow-ups."""

from __future__ import annotations

import uuid

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Label, Select, Static

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_date
from wbtui.i18n import describe, lazy_t, render_reason, t
from wbtui.screens.base import WbtuiScreen
from wbtui.services import AGENDA_TEMPLATE, CONFERENCE_VARIANTS, DECISIONS
from wbtui.widgets.inputs import SafeInput, SafeTextArea


class ConferenceScreen(WbtuiScreen):
    HELP = lazy_t("tui.help.conference")
    BINDINGS = [
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="conf.save"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="conf.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield Label(t("tui.conf.title"), classes="title")
        with VerticalScroll(id="cform"):
            yield Label(t("tui.conf.variant"))
            yield Select(
                [(t("tui.conf.variant." + v), v) for v in CONFERENCE_VARIANTS],
                value="fallbesprechung",
                allow_blank=False,
                id="variant",
            )
            yield Static("", id="gate")
            yield Label(t("tui.conf.participants"))
            yield SafeTextArea(id="participants")
            yield Static(self._agenda(), id="agenda")
            yield Label(t("tui.conf.decisions"))
            yield Static(Text(t("tui.conf.decision_codes") + ", ".join(DECISIONS), style="dim"))
            yield SafeTextArea(id="decisions")
            yield Label(t("tui.conf.dissent"))
            yield SafeInput(id="dissent")
            yield Label(t("tui.conf.next_review"))
            yield SafeInput(placeholder=t("tui.hint.date"), id="review")
        yield Footer()

    def _agenda(self) -> Text:
        out = Text(t("tui.conf.agenda") + "\n", style="bold")
        for i, item in enumerate(AGENDA_TEMPLATE, 1):
            out.append(f"  {i}. {t('tui.agenda.' + item)}\n")
        return out

    def on_mount(self) -> None:
        self.query_one("#variant", Select).focus()
        self.check_gate("fallbesprechung")

    @on(Select.Changed, "#variant")
    def _variant(self, event: Select.Changed) -> None:
        self.check_gate(str(event.value))

    @work(thread=True, exclusive=True, group="conf-gate", exit_on_error=False)
    def check_gate(self, variant: str) -> None:
        reasons = self.ctx.services.conference_gate(uuid.UUID(self.case_id), variant)
        self.app.call_from_thread(self._show_gate, variant, reasons)

    def _show_gate(self, variant: str, reasons: list) -> None:
        if reasons:
            text = Text("✗ " + "; ".join(render_reason(k, p) for k, p in reasons), style="bold red")
        elif variant == "fallbesprechung":
            text = Text("✓ " + t("tui.conf.gate_69"), style="green")
        else:
            text = Text("✓ " + t("tui.conf.gate_consent"), style="green")
        self.query_one("#gate", Static).update(text)

    def action_save(self) -> None:
        try:
            participants = []
            for line in self.query_one("#participants", SafeTextArea).text.splitlines():
                if not line.strip():
                    continue
                bits = [b.strip() for b in line.split(";")]
                if len(bits) < 2 or not bits[0] or not bits[1]:
                    raise WbtuiError("err.bad_participant", value=line)
                participants.append((bits[0], bits[1], bits[2] if len(bits) > 2 else None))
            decisions = []
            for line in self.query_one("#decisions", SafeTextArea).text.splitlines():
                if not line.strip():
                    continue
                bits = [b.strip() for b in line.split(";")]
                if len(bits) != 3:
                    raise WbtuiError("err.bad_decision", value=line)
                decisions.append((bits[0], bits[1], parse_date(bits[2], field=t("hdr.due"))))
            review = parse_date(self.query_one("#review", SafeInput).value, field=t("tui.conf.next_review"))
        except WbtuiError as exc:
            self.say(describe(exc), error=True)
            return
        variant = str(self.query_one("#variant", Select).value)
        dissent = self.query_one("#dissent", SafeInput).value
        self.do(
            lambda: self.ctx.services.add_conference(
                uuid.UUID(self.case_id),
                variant=variant,
                participants=participants,
                decisions=decisions,
                dissent=dissent,
                next_review=review,
            ),
            then=self._saved,
        )

    def _saved(self, _conf_id) -> None:
        self.say(t("tui.conf.saved"))
        self.app.pop_screen()

    def action_back(self) -> None:
        self.app.pop_screen()
