"""Case conference (Fallkonferenz): variant, consent gate, participants, agenda, coded decisions → follow-ups."""

from __future__ import annotations

import uuid

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Static

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_date
from wbtui.i18n import lazy_t, render_reasons, t
from wbtui.screens.base import WbtuiScreen
from wbtui.services import AGENDA_TEMPLATE
from wbtui.widgets.choice import ChoiceField, choice_row, pick
from wbtui.widgets.errors import user_text
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.keybar import KeyBar

PARTICIPANT_ROWS = 4  # empty rows are left out; a conference has a handful of participants
DECISION_ROWS = 3


class ConferenceScreen(WbtuiScreen):
    """A protocol form with fixed rows (no separators to remember): participants (name, role from a pick
    list, organisation) and decisions (code from a pick list by its label, who, by when)."""

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
            yield from choice_row(
                t("tui.conf.variant"), "conference_variant", "fallbesprechung", allow_blank=False, id="variant"
            )
            yield Static("", id="gate")
            yield Label(t("ux.conf.participants"), classes="section")
            for i in range(PARTICIPANT_ROWS):
                with Horizontal(classes="conf-row"):
                    yield SafeInput(placeholder=t("ux.conf.name"), id=f"p-name-{i}", classes="wide")
                    yield pick("participant_role", title=t("ux.conf.role"), id=f"p-role-{i}", classes="role")
                    yield SafeInput(placeholder=t("ux.conf.org"), id=f"p-org-{i}", classes="wide")
            yield Label(t("ux.conf.decisions"), classes="section")
            for i in range(DECISION_ROWS):
                with Horizontal(classes="conf-row"):
                    yield pick("decision", title=t("ux.conf.decision"), id=f"d-code-{i}", classes="wide")
                    yield SafeInput(placeholder=t("ux.conf.owner"), id=f"d-owner-{i}", classes="owner")
                    yield SafeInput(placeholder=t("tui.hint.date"), id=f"d-due-{i}", classes="due")
            with Horizontal(classes="form-row"):
                yield Label(t("ux.conf.dissent"), classes="form-label")
                yield SafeInput(id="dissent")
            with Horizontal(classes="form-row"):
                yield Label(t("tui.conf.next_review"), classes="form-label")
                yield SafeInput(placeholder=t("tui.hint.date"), id="review")
            with Horizontal(classes="form-row"):  # place and time go on the protocol (README "Documents")
                yield Label(t("ux.conf.place"), classes="form-label")
                yield SafeInput(placeholder=t("ux.conf.place_hint"), id="place")
            with Horizontal(classes="form-row"):
                yield Label(t("ux.conf.time"), classes="form-label")
                yield SafeInput(placeholder="HH:MM", id="start-time")
            # the agenda with a line of minutes for each item, and who receives the protocol (README "Documents")
            yield Label(t("tui.conf.agenda"), classes="section")
            for i, item in enumerate(AGENDA_TEMPLATE, 1):
                yield Label(Text(f"{i}. {t('tui.agenda.' + item)}"))
                yield SafeInput(placeholder=t("ux.conf.minutes_hint"), id=f"m-{item}", classes="wide")
            with Horizontal(classes="form-row"):
                yield Label(t("ux.conf.distribution"), classes="form-label")
                yield SafeInput(placeholder=t("ux.conf.distribution_hint"), id="distribution")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#p-name-0", SafeInput).focus()
        self.initial = self._state()
        self.check_gate("fallbesprechung")

    def _state(self) -> tuple:
        return tuple(getattr(w, "value", None) for w in self.query("#cform SafeInput, #cform ChoiceField").results())

    @on(ChoiceField.Changed, "#variant")
    def _variant(self, event: ChoiceField.Changed) -> None:
        if event.value:
            self.check_gate(event.value)

    @work(thread=True, exclusive=True, group="conf-gate", exit_on_error=False)
    def check_gate(self, variant: str) -> None:
        reasons = self.ctx.services.conference_gate(uuid.UUID(self.case_id), variant)
        self.show_loaded(self._show_gate, variant, reasons)

    def _show_gate(self, variant: str, reasons: list) -> None:
        if reasons:
            text = Text(glyph("no") + " " + render_reasons(reasons), style="bold red")
        elif variant == "fallbesprechung":
            text = Text(glyph("ok") + " " + t("tui.conf.gate_69"), style="green")
        else:
            text = Text(glyph("ok") + " " + t("tui.conf.gate_consent"), style="green")
        self.query_one("#gate", Static).update(text)

    def _value(self, widget_id: str) -> str:
        widget = self.query_one(f"#{widget_id}")
        return (getattr(widget, "value", None) or "").strip()

    def action_save(self) -> None:
        try:
            participants = []
            for i in range(PARTICIPANT_ROWS):
                name, role, org = (self._value(f"p-{part}-{i}") for part in ("name", "role", "org"))
                if not (name or role or org):
                    continue
                if not name or not role:
                    raise WbtuiError("ux.err.participant_row", row=i + 1)
                participants.append((name, role, org or None))
            decisions = []
            for i in range(DECISION_ROWS):
                code, owner, due = (self._value(f"d-{part}-{i}") for part in ("code", "owner", "due"))
                if not (code or owner or due):
                    continue
                day = parse_date(due, field=t("hdr.due"))
                if not code or not owner or day is None:
                    raise WbtuiError("ux.err.decision_row", row=i + 1)
                decisions.append((code, owner, day))
            review = parse_date(self._value("review"), field=t("tui.conf.next_review"))
        except WbtuiError as exc:
            self.say(user_text(exc), error=True)
            return
        variant = self.query_one("#variant", ChoiceField).value or "fallbesprechung"
        dissent = self._value("dissent")
        place, start_time = self._value("place"), self._value("start-time")
        minutes = {item: self._value(f"m-{item}") for item in AGENDA_TEMPLATE if self._value(f"m-{item}")}
        distribution = [d.strip() for d in self._value("distribution").split(";") if d.strip()]
        self.do(
            lambda: self.ctx.services.add_conference(
                uuid.UUID(self.case_id),
                variant=variant,
                participants=participants,
                decisions=decisions,
                dissent=dissent,
                next_review=review,
                place=place or None,
                start_time=start_time or None,
                minutes=minutes,
                distribution=distribution,
            ),
            then=self._saved,
        )

    def _saved(self, _conf_id) -> None:
        self.say(t("tui.conf.saved"))
        self.app.pop_screen()

    def action_back(self) -> None:
        """Esc: leave at once when nothing was entered; otherwise ask (keep editing, discard, save)."""
        from wbtui.screens.pickers import leave_form

        leave_form(self, self._state() != self.initial, self.action_save)
