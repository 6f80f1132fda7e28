"""The top level of the command tree, loaded on demand: a command module is imported when its command runs.

Importing the twenty command modules to register their commands cost more than ``import typer`` itself
(issue #16, bench/PROFILES.md §5), and one invocation needs one of them. So the top level is the static
table :data:`ENTRIES` (name, module, attribute; the order of ``wbtui --help``): :class:`LazyGroup` lists the
names from it, and only the command an invocation names is imported and built (with its catalog texts,
:func:`wbtui.cli.usage.prepare`). The help listing takes each name's one-line help from the catalog
(``cli.<name>.help``, where every command's help lives anyway), so ``wbtui --help`` imports no command
module (nor Rich: wbtui.cli.help_page). tests/cli/test_lazy_table.py proves the table names every command the modules define, so it
cannot drift from them.
"""

from __future__ import annotations

import copy
import importlib
from difflib import get_close_matches

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup

# name, module(s) under wbtui.cli (the first holds the attribute; the others add commands to it), attribute:
# a function is a command, a Typer app a group. Commands first, then groups: the order of `wbtui --help`.
ENTRIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("locate", ("admin",), "locate"),
    ("migrate", ("admin",), "migrate"),
    ("demo", ("admin",), "demo"),
    ("report", ("reports",), "report"),
    ("import-csv", ("reports",), "import_csv"),
    ("overdue", ("tasks",), "overdue"),
    ("serve", ("server",), "serve"),
    ("kldb", ("kldb",), "kldb"),
    ("case", ("cases", "history"), "case_app"),  # history adds "case qualification" and "case work"
    ("obstacle", ("obstacles",), "obstacle_app"),
    ("consent", ("consent",), "consent_app"),
    ("handover", ("handover",), "handover_app"),
    ("conference", ("conference",), "conference_app"),
    ("task", ("tasks",), "task_app"),
    ("appointment", ("appointments",), "appointment_app"),
    ("feedback", ("feedback",), "feedback_app"),
    ("inbox", ("inbox",), "inbox_app"),
    ("team", ("team",), "team_app"),
    ("config", ("admin",), "config_app"),
    ("sync", ("sync",), "sync_app"),
    ("audit", ("privacy",), "audit_app"),
    ("retention", ("privacy",), "retention_app"),
    ("person", ("privacy",), "person_app"),
    ("server", ("server",), "server_app"),
    ("store", ("admin",), "store_app"),
)
NAMES = tuple(name for name, _modules, _attribute in ENTRIES)
_BY_NAME = {name: (modules, attribute) for name, modules, attribute in ENTRIES}


def target(name: str):
    """The function or Typer app behind a top-level name (its modules imported)."""
    modules, attribute = _BY_NAME[name]
    loaded = [importlib.import_module(f"wbtui.cli.{module}") for module in modules]
    return getattr(loaded[0], attribute)


def register(app: typer.Typer, name: str) -> None:
    """Add one table entry to ``app`` as the command line registered it before it was lazy."""
    obj = target(name)
    if isinstance(obj, typer.Typer):
        app.add_typer(obj, name=name)
    else:
        app.command(name)(obj)


def whole(app: typer.Typer) -> typer.Typer:
    """``app`` with every entry registered at once, as a plain Typer group (tests compare the lazy tree with it)."""
    full = copy.copy(app)
    full.info = copy.copy(app.info)
    full.info.cls = TyperGroup
    full.registered_commands, full.registered_groups = [], []
    for name in NAMES:
        register(full, name)
    return full


class LazyGroup(TyperGroup):
    """wbtui's top level: every name of :data:`ENTRIES`, each built the first time it is asked for."""

    _listing = False  # while the help is drawn: names and one-line help only, no module imported

    def list_commands(self, ctx) -> list[str]:
        return [*NAMES, *(name for name in self.commands if name not in _BY_NAME)]

    def get_command(self, ctx, cmd_name: str):
        command = self.commands.get(cmd_name)
        if command is not None or cmd_name not in _BY_NAME:
            return command
        if self._listing:
            return listed(cmd_name)
        from wbtui.cli import usage

        holder = typer.Typer(rich_markup_mode=self.rich_markup_mode, suggest_commands=self.suggest_commands)
        register(holder, cmd_name)
        command = typer.main.get_group(holder).commands[cmd_name]
        usage.prepare(command, path=(cmd_name,))
        self.commands[cmd_name] = command
        return command

    def resolve_command(self, ctx, args):
        # Typer suggests a near name from the commands it holds, which here are only those loaded so far
        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as error:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if self.suggest_commands and args else []
            if matches:
                error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)  # without Rich where it can (wbtui.cli.usage, help_page)
        finally:
            self._listing = False


def listed(name: str) -> TyperCommand:
    """A top-level name as the help listing shows it: the name and its help from the catalog."""
    from wbtui.cli.usage import help_key
    from wbtui.i18n import t

    return TyperCommand(name=name, help=t(help_key((name,))))
