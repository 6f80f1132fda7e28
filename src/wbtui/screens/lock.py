"""The idle lock: after a quiet spell the screen shows nothing of any case until the user signs in again."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label

from wbtui.i18n import t
from wbtui.screens.base import WbtuiModal
from wbtui.widgets.inputs import SafeInput


class LockScreen(WbtuiModal[None]):
    """Opaque: the screens below are not drawn through it. Unlocks with the user's login; Ctrl+Q still quits."""

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, login: str) -> None:
        super().__init__()
        self.login = login

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(t("tui.lock.title"), classes="title")
            yield Label(t("tui.lock.hint"), classes="hint")
            yield SafeInput(placeholder=t("tui.lock.placeholder"), password=True, id="unlock")
            yield Label("", id="lock-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#unlock", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.login:
            self.host.last_input = self.host.clock()
            self.dismiss(None)
            return
        event.input.value = ""
        self.query_one("#lock-error", Label).update(t("tui.lock.wrong"))
