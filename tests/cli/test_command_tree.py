"""Issue #16: `wbtui` imports and builds only the command an invocation names (wbtui.cli.lazy).
What a user sees must not change: help pages, usage errors and suggestions are the same as with the whole
tree registered at once, byte for byte."""

from __future__ import annotations

import contextlib
import io

import pytest
import typer

from wbtui import cli
from wbtui.cli import lazy, usage

INVOCATIONS = (
    ["--help"],
    ["-h"],
    ["-h", "case"],
    ["--db", "x.db", "-h"],
    ["case", "--help"],
    ["case", "list", "-h"],
    ["case", "work", "-h"],  # registered on the case group by another module (history)
    ["--db", "x.db", "case", "show", "-h"],
    ["--db=x.db", "task", "list", "-h"],
    ["overdue", "-h"],
    ["import-csv", "-h"],
    ["server", "token", "-h"],
    ["case"],
    ["cas", "list"],
    ["case", "lst"],
    ["--bogus"],
    ["--db"],
)


@pytest.fixture(scope="module")
def whole():
    return typer.main.get_command(lazy.whole(cli.app))


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
def test_the_lazy_tree_shows_what_the_whole_tree_shows(args, whole, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    shown = _shown(whole, args)
    assert _shown(typer.main.get_command(cli.app), args) == shown
    assert shown[1] or shown[2]  # something was shown


def test_only_the_named_command_is_built():
    command = typer.main.get_command(cli.app)
    _shown(command, ["--db", "x.db", "case", "list", "-h"])
    assert list(command.commands) == ["case"]
    assert {"list", "work"} <= set(command.commands["case"].commands)


def test_shell_completion_sees_every_command(monkeypatch):
    command = typer.main.get_command(cli.app)
    names = [item.value for item in command.shell_complete(command.make_context("wbtui", []), "")]
    assert names[: len(lazy.NAMES)] == list(lazy.NAMES)


def test_where_rich_draws_the_top_level_it_lists_the_same(whole, monkeypatch):
    monkeypatch.setenv("COLUMNS", "55")  # too narrow for wbtui.cli.help_page: Typer's Rich printer
    shown = _shown(whole, ["--help"])
    assert _shown(typer.main.get_command(cli.app), ["--help"]) == shown
    assert "appointment" in shown[1]
