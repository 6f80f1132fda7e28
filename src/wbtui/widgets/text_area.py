"""A multi-line text field that never holds control characters (pasted text is cleaned)."""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from wbtui.domain.text import clean


class SafeTextArea(TextArea):
    """A ``TextArea`` that strips control characters from pasted text."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("soft_wrap", True)
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    async def _on_paste(self, event: events.Paste) -> None:
        event.text = clean(event.text, multiline=True)
        await super()._on_paste(event)
