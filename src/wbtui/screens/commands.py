"""The command palette (ctrl+p): every command once, in the user's language, found by its title, its
description or German search words (catalog ``ux.cmd.kw.*``: "hilfe" finds the help, "termin" the
next step …), each with its key.

Commands come from one list: the app's own (``App.get_system_commands``, titles from the catalog) and the
current screen's key bindings; a binding that runs the same action as an app command is not listed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual.app import SystemCommand
from textual.command import CommandInput, CommandPalette, DiscoveryHit, Hit, Hits, Provider, SearchIcon

from wbtui.domain import access
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
        action = getattr(item.callback, "__name__", "").removeprefix("action_")
        out.append(Command(item.title, item.help, item.callback, keywords("app." + action)))
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
                partial(app.call_later, app.run_action, binding.action, active.node),
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
    """Textual's palette with a plain search sign on terminals that cannot show the emoji, and a cursor that
    does not blink (as every input of wbtui: widgets/inputs.py — on thin clients each blink is a repaint)."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = glyph("search")
        self.query_one(CommandInput).cursor_blink = False


# app commands a role sees only with this permission (domain/access.py): never offered to be refused
ROLE_NEEDS = {"team": access.REPORT, "audit": access.AUDIT_READ}


def app_commands(app, screen) -> Iterable[SystemCommand]:
    """Textual's system commands with titles and help from the catalog, then wbtui's own, each with its key.

    Not "Screenshot": it would write screen contents (Sozialdaten) to disk."""
    yield SystemCommand(t("tui.cmd.theme"), t("tui.cmd.theme_help"), app.action_change_theme)
    yield SystemCommand(t("tui.cmd.quit"), t("ux.cmd.with_key", help=t("tui.cmd.quit_help"), key="^q"), app.action_quit)
    if screen.query("HelpPanel"):
        yield SystemCommand(t("tui.cmd.keys"), t("tui.cmd.keys_hide_help"), app.action_hide_help_panel)
    else:
        help_text = t("ux.cmd.with_key", help=t("tui.cmd.keys_help"), key="F1")
        yield SystemCommand(t("tui.cmd.keys"), help_text, app.action_show_help_panel)
    if screen.maximized is not None:
        yield SystemCommand(t("tui.cmd.minimize"), t("tui.cmd.minimize_help"), screen.action_minimize)
    elif screen.focused is not None and screen.focused.allow_maximize:
        yield SystemCommand(t("tui.cmd.maximize"), t("tui.cmd.maximize_help"), screen.action_maximize)
    for name, action, key in (
        ("board", app.action_board, "F2"),
        ("followups", app.action_followups, "F3"),
        ("inbox", app.action_inbox, "F4"),
        ("team", app.action_team, "F7"),
        ("audit", app.action_audit_log, "F8"),
        ("new_case", app.action_new_case, "n"),
        ("sync", app.action_sync_now, "F5"),
        ("conflicts", app.action_conflicts, "F6"),
    ):
        if name == "new_case" and not app.may_create_cases():
            continue  # the Agentur does not open cases (domain/access.py)
        if name in ROLE_NEEDS and not access.has(app.config.user_role, ROLE_NEEDS[name]):
            continue  # steering figures and the audit trail only for the roles that may read them
        yield SystemCommand(t("tui.cmd." + name), t("ux.cmd.with_key", help=t(f"tui.cmd.{name}_help"), key=key), action)
