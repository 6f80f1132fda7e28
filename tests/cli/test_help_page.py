"""The help of `wbtui` and of its groups drawn without Rich (wbtui.cli.help_page) is, character for character,
the page Typer's Rich printer draws, at several widths in both languages; where it cannot be, Rich draws it."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
import typer

from wbtui import cli, i18n
from wbtui.cli import help_page, usage

SGR = re.compile(r"\x1b\[([0-9;]*)m")


@pytest.fixture(params=["de", "en"])
def root(request):
    before = i18n.get_language()
    i18n.set_language(request.param)
    usage.install()
    group = typer.main.get_command(cli.app)
    usage.prepare(group)
    yield group, group.make_context("wbtui", [], resilient_parsing=True)
    i18n.set_language(before)


def _by_rich(group, ctx) -> str:
    from typer import rich_utils

    usage.apply_language()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rich_utils.rich_format_help(obj=group, ctx=ctx, markup_mode="rich")
    return out.getvalue()


def _by_us(group, ctx) -> str | None:
    group._listing = True  # as LazyGroup.format_help draws it: no command module imported
    try:
        return help_page.render(group, ctx)
    finally:
        group._listing = False


def test_the_page_is_richs_page(root, monkeypatch):
    group, ctx = root
    for width in (61, 80, 132):
        monkeypatch.setenv("COLUMNS", str(width))
        page = _by_us(group, ctx)
        assert page is not None, width
        assert page == _by_rich(group, ctx), width


def _groups(root_ctx):
    """Every group of the whole tree below the top level, with its context."""
    pending = [(root_ctx.command, root_ctx)]
    while pending:
        group, ctx = pending.pop()
        for name in group.list_commands(ctx):
            sub = group.get_command(ctx, name)
            if isinstance(sub, typer.core.TyperGroup):
                sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
                pending.append((sub, sub_ctx))
                yield sub, sub_ctx


def test_each_groups_page_is_richs_page(root, monkeypatch):
    _root, ctx = root
    drawn = 0
    monkeypatch.setenv("COLUMNS", "72")
    for group, group_ctx in _groups(ctx):
        page = help_page.render(group, group_ctx)
        if page is not None:
            drawn += 1
            assert page == _by_rich(group, group_ctx), group_ctx.command_path
    assert drawn >= 15  # most groups' pages need no Rich


def _seen(page: str) -> list[list[tuple[str, frozenset]]]:
    """What a terminal shows: each character with its display attributes (a space shows none of them)."""
    lines = []
    for text in page.split("\n"):
        shown, codes, at = [], frozenset(), 0
        for match in SGR.finditer(text):
            shown += [(c, codes if c != " " else frozenset()) for c in text[at : match.start()]]
            params = set(match.group(1).split(";")) - {""}
            codes = frozenset() if params <= {"0"} else codes | params
            at = match.end()
        lines.append(shown + [(c, codes if c != " " else frozenset()) for c in text[at:]])
    return lines


def test_on_a_terminal_the_page_has_richs_colours(root, monkeypatch):
    group, ctx = root
    for width in (80, 132):
        monkeypatch.setattr(help_page, "_layout", lambda width=width: (width, True))
        page = _by_us(group, ctx)
        assert page is not None and "\x1b[" in page
        monkeypatch.setenv("COLUMNS", str(width))
        monkeypatch.setenv("FORCE_COLOR", "1")  # Rich's colours into the test's stream
        assert _seen(page) == _seen(_by_rich(group, ctx)), width
        monkeypatch.delenv("FORCE_COLOR")


def test_rich_draws_what_it_alone_can(root, monkeypatch):
    group, ctx = root
    monkeypatch.setenv("COLUMNS", "55")  # Rich shrinks several columns at once
    assert _by_us(group, ctx) is None
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("FORCE_COLOR", "1")  # colours
    assert _by_us(group, ctx) is None
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setattr(group, "help", "Mit [bold]Markup[/bold].")
    assert _by_us(group, ctx) is None


def test_words_wrap_as_rich_wraps_them():
    from rich.console import Console
    from rich.text import Text

    texts = ("ab cdefghij  k lmnopqrstuvwxyz0123 x", "  eingerückt, „Zitat“ – und\nzweite Zeile", "x" * 30, "a  b   c")
    for text in texts:
        for width in (1, 3, 8, 13, 40):
            for overflow in ("fold", "ellipsis"):
                rich = [str(line) for line in Text(text).wrap(Console(width=width), width, overflow=overflow)]
                assert help_page.wrap(text, width, fold=overflow == "fold") == rich, (text, width, overflow)
