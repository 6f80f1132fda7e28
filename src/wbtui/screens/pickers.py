"""Small modal pickers and prompts shared by several screens: pick lists for coded values (German labels,
searchable), questions with named answers (confirmations, "keep / discard / save"), one-line prompts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from wbtui.i18n import lazy_t, t
from wbtui.screens.base import WbtuiModal
from wbtui.widgets.inputs import SafeInput

SEARCH_FROM = 9  # longer lists get a search field; shorter ones pick by digit


class StagePicker(WbtuiModal[str | None]):
    """Pick one stage (or "all")."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="picker.cancel")]

    def __init__(self, stages: list[str]) -> None:
        super().__init__()
        self.stages = stages

    def compose(self) -> ComposeResult:
        from wbtui.domain.process import STAGES, Stage

        with Vertical(classes="dialog"):
            yield Label(t("tui.pick.stage"), classes="title")
            options = [Option(Text(t("tui.pick.all")), id="__all__")]
            options += [Option(Text(f"{STAGES[Stage(s)].code:<4}{t('stage.' + s)}"), id=s) for s in self.stages]
            yield OptionList(*options, id="options")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if event.option.id == "__all__" else event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickList(WbtuiModal[str | None]):
    """Choose one code by its label: Enter takes the highlighted one, a digit the numbered one; a long list
    (or one opened by typing) has a search field that narrows it to labels containing what was typed."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="pick.cancel")]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, str]],
        current: str | None = None,
        typed: str = "",
        *,
        words: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.words = words or {}
        self.current = current
        self.typed = typed
        self.searchable = bool(typed) or len(self.options) >= SEARCH_FROM

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="title")
            if self.searchable:
                yield SafeInput(value=self.typed, placeholder=t("ux.pick.search"), id="pick-search")
            yield OptionList(*self._options(self.typed), id="pick-options")
            yield Label(t("ux.pick.hint_search" if self.searchable else "ux.pick.hint"), classes="hint")

    def _options(self, typed: str) -> list[Option]:
        wanted = typed.casefold().strip()
        out = []
        for number, (code, shown) in enumerate(self.options, 1):
            haystack = f"{shown} {code} {self.words.get(code, '')}".casefold()
            if wanted and not all(word in haystack for word in wanted.split()):  # every word typed, any order
                continue
            prefix = f"{number} " if not self.searchable and number < 10 else ""
            out.append(Option(Text(prefix + shown), id=code))
        return out

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        index = next((i for i, (code, _) in enumerate(self.options) if code == self.current), 0)
        if self.searchable:
            search = self.query_one("#pick-search", Input)
            search.focus()
            search.cursor_position = len(search.value)
            options.highlighted = 0 if options.option_count else None
        else:
            options.focus()
            options.highlighted = index

    @on(Input.Changed, "#pick-search")
    def _filter(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        options.highlighted = 0 if options.option_count else None

    @on(Input.Submitted, "#pick-search")
    def _take_highlighted(self, _event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_key(self, event: events.Key) -> None:
        options = self.query_one(OptionList)
        if self.searchable and event.key in ("up", "down") and options.option_count:
            event.stop()
            current = options.highlighted or 0
            step = -1 if event.key == "up" else 1
            options.highlighted = max(0, min(options.option_count - 1, current + step))
        elif not self.searchable and event.character and event.character.isdigit():
            number = int(event.character)
            if 1 <= number <= len(self.options):
                event.stop()
                self.dismiss(self.options[number - 1][0])
        elif not self.searchable and event.is_printable and event.character and not event.character.isspace():
            event.stop()  # a letter in a short list: it gets the search field too, and narrows (issue 14)
            self._start_search(event.character)

    def _start_search(self, typed: str) -> None:
        self.searchable = True
        options = self.query_one(OptionList)
        search = SafeInput(value=typed, placeholder=t("ux.pick.search"), id="pick-search")
        self.query_one(".dialog").mount(search, before=options)
        self.query_one(".hint", Label).update(t("ux.pick.hint_search"))
        options.clear_options()
        options.add_options(self._options(typed))
        options.highlighted = 0 if options.option_count else None
        search.focus()
        search.cursor_position = len(typed)

    @on(OptionList.OptionSelected, "#pick-options")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Ask(WbtuiModal[str]):
    """A question with named answers, each with its own key; Esc gives ``cancel_key``.

    Used for confirmations ("Übergabe an die Agentur senden?") and for a changed form left with Esc."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="ask.cancel")]

    def __init__(
        self,
        title: str,
        body: Text | str,
        answers: Sequence[tuple[str, str, str]],
        *,
        default: str | None = None,
        cancel_key: str = "cancel",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body if isinstance(body, Text) else Text(body)
        self.answers = list(answers)  # (result, label, key)
        self.default = default or self.answers[0][0]
        self.cancel_key = cancel_key

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="title")
            if self.body.plain:
                yield Label(self.body, id="ask-body")
            yield OptionList(*[Option(Text(f"[{key}] {shown}"), id=result) for result, shown, key in self.answers])
            yield Label(t("ux.ask.hint"), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        options.highlighted = next((i for i, a in enumerate(self.answers) if a[0] == self.default), 0)

    def on_key(self, event: events.Key) -> None:
        for result, _shown, key in self.answers:
            if event.character and event.character.lower() == key.lower():
                event.stop()
                self.dismiss(result)
                return

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or self.cancel_key)

    def action_cancel(self) -> None:
        self.dismiss(self.cancel_key)


def confirm(title: str, body: Text | str, yes: str) -> Ask:
    """Yes (key j/y) or cancel (n, Esc): for what reaches the other office or cannot be undone. Enter alone
    takes the safe answer (cancel): only the named key or a move to "yes" sends (issue 14)."""
    return Ask(title, body, [("yes", yes, t("ux.key_yes")), ("no", t("tui.key.cancel"), t("ux.key_no"))], default="no")


def leave_form(screen, changed: bool, save: Callable[[], None]) -> None:
    """Esc on a form: leave at once when nothing changed; otherwise ask (keep editing, discard, save)."""
    if not changed:
        screen.app.pop_screen()
        return

    def answered(choice: str | None) -> None:
        if choice == "discard":
            screen.app.pop_screen()
        elif choice == "save":
            save()

    screen.app.push_screen(ask_unsaved(), answered)


def ask_unsaved() -> Ask:
    """A changed form left with Esc: keep editing (default), discard, or save."""
    return Ask(
        t("ux.unsaved.title"),
        t("ux.unsaved.body"),
        [
            ("keep", t("ux.unsaved.keep"), t("ux.unsaved.keep_key")),
            ("discard", t("ux.unsaved.discard"), t("ux.unsaved.discard_key")),
            ("save", t("ux.unsaved.save"), t("ux.unsaved.save_key")),
        ],
        cancel_key="keep",
    )


class Prompt(WbtuiModal[str | None]):
    """Ask for one line of text (e.g. a Rückfrage or a review date)."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="prompt.cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "", hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="title")
            yield SafeInput(value=self.value, placeholder=self.placeholder, id="prompt")
            yield Label(Text(self.hint or t("tui.prompt.hint")), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#prompt", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.submit(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TaskPrompt(WbtuiModal[tuple[str, str] | None]):
    """A new follow-up: what, and when it is due (two fields, no separator to remember)."""

    BINDINGS = [Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="task.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(t("ux.task.title"), classes="title")
            yield Label(t("ux.task.what"))
            yield SafeInput(placeholder=t("ux.task.what_hint"), id="task-title")
            yield Label(t("hdr.due"))
            yield SafeInput(placeholder=t("tui.hint.date"), id="task-due")
            yield Label(t("ux.task.hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#task-title", Input).focus()

    @on(Input.Submitted, "#task-title")
    def _next(self, _event: Input.Submitted) -> None:
        self.query_one("#task-due", Input).focus()

    @on(Input.Submitted, "#task-due")
    def _done(self, _event: Input.Submitted) -> None:
        self.submit((self.query_one("#task-title", Input).value, self.query_one("#task-due", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
