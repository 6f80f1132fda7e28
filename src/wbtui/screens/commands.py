"""The command palette (ctrl+p): every command once, in the user's language, found by its title, its
description or German search words (catalog ``ux.cmd.kw.*``: "hilfe" finds the help, "termin" the
next step …), each with its key.

Commands come from one list: the app's own (``App.get_system_commands``, titles from the catalog) and the
current screen's key bindings; a binding that runs the same action as an app command is not listed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider, SearchIcon

from wbtui.i18n import has, t
from wbtui.widgets.glyphs import glyph


@dataclass
class Command:
    title: str
    help: str
    run: Callable[[], object]
    words: str = ""  # extra search words

    def haystack(self) -> str:
        return f"{self.title} {self.help} {self.words}"


def keywords(command_id: str) -> str:
    key = f"ux.cmd.kw.{command_id}"
    return t(key) if has(key) else ""


def collect(app, screen) -> list[Command]:
    """The palette's commands for ``screen``: the app's, then the screen's bindings not already listed."""
    out: list[Command] = []
    seen_titles: set[str] = set()
    seen_actions: set[str] = set()
    for item in app.get_system_commands(screen):
        out.append(Command(item.title, item.help, item.callback, getattr(item, "words", "")))
        seen_titles.add(item.title.casefold())
    for action in getattr(app, "PALETTE_ACTIONS", ()):
        seen_actions.add(action)
    for active in screen.active_bindings.values():
        binding = active.binding
        action = binding.action.removeprefix("app.")
        if not binding.id or not binding.description or binding.id.startswith("app."):
            continue
        title = str(binding.description)
        if action in seen_actions or title.casefold() in seen_titles:
            continue
        seen_titles.add(title.casefold())
        key = app.get_key_display(binding)
        out.append(
            Command(
                title,
                t("ux.cmd.key", key=key),
                lambda b=binding, node=active.node: app.call_later(app.run_action, b.action, node),
                keywords(binding.id),
            )
        )
    return out


class WbtuiCommands(Provider):
    async def discover(self) -> Hits:
        for command in sorted(collect(self.app, self.screen), key=lambda c: c.title.casefold()):
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        wanted = query.casefold().strip()
        found = False
        for command in collect(self.app, self.screen):
            score = matcher.match(command.title)
            if score <= 0 and wanted and wanted in command.haystack().casefold():
                score = 0.5  # found by a word of its description or its search words
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
        if not found and wanted:
            # never Textual's English "No matches found": say it in the user's language, offer the help
            yield Hit(
                0.01,
                Text(t("ux.cmd.none", query=query)),
                self.app.action_show_help_panel,
                help=t("ux.cmd.none_help"),
            )


class WbtuiPalette(CommandPalette):
    """Textual's palette with a plain search sign on terminals that cannot show the emoji."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = glyph("search")
