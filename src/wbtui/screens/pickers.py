"""Small modal pickers and prompts shared by several screens."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from wbtui.i18n import lazy_t, t
from wbtui.screens.base import WbtuiModal
from wbtui.widgets.inputs import SafeInput


class StagePicker(WbtuiModal[str | None]):
    """Pick one stage (or "all")."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="picker.cancel")]

    def __init__(self, stages: list[str]) -> None:
        super().__init__()
        self.stages = stages

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(t("tui.pick.stage"), classes="title")
            options = [Option(Text(t("tui.pick.all")), id="__all__")]
            options += [Option(Text(t("stage." + s)), id=s) for s in self.stages]
            yield OptionList(*options, id="options")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if event.option.id == "__all__" else event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Prompt(WbtuiModal[str | None]):
    """Ask for one line of text (e.g. a Rückfrage or a review date)."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="prompt.cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="title")
            yield SafeInput(value=self.value, placeholder=self.placeholder, id="prompt")
            yield Label(t("tui.prompt.hint"), classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
