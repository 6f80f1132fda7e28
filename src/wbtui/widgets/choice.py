"""Form widgets for coded values: a one-line pick field (opens a searchable pick list) and a check list
whose state reads as text ("[x]"/"[ ]"), not only as colour (NO_COLOR, monochrome thin clients)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Label, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

from wbtui.i18n import lazy_t, t
from wbtui.widgets import labels
from wbtui.widgets.glyphs import glyph


class ChoiceField(Widget, can_focus=True):
    """One line showing the label of the chosen code; Enter/Space (or typing) opens the pick list.

    The field asks its screen for the pick list with :class:`ChoiceField.Open` (screens own the dialogs,
    widgets do not import screens; ``screens.base.WbtuiScreen`` answers it) and gets the code back through
    :meth:`choose`."""

    DEFAULT_CSS = """
    ChoiceField { height: 1; width: 1fr; padding: 0 1; background: $boost; }
    ChoiceField:focus { background: $primary 30%; }
    ChoiceField.-invalid { background: $error 30%; }
    """
    BINDINGS = [
        Binding("enter,space", "pick", lazy_t("ux.key.pick"), id="picklist.open"),
        Binding("delete,backspace", "clear", lazy_t("ux.key.clear"), id="picklist.clear", show=False),
    ]

    value: reactive[str | None] = reactive(None, init=False)

    class Changed(Message):
        def __init__(self, field: ChoiceField, value: str | None) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> ChoiceField:
            return self.field

    class Open(Message):
        """Show the pick list for ``field``, filtered by ``typed``."""

        def __init__(self, field: ChoiceField, typed: str) -> None:
            super().__init__()
            self.field = field
            self.typed = typed

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        title: str = "",
        allow_blank: bool = True,
        words: dict[str, str] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.options = list(options)
        self.title = title
        self.allow_blank = allow_blank
        self.words = words or {}  # extra search words per code (aliases, the other language)
        self.set_reactive(ChoiceField.value, value)

    def label_of(self, code: str | None) -> str:
        for key, shown in self.options:
            if key == code:
                return shown
        return code or ""

    def render(self) -> Text:
        if self.value is None:
            return Text(t("ux.choice.empty"), style="dim")
        return Text(self.label_of(self.value) + " " + glyph("down"))

    def watch_value(self, value: str | None) -> None:
        self.post_message(self.Changed(self, value))

    def _open(self, typed: str = "") -> None:
        self.post_message(self.Open(self, typed))

    def choose(self, code: str | None) -> None:
        """The pick list's answer (``None``: cancelled, the value stays). Focus comes back here in every form;
        Tab moves on (one rule: new-user finding M1)."""
        if code is not None:
            self.value = code
        self.focus()

    def action_pick(self) -> None:
        self._open()

    def action_clear(self) -> None:
        if self.allow_blank:
            self.value = None

    def on_key(self, event: events.Key) -> None:
        # typing a letter opens the pick list filtered by it: type-ahead works here as in a text field
        if event.is_printable and event.character and event.character not in " ":
            event.stop()
            event.prevent_default()
            self._open(event.character)

    def on_click(self, _event: events.Click) -> None:
        self.focus()
        self._open()


def pick(
    vocabulary: str,
    value: str | None = None,
    *,
    title: str,
    options: Sequence[tuple[str, str]] | None = None,
    **kwargs,
) -> ChoiceField:
    """A pick field for a coded value of ``vocabulary`` (widgets/labels.py): its German labels and search
    words; ``options`` narrows the list (e.g. the appointment kinds an office keeps)."""
    shown = labels.choices(vocabulary) if options is None else options
    return ChoiceField(shown, value, title=title, words=labels.search_words(vocabulary), **kwargs)


def choice_row(label: str, vocabulary: str, value: str | None = None, **kwargs) -> Iterator[Widget]:
    """A form row: the label, then the pick field titled like it (use with ``yield from`` in compose)."""
    with Horizontal(classes="form-row"):
        yield Label(Text(label), classes="form-label")
        yield pick(vocabulary, value, title=label, **kwargs)


class CheckList(SelectionList):
    """A SelectionList whose boxes read "[x]" when chosen and "[ ]" when not; while it has the focus the key
    bar says how to tick (Textual's own space binding is hidden: a new user did not find it)."""

    BINDINGS = [Binding("space", "select", lazy_t("ux.key.tick"), id="checklist.tick")]

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        if len(segments) < 4:
            return line
        chosen = selection.value in self._selected
        style = segments[1].style
        return Strip([Segment("[x]" if chosen else "[ ]", style), *segments[3:]])
