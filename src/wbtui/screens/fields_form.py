"""A dialog of a few fields (pick lists and one-line inputs, ids ``in-<key>``): it opens on its first field,
Enter moves on, Enter in the last field (or the screen's save key) returns the values by key, Esc returns
None. The appointment and the qualification/work dialogs are such forms; each composes its own fields.
A caller whose write can be refused gives an act (``WbtuiModal.acting``): the form stays open with its input."""

from __future__ import annotations

from textual import on
from textual.widgets import Input

from wbtui.screens.base import WbtuiModal
from wbtui.widgets.choice import ChoiceField


class FieldsForm(WbtuiModal[dict | None]):
    def on_mount(self) -> None:
        self._inputs()[0].focus()

    def _inputs(self) -> list:
        # a field the form hides (e.g. the name of "anderes Land") takes no focus and gives no value
        return [widget for widget in self.query("ChoiceField, Input") if widget.display]

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = self._inputs()
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        values = {}
        for widget in self._inputs():
            key = (widget.id or "")[3:]
            values[key] = widget.value if isinstance(widget, ChoiceField) else (widget.value.strip() or None)
        self.submit(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
