"""Input widgets that never hold control characters, whether typed, pasted or set in code.

``SafeTextArea`` lives in :mod:`wbtui.widgets.text_area` and is found here too, loaded when first asked for:
Textual's ``TextArea`` is a heavy import the board (which needs only ``SafeInput``) should not pay for
before its first frame (issue #16)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from wbtui.domain.text import strip_controls

if TYPE_CHECKING:
    from wbtui.widgets.text_area import SafeTextArea


def __getattr__(name: str):
    if name == "SafeTextArea":
        from wbtui.widgets.text_area import SafeTextArea

        return SafeTextArea
    raise AttributeError(name)


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


__all__ = ["SafeInput", "SafeTextArea"]
