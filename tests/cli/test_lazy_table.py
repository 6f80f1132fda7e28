"""The lazy top level's static table (wbtui.cli.lazy.ENTRIES) names exactly the commands the command modules
define: a new group, a new top-level command or a renamed one cannot be left out of `wbtui` unnoticed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import typer

import wbtui.cli
from wbtui import cli
from wbtui.cli import lazy
from wbtui.i18n import CATALOG

NOT_COMMAND_MODULES = {"common", "coerce", "usage", "lazy", "case_text"}


def _command_modules():
    for info in pkgutil.iter_modules(wbtui.cli.__path__):
        if info.name not in NOT_COMMAND_MODULES:
            yield importlib.import_module(f"wbtui.cli.{info.name}")


def _groups_within(app: typer.Typer):
    yield app
    for info in app.registered_groups:
        yield from _groups_within(info.typer_instance)


def test_the_table_names_every_group_and_command_the_modules_define():
    full = lazy.whole(cli.app)
    tops = {lazy.target(name) for name in lazy.NAMES}
    groups = [group for top in tops if isinstance(top, typer.Typer) for group in _groups_within(top)]
    registered = {id(info.callback) for group in groups for info in group.registered_commands}
    registered |= {id(top) for top in tops if not isinstance(top, typer.Typer)}
    for module in _command_modules():
        for name, obj in vars(module).items():
            if isinstance(obj, typer.Typer):
                assert any(obj is group for group in groups), (
                    f"{module.__name__}.{name} is a group the table does not name"
                )
            elif inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_"):
                command = name.replace("_", "-")
                if id(obj) not in registered and f"cli.{command}.help" in CATALOG["de"]:
                    raise AssertionError(f"{module.__name__}.{name} has help as `wbtui {command}` but no table entry")
    # every top-level help text in the catalog names an entry, and every entry has one
    top_level = {key.split(".")[1] for key in CATALOG["de"] if key.startswith("cli.") and key.count(".") == 2}
    top_level = {name for name in top_level if f"cli.{name}.help" in CATALOG["de"]} - {"wbtui", "param"}
    assert top_level == set(lazy.NAMES)
    # the lazy root lists what the whole tree holds, in the same order
    whole = typer.main.get_command(full)
    root = typer.main.get_command(cli.app)
    assert root.list_commands(None) == list(whole.commands) == list(lazy.NAMES)
