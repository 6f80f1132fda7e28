"""The command tree one invocation needs, and no more.

Typer builds the whole Click tree before it parses anything, inspecting every command function's signature
and type hints: for wbtui's 50-odd commands that took longer than all of ``wbtui case list`` does
afterwards (README: the read commands start fast). So :func:`command_for` builds only the branch the
arguments name: ``wbtui case list …`` gets the ``case`` group alone; a top-level invocation (help, the TUI,
``--version``) gets every top-level command and each group as an empty shell with its help text, which is
all the top-level help shows. Anything it does not recognise (a typo, an unknown option, shell completion)
gets the whole tree, so Typer's messages and suggestions stay exactly as before.
"""

from __future__ import annotations

import copy
import os

# the root callback's options (wbtui.cli.root): the one taking a value, and the flags
ROOT_VALUE_OPTIONS = ("--db",)
ROOT_FLAGS = ("-V", "--version", "-h", "--help", "--install-completion", "--show-completion")


def named_branch(args: list[str]) -> str | None:
    """The command or group the arguments name ("case" in ``--db x.db case list``); "" for none (top
    level); None when the arguments are not plain enough to tell (then the whole tree is built)."""
    tokens = iter(args)
    for token in tokens:
        if token in ROOT_VALUE_OPTIONS:
            if next(tokens, None) is None:
                return None
        elif token.startswith("--db="):
            continue
        elif token in ("-h", "--help"):
            return ""  # the top level's help, whatever follows
        elif token in ROOT_FLAGS:
            continue
        elif token.startswith("-"):
            return None
        else:
            return token
    return ""


def command_for(app, args: list[str]):
    """The Click command for ``app`` as far as ``args`` need it (see the module's docstring)."""
    import typer

    branch = named_branch(args)
    if branch is None or any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return typer.main.get_command(app)
    commands = {_name(info): info for info in app.registered_commands}
    groups = {info.name: info for info in app.registered_groups}
    pruned = copy.copy(app)
    if branch == "":
        pruned.registered_groups = [_shell(info) for info in app.registered_groups]
    elif branch in commands:
        pruned.registered_commands, pruned.registered_groups = [commands[branch]], []
    elif branch in groups:
        pruned.registered_commands, pruned.registered_groups = [], [groups[branch]]
    else:
        return typer.main.get_command(app)  # "No such command", with Typer's suggestion
    return typer.main.get_command(pruned)


def _name(info) -> str:
    from typer.main import get_command_name

    return info.name or get_command_name(info.callback.__name__)


def _shell(info):
    """A group with its name, help and options but without its commands (listed, never run)."""
    shell = copy.copy(info)
    shell.typer_instance = copy.copy(info.typer_instance)
    shell.typer_instance.registered_commands = []
    shell.typer_instance.registered_groups = []
    return shell
