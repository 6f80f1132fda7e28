"""The key bar at the bottom of every screen: the screen's keys first, then the app's, wrapped onto a
second line when one is not enough (README: at 80x24 the footer keeps every key of the screen; Textual's
Footer is one line and cuts off what does not fit). ``F1`` shows them all with their help."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from wbtui.widgets.glyphs import ascii_only, plain


class KeyBar(Static):
    COMPONENT_CLASSES = {"keybar--key"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; max-height: 3; padding: 0 1; background: $panel; color: $text; }
    KeyBar > .keybar--key { color: $accent; text-style: bold; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self._changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, screen: Screen) -> None:
        self._screen = screen
        self.update(self.render_keys(screen))

    def on_resize(self) -> None:
        if getattr(self, "_screen", None) is not None:
            self.update(self.render_keys(self._screen))

    def render_keys(self, screen: Screen) -> Text:
        """One item per action ("key label"), two spaces apart, wrapped between items only."""
        items: list[Text] = []
        seen: set[str] = set()
        key_style = self.get_component_rich_style("keybar--key")
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            item = Text()
            item.append(self.app.get_key_display(binding), style=key_style if active.enabled else "dim")
            item.append(" " + plain(str(binding.description)), style="" if active.enabled else "dim")
            items.append(item)
        width = max(20, (self.size.width or self.app.size.width) - 2)
        out = Text(no_wrap=True, overflow="crop" if ascii_only() else "ellipsis")
        line = 0
        for item in items:
            if line and line + 2 + item.cell_len > width:
                out.append("\n")
                line = 0
            elif line:
                out.append("  ")
                line += 2
            out.append(item)
            line += item.cell_len
        return out
