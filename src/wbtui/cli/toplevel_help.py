"""``wbtui --help`` drawn without Rich, character for character as Typer's Rich printer draws it.

Loading Typer's help printer (Rich's console, tables, panels) and laying the page out took as long as
``import typer`` itself (issue #16, bench/PROFILES.md §5), for a page whose layout is fixed: the usage line,
the help text, a panel of the root's options and a panel of the commands, each command with its one-line
help from the catalog. :func:`render` lays that page out with Rich's own rules (its word wrap, its column
widths for these two tables, its panel borders) when the page is that simple and goes to a plain stream; for
anything else (a terminal, which gets Rich's colours; a narrow one; text with Rich markup; non-UTF-8 output)
it returns None and the caller lets Typer's printer draw the page. tests/cli/test_toplevel_help.py compares
the two at several widths in both languages.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import unicodedata

from wbtui.i18n import t

_WORD = re.compile(r"\s*\S+\s*")
# what Rich would read as markup or an emoji code, or lay out by a width other than one cell per character
_NOT_PLAIN = re.compile(r"\[|:\S*?:")
# environment variables that make Rich treat the output as a terminal (colours) or size it otherwise
_RICH_ENV = ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TTY_COMPATIBLE", "JUPYTER_COLUMNS")


def render(group, ctx) -> str | None:
    """The top-level help page of ``group`` (a Typer group in Rich markup mode), or None (see the module)."""
    width = _plain_width()
    if width is None or width < 40:
        return None
    try:
        lines = [*_usage(group, ctx, width), *_help_text(group, width), *_options(group, ctx, width)]
        lines += _commands(group, ctx, width)
    except _NeedsRich:
        return None
    return "".join(line + "\n" for line in lines)


class _NeedsRich(Exception):
    """The page holds something only Typer's Rich printer lays out."""


def _plain_width() -> int | None:
    """The width Rich would lay the page out in, when it would write no colours; else None."""
    env = os.environ
    if os.environ.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        terminal = False
    elif any(name in env for name in _RICH_ENV) or "IPython" in sys.modules:
        return None
    else:
        isatty = getattr(sys.stdout, "isatty", None)
        try:
            terminal = bool(isatty and isatty())
        except ValueError:
            terminal = False
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    if terminal or not encoding.startswith("utf"):  # colours, or Rich's ASCII borders
        return None
    for name in ("TERMINAL_WIDTH", "COLUMNS"):
        value = env.get(name)
        if value is not None and value.isdigit():
            return int(value)
        if value is not None and name == "TERMINAL_WIDTH":
            return None
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def _plain(text: str, markup: bool = True) -> str:
    """``text`` as Rich shows it (``markup``: read as Rich markup) when that is the text itself."""
    if (markup and _NOT_PLAIN.search(text)) or "\t" in text or not all(_narrow(c) for c in text if c != "\n"):
        raise _NeedsRich
    return text


def _narrow(char: str) -> bool:
    return char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "WF"


def wrap(text: str, width: int, fold: bool = True) -> list[str]:
    """``text`` wrapped as Rich wraps it (rich._wrap.divide_line): a word longer than a line is folded onto
    the next (``fold``) or, as in a table's cell, cut with an ellipsis."""
    lines: list[str] = []
    for line in text.split("\n"):
        breaks, offset = [], 0
        for match in _WORD.finditer(line):
            start, word = match.start(), match.group(0)
            length = len(word.rstrip())
            if width - offset >= length:
                offset += len(word)
            elif length > width and fold:
                pieces = [word[i : i + width] for i in range(0, len(word), width)]
                for number, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if number == len(pieces) - 1:
                        offset = len(piece)
                    else:
                        start += len(piece)
            elif length > width or (offset and start):
                if start:
                    breaks.append(start)
                offset = len(word)
        bounds = [0, *breaks, len(line)]
        lines += [_fit(line[a:b], width, fold) for a, b in zip(bounds, bounds[1:])]
    return lines


def _fit(line: str, width: int, fold: bool) -> str:
    """Rich's end of a wrapped line: the spaces beyond the width dropped, then the text cut to it."""
    if len(line) > width:
        line = line[: len(line) - min(len(line) - width, len(line) - len(line.rstrip()))]
    if len(line) > width:
        line = line[:width] if fold else line[: width - 1] + "…"
    return line


def _padded(lines: list[str], width: int) -> list[str]:
    """Rich's ``Padding(…, (0, 1))`` at ``width``: one space either side, each line filled to the width."""
    return [" " + line.ljust(width - 2) + " " for line in lines]


def _usage(group, ctx, width: int) -> list[str]:
    blank = " " * width
    return [blank, *_padded(wrap(_plain(group.get_usage(ctx), markup=False), width - 2), width), blank]


def _help_text(group, width: int) -> list[str]:
    if group.deprecated or group.epilog:
        raise _NeedsRich
    if not group.help:
        return []
    text = inspect.cleandoc(group.help).partition("\f")[0]
    first, *rest = text.split("\n\n")
    if first.startswith("\b"):
        raise _NeedsRich
    lines = wrap(_plain(first.replace("\n", " ").strip()), width - 2)
    if rest:
        lines += ["", *wrap(_plain("\n\n".join(rest)), width - 2)]
    return [*_padded(lines, width), " " * width]


def _panel(title: str, rows: list[str], width: int) -> list[str]:
    """Rich's ``Panel`` with Typer's rounded border and the title on the left."""
    title = _plain(f" {title} ")
    if len(title) > width - 4:
        raise _NeedsRich
    top = "╭─" + title.ljust(width - 4, "─") + "─╮"
    return [top, *("│ " + row + " │" for row in rows), "╰" + "─" * (width - 2) + "╯"]


def _options(group, ctx, width: int) -> list[str]:
    from typer.core import TyperOption

    rows = []
    for param in group.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if not isinstance(param, TyperOption) or param.secondary_opts or param.required:
            raise _NeedsRich  # arguments, --flag/--no-flag pairs and required options have more columns
        if getattr(param, "rich_help_panel", None) or param._get_number_range_help_str():
            raise _NeedsRich
        if _shows_more(param, ctx):
            raise _NeedsRich
        long = ",".join(o for o in param.opts if "--" in o)
        short = ",".join(o for o in param.opts if "--" not in o)
        kind = param.display_type_rich(ctx=ctx) or ""
        rows.append(
            (_plain(long, False), _plain(short, False), _plain(kind, False), _plain(_option_help(param.help or "")))
        )
    if not rows:
        return []
    long_w, short_w, kind_w = (max(len(row[i]) for row in rows) for i in range(3))
    # Rich shrinks the widest column (the help, measured as wide as the panel) to what the others leave
    fixed = (long_w + 1) + (short_w + 2) + 2 + 2 + (kind_w + 2)
    help_w = width - 4 - fixed - 1
    if help_w + 1 < max(long_w + 1, short_w + 2, kind_w + 2) or help_w < 1:
        raise _NeedsRich  # then Rich shrinks several columns at once
    lines = []
    for long, short, kind, text in rows:
        for number, line in enumerate(wrap(text, help_w, fold=False) or [""]):
            cells = (long, short, kind) if number == 0 else ("", "", "")
            lines.append(
                f"{cells[0]:<{long_w}} "
                + f" {cells[1]:<{short_w}} "
                + "    "
                + f" {cells[2]:<{kind_w}} "
                + f" {line:<{help_w}}"
            )
    return _panel(t("ux.cli.options"), lines, width)


def _shows_more(param, ctx) -> bool:
    """Whether Typer would show an environment variable or a default beside the option's help."""
    autoenv = getattr(param, "allow_from_autoenv", None) and getattr(ctx, "auto_envvar_prefix", None) is not None
    if (getattr(param, "envvar", None) or autoenv) and getattr(param, "show_envvar", None):
        return True
    default = param._extract_default_help_str(ctx=ctx)
    as_text = isinstance(param.show_default, str)
    if as_text or (default is not None and (param.show_default or ctx.show_default)):
        return bool(param._get_default_string(ctx=ctx, show_default_is_str=as_text, default_value=default))
    return False


def _option_help(text: str) -> str:
    paragraphs = [
        p.replace("\n", " ").strip() if not p.startswith("\b") else p.strip("\b\n") + "\n" for p in text.split("\n\n")
    ]
    return "\n".join(paragraphs).strip()


def _commands(group, ctx, width: int) -> list[str]:
    commands = [group.get_command(ctx, name) for name in group.list_commands(ctx)]
    commands = [command for command in commands if command is not None and not command.hidden]
    if not commands:
        return []
    if any(command.deprecated or getattr(command, "rich_help_panel", None) for command in commands):
        raise _NeedsRich
    name_w = max(len(command.name or "") for command in commands)
    help_w = width - 4 - (name_w + 1) - 1
    if help_w < 1:
        raise _NeedsRich
    lines = []
    for command in commands:
        first = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
        if first.startswith("\b"):
            first = first.replace("\b\n", "")
        for number, line in enumerate(wrap(_plain(first.strip()), help_w, fold=False) or [""]):
            lines.append(f"{(command.name or '') if number == 0 else '':<{name_w}}  {line:<{help_w}}")
    return _panel(t("ux.cli.commands"), lines, width)
