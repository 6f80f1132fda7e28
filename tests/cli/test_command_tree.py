"""Issue #16: `wbtui` builds only the branch of the command tree an invocation names (wbtui.cli.tree).
What a user sees must not change: help pages, usage errors and suggestions are the same as with the whole
tree, byte for byte."""

from __future__ import annotations

import contextlib
import io

import pytest
import typer

from wbtui import cli
from wbtui.cli import tree, usage

INVOCATIONS = (
    ["--help"],
    ["-h"],
    ["-h", "case"],
    ["--db", "x.db", "-h"],
    ["case", "--help"],
    ["case", "list", "-h"],
    ["--db", "x.db", "case", "show", "-h"],
    ["--db=x.db", "task", "list", "-h"],
    ["overdue", "-h"],
    ["server", "token", "-h"],
    ["case"],
    ["cas", "list"],
    ["case", "lst"],
    ["--bogus"],
    ["--db"],
)


def _shown(command, args: list[str]) -> tuple[int, str, str]:
    usage.install()
    usage.prepare(command)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = usage.run(command, list(args), "wbtui")
        except SystemExit as done:
            code = done.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("args", INVOCATIONS, ids=" ".join)
def test_the_pruned_tree_shows_what_the_whole_tree_shows(args, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    whole = _shown(typer.main.get_command(cli.app), args)
    pruned = _shown(tree.command_for(cli.app, args), args)
    assert pruned == whole
    assert whole[1] or whole[2]  # something was shown


def test_only_the_named_branch_is_built():
    command = tree.command_for(cli.app, ["--db", "x.db", "case", "list", "--limit", "20"])
    assert list(command.commands) == ["case"]
    assert "list" in command.commands["case"].commands
    top = tree.command_for(cli.app, [])
    assert set(top.commands) == set(typer.main.get_command(cli.app).commands)
    assert top.commands["case"].commands == {}  # a shell: listed with its help, never run


def test_shell_completion_gets_the_whole_tree(monkeypatch):
    monkeypatch.setenv("_WBTUI_COMPLETE", "complete_bash")
    command = tree.command_for(cli.app, ["case"])
    assert "list" in command.commands["case"].commands and "overdue" in command.commands
