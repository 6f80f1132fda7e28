"""Input widgets that never hold control characters, whether typed, pasted or set in code."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from wbtui.domain.text import clean, strip_controls


class SafeInput(Input):
    """An ``Input`` whose value is always free of control characters (no terminal escape sequences stored).

    The cursor does not blink: on thin clients over SSH every blink is a repaint.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    def validate_value(self, value: str) -> str:
        return strip_controls(value) if value else value


class SafeTextArea(TextArea):
    """A ``TextArea`` that strips control characters from pasted text."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("soft_wrap", True)
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    async def _on_paste(self, event: events.Paste) -> None:
        event.text = clean(event.text, multiline=True)
        await super()._on_paste(event)
