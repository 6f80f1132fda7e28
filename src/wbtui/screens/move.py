"""Stage transition dialog: pick the next step; the guards' reasons show when a move is refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_date, parse_datetime
from wbtui.domain.process import STAGES, VIA_COMMAND, Stage, TransitionInput
from wbtui.i18n import lazy_t, render_reasons, t, tn
from wbtui.screens.base import WbtuiModal
from wbtui.widgets.choice import ChoiceField, pick
from wbtui.widgets.errors import user_text
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.inputs import SafeInput

if TYPE_CHECKING:
    from wbtui.services import Services

# How this dialog carries out the transitions that domain.process.VIA_COMMAND reserves for a command of
# their own (they carry data of their own); every other transition is Services.move.
COMMANDS: dict[str, Callable[[Services, uuid.UUID, TransitionInput], object]] = {
    "handover send": lambda services, case_id, data: services.send_handover(case_id),
    "appointment add": lambda services, case_id, data: services.agree_counselling(case_id, data.appointment_at),
    "handover query": lambda services, case_id, data: services.query_handover(case_id, data.note or ""),
}


def command_key(command: str) -> str:
    """Catalog key of what a VIA_COMMAND step does, shown next to its target stage."""
    return "tui.move.via." + command.replace(" ", "_")


# which inputs a target (or a VIA_COMMAND command) needs: (input id, catalog key of the label, hint or
# "pick:<vocabulary>" for a coded value chosen from a pick list by its label, widgets/labels.py)
NEEDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    Stage.COUNSELLED.value: (
        ("outcome", "field.counselling_outcome", "pick:counselling_outcome"),
        ("date", "field.appointment_at", lazy_t("tui.hint.datetime")),
    ),
    Stage.VOUCHER_ISSUED.value: (("valid_until", "field.voucher_valid_until", lazy_t("tui.hint.date")),),
    Stage.ENROLMENT_APPROVED.value: (
        ("start", "field.course_start", lazy_t("tui.hint.date")),
        ("end", "field.course_planned_end", lazy_t("tui.hint.date")),
        ("note", "tui.move.course_title", ""),
    ),
    Stage.DROPPED_OUT.value: (("reason", "tui.move.reason", "pick:dropout_reason"),),
    Stage.DECLINED_BY_AGENCY.value: (("reason", "field.decline_reason", "pick:decline_reason"),),
    Stage.NOT_YET_INTEGRATED.value: (("reason", "field.non_integration_reason", "pick:non_integration_reason"),),
    Stage.CLOSED.value: (
        ("reason", "field.close_reason", "pick:close_reason"),
        ("note", "tui.move.note", ""),
    ),
    "handover query": (("note", "tui.move.query_text", ""),),
    "appointment add": (("date", "field.appointment_at", lazy_t("tui.hint.datetime")),),
}
# steps that reach the other office or cannot be undone: asked once more, naming the person (README)
CONFIRM = {"handover send": "send", "appointment add": "agree", "handover query": "query", Stage.CLOSED.value: "close"}


class MoveScreen(WbtuiModal[bool]):
    """Choose the next stage of a case."""

    HELP = lazy_t("tui.help.move")
    BINDINGS = [
        Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="move.cancel"),
        Binding("ctrl+s,f10", "confirm", lazy_t("tui.key.save"), id="move.confirm"),
    ]

    def __init__(
        self, case_id: str, stage: Stage, steps: list, *, name: str = "", open_tasks: list[dict] | None = None
    ) -> None:
        super().__init__()
        self.case_id = case_id
        self.stage = stage
        self.steps = steps
        self.person_name = name
        self.open_tasks = open_tasks or []
        self.target: str | None = None
        self.data: TransitionInput | None = None  # what the step was carried out with (_done)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(t("tui.move.title", stage=t("stage." + self.stage.value))), classes="title")
            options = []
            for target, reasons in self.steps:
                label = Text(
                    f"{glyph('ok') if not reasons else glyph('no')} {STAGES[target].code} {t('stage.' + target.value)}",
                    style="" if not reasons else "dim",
                )
                command = VIA_COMMAND.get((self.stage, target))
                if command:
                    label.append(f" · {t(command_key(command))}")
                if reasons:
                    label.append("\n    " + render_reasons(reasons), style="dim")
                options.append(Option(label, id=target.value))
            options.append(Option(Text(f"  X {t('stage.closed')}"), id="closed"))
            yield OptionList(*options, id="targets")
            yield Vertical(id="fields")
            yield Label(t("tui.move.hint"), classes="hint")

    @on(OptionList.OptionSelected)
    async def _picked(self, event: OptionList.OptionSelected) -> None:
        self.target = event.option.id
        fields = self.query_one("#fields", Vertical)
        await fields.remove_children()
        needs = NEEDS.get(self._command() or self.target or "", ())
        if not needs:
            self.action_confirm()
            return
        for key, label, hint in needs:
            await fields.mount(Label(t(label)))
            if str(hint).startswith("pick:"):
                vocabulary = str(hint)[5:]
                await fields.mount(pick(vocabulary, title=t(label), id=f"in-{key}"))
            else:
                await fields.mount(SafeInput(placeholder=str(hint), id=f"in-{key}"))
        fields.children[1].focus()

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        # a picked value keeps the focus on its field as in every form (widgets/choice.py: Tab moves on);
        # Enter in a text field or F10 carries the step out
        self.action_confirm()

    def _field_value(self, key: str) -> str | None:
        found = self.query(f"#in-{key}")
        if not found:
            return None
        widget = found.first()
        if isinstance(widget, ChoiceField):
            return widget.value
        return widget.value.strip() or None  # type: ignore[attr-defined]

    def action_confirm(self) -> None:
        if self.target is None:
            return
        try:
            data = TransitionInput(
                valid_until=parse_date(self._field_value("valid_until"), field=t("field.voucher_valid_until")),
                appointment_at=parse_datetime(self._field_value("date"), field=t("field.appointment_at")),
                outcome=self._field_value("outcome"),
                course_start=parse_date(self._field_value("start"), field=t("field.course_start")),
                course_end=parse_date(self._field_value("end"), field=t("field.course_planned_end")),
                reason=self._field_value("reason"),
                note=self._field_value("note"),
            )
        except WbtuiError as exc:
            self.say(user_text(exc), error=True)
            return
        command = self._command()
        kind = CONFIRM.get(command or self.target or "")
        if kind is None:
            self._run(command, data, "keep")
            return
        from wbtui.screens.pickers import Ask, confirm

        title = t(f"ux.confirm.{kind}.title")
        body = Text(self.person_name, style="bold")
        body.append("\n" + t(f"ux.confirm.{kind}.body"))
        if kind == "close" and self.open_tasks:
            body.append("\n" + tn("ux.confirm.close.tasks", len(self.open_tasks)))
            dialog = Ask(
                title,
                body,
                [
                    ("done", t("ux.confirm.close.tasks_done"), "e"),
                    ("keep", t("ux.confirm.close.tasks_keep"), "o"),
                    ("no", t("tui.key.cancel"), "n"),
                ],
                cancel_key="no",
            )
        else:
            dialog = confirm(title, body, t(f"ux.confirm.{kind}.yes"))

        def answered(answer: str | None) -> None:
            if answer in ("yes", "done", "keep"):
                self._run(command, data, "done" if answer == "done" else "keep")

        self.app.push_screen(dialog, answered)

    def _run(self, command: str | None, data: TransitionInput, tasks: str) -> None:
        self.data = data
        services = self.ctx.services
        case_id = uuid.UUID(self.case_id)
        if command:
            self.do(COMMANDS[command], services, case_id, data, then=self._done)
            return
        assert self.target is not None  # _run follows action_confirm, which needs a target
        target = Stage(self.target)
        open_tasks = [task["id"] for task in self.open_tasks] if tasks == "done" else []

        def move() -> int:
            services.move(case_id, target, data)
            for task_id in open_tasks:  # closing: the case's open follow-ups done too, as asked
                services.complete_task(task_id)
            return len(open_tasks)

        self.do(move, then=self._done)

    def _command(self) -> str | None:
        """The VIA_COMMAND command that carries out the chosen step, if it needs one."""
        return VIA_COMMAND.get((self.stage, Stage(self.target))) if self.target else None

    def _done(self, _result) -> None:
        """The toast names the step carried out (its stage, and the command that carried it out), and warns
        of a counselling appointment agreed for a day off."""
        from wbtui.screens.appointments import day_off_note

        assert self.target is not None  # _done follows _run, which needs a target
        target = Stage(self.target)
        step = f"{STAGES[target].code} {t('stage.' + target.value)}"
        command = self._command()
        if command:
            step = f"{t(command_key(command))} ({step})"
        message = t("tui.moved", step=step)
        note = day_off_note(self, self.data.appointment_at) if self.data and self.data.appointment_at else ""
        if note and command == "appointment add":
            self.warn(message + " " + note)
        else:
            self.say(message)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
