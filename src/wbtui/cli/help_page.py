"""The help of ``wbtui`` and of its command groups drawn without Rich, character for character as Typer's
Rich printer draws it.

Loading Typer's help printer (Rich's console, tables, panels) and laying the page out took as long as
``import typer`` itself (issue #16, bench/PROFILES.md §5), for pages whose layout is fixed: the usage line,
the help text, a panel of the group's options and a panel of its commands, each command with its one-line
help from the catalog. :func:`render` lays such a page out with Rich's own rules (its word wrap, its column
widths for these two tables, its panel borders, Typer's highlighting of options) and, on a terminal, in
Typer's colours. For anything else (a width at which Rich shrinks several columns, text with Rich markup,
non-UTF-8 output, colours forced or switched off by the environment) it returns None and the caller lets
Typer's printer draw the page. tests/cli/test_help_page.py compares the two, in both languages.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import unicodedata

from wbtui.i18n import t

_WORD = re.compile(r"\s*\S+\s*")
# what Rich would read as markup or an emoji code
_MARKUP = re.compile(r"\[|:\S*?:")
# environment variables that make Rich decide on colours or the width otherwise
_RICH_ENV = ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "TTY_COMPATIBLE", "JUPYTER_COLUMNS", "NO_COLOR")

# a character's style: (bold, dim, SGR colour code); Typer's styles (typer.rich_utils.STYLE_*)
PLAIN = (False, False, "")
BOLD = (True, False, "")
DIM = (False, True, "")
OPTION = (True, False, "36")  # bold cyan
SWITCH = (True, False, "32")  # bold green
TYPES = (True, False, "33")  # bold yellow
USAGE = (False, False, "33")  # yellow
# typer.rich_utils.OptionHighlighter and TypesHighlighter: (pattern, the group styled, its style)
_OPTIONS = (
    (re.compile(r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])"), "switch", SWITCH),
    (re.compile(r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])"), "option", OPTION),
    (re.compile(r"(?P<types>\<[^\>]+\>)"), "types", TYPES),
    (re.compile(r"(?P<usage>Usage: )"), "usage", USAGE),
)
_TYPES = (
    (re.compile(r"^(?P<types_sep>(\[|<))"), "types_sep", DIM),
    (re.compile(r"(?P<types_sep>\|)"), "types_sep", DIM),
    (re.compile(r"(?P<types_sep>(\]|>))(\.\.\.)?$"), "types_sep", DIM),
)


class _NeedsRich(Exception):
    """The page holds something only Typer's Rich printer lays out."""


class Line:
    """One line of the page: its characters and each one's style."""

    __slots__ = ("text", "styles")

    def __init__(self) -> None:
        self.text = ""
        self.styles: list[tuple] = []

    def add(self, text: str, style: tuple = PLAIN, styles: list | None = None) -> Line:
        self.text += text
        self.styles += [style] * len(text) if styles is None else styles
        return self

    def sgr(self) -> str:
        """The line with its styles as terminal escape codes (a run of one style at a time)."""
        out, start = [], 0
        for i in range(1, len(self.text) + 1):
            if i == len(self.text) or self.styles[i] != self.styles[start]:
                bold, dim, colour = self.styles[start]
                codes = ";".join(c for c in ("1" if bold else "", "2" if dim else "", colour) if c)
                run = self.text[start:i]
                out.append(f"\x1b[{codes}m{run}\x1b[0m" if codes else run)
                start = i
        return "".join(out)


def draw(group, ctx) -> bool:
    """Write the help page of ``group`` where Typer's printer writes it; False when Rich has to draw it."""
    from typer.core import HAS_RICH

    page = render(group, ctx) if HAS_RICH and group.rich_markup_mode == "rich" else None
    if page is not None:
        sys.stdout.write(page)
    return page is not None


def render(group, ctx) -> str | None:
    """The help page of ``group`` (a Typer group in Rich markup mode), or None (see the module)."""
    layout = _layout()
    if layout is None:
        return None
    width, colours = layout
    try:
        lines = [*_usage(group, ctx, width), *_help_text(group, width), *_options(group, ctx, width)]
        lines += _commands(group, ctx, width)
    except _NeedsRich:
        return None
    return "".join((line.sgr() if colours else line.text) + "\n" for line in lines)


def _layout() -> tuple[int, bool] | None:
    """The width Rich would lay the page out in and whether it would colour it; None where Rich decides
    by more than the terminal and these two environment variables."""
    env = os.environ
    if any(name in env for name in _RICH_ENV) or "IPython" in sys.modules or os.name == "nt":
        return None
    if env.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        terminal = False
    else:
        isatty = getattr(sys.stdout, "isatty", None)
        try:
            terminal = bool(isatty and isatty())
        except ValueError:
            terminal = False
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    if not encoding.startswith("utf") or (terminal and env.get("TERM", "").lower() in ("dumb", "unknown")):
        return None  # Rich's ASCII borders; a dumb terminal's fixed size
    for name in ("TERMINAL_WIDTH", "COLUMNS"):
        value = env.get(name)
        if value is not None:
            return (int(value), terminal) if value.isdigit() else None
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80, terminal
        except (AttributeError, ValueError, OSError):
            continue
    return 80, terminal


def _checked(text: str, markup: bool = True) -> str:
    """``text`` when Rich shows it as it is (``markup``: Rich reads it as markup) and one cell per character."""
    if (markup and _MARKUP.search(text)) or "\t" in text or not all(_narrow(c) for c in text if c != "\n"):
        raise _NeedsRich
    return text


def _narrow(char: str) -> bool:
    return char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "WF"


def _highlighted(text: str, base: tuple, rules=_OPTIONS) -> list:
    """Each character's style: ``base`` under Typer's highlighting (later rules over earlier ones)."""
    styles = [base] * len(text)
    for pattern, group, style in rules:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            for i in range(start, end):
                bold, dim, colour = styles[i]
                styles[i] = (bold or style[0], dim or style[1], style[2] or colour)
    return styles


def wrap(text: str, width: int, fold: bool = True) -> list[str]:
    """``text`` wrapped as Rich wraps it (rich._wrap.divide_line): a word longer than a line is folded onto
    the next (``fold``) or, as in a table's cell, cut with an ellipsis."""
    return [line for _start, line in _wrapped(text, width, fold)]


def _wrapped(text: str, width: int, fold: bool) -> list[tuple[int, str]]:
    """The lines of ``text`` wrapped, each with its offset in ``text``."""
    lines: list[tuple[int, str]] = []
    at = 0
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
        lines += [(at + a, _fit(line[a:b], width, fold)) for a, b in zip(bounds, bounds[1:])]
        at += len(line) + 1
    return lines


def _fit(line: str, width: int, fold: bool) -> str:
    """Rich's end of a wrapped line: the spaces beyond the width dropped, then the text cut to it."""
    if len(line) > width:
        line = line[: len(line) - min(len(line) - width, len(line) - len(line.rstrip()))]
    if len(line) > width:
        line = line[:width] if fold else line[: width - 1] + "…"
    return line


def _cell(text: str, styles: list, width: int, fold: bool = True) -> list[Line]:
    """``text`` (its characters' ``styles``) wrapped into lines of exactly ``width`` characters (an ellipsis
    takes the style of the character it stands in for, as in Rich)."""
    lines = []
    for start, part in _wrapped(text, width, fold):
        line = Line().add(part, styles=styles[start : start + len(part)])
        lines.append(line.add(" " * (width - len(part))))
    return lines


def _padded(lines: list[Line], width: int, style: tuple = PLAIN) -> list[Line]:
    """Rich's ``Padding(…, (0, 1))`` at ``width``: one space either side."""
    return [Line().add(" ", style).add(line.text, styles=line.styles).add(" ", style) for line in lines]


def _usage(group, ctx, width: int) -> list[Line]:
    # Typer prints the usage in bold, padded by a line above and below
    text = _checked(group.get_usage(ctx), markup=False)
    styles = [(True, dim, colour) for _bold, dim, colour in _highlighted(text, BOLD)]
    blank = Line().add(" " * width, BOLD)
    return [blank, *_padded(_cell(text, styles, width - 2), width, BOLD), blank]


def _help_text(group, width: int) -> list[Line]:
    if group.deprecated or group.epilog:
        raise _NeedsRich
    if not group.help:
        return []
    text = inspect.cleandoc(group.help).partition("\f")[0]
    first, *rest = text.split("\n\n")
    if first.startswith("\b"):
        raise _NeedsRich
    first = _checked(first.replace("\n", " ").strip())
    lines = _cell(first, _highlighted(first, PLAIN), width - 2)
    if rest:
        rest_text = _checked("\n\n".join(rest))
        lines += [Line().add(" " * (width - 2)), *_cell(rest_text, _highlighted(rest_text, DIM), width - 2)]
    return [*_padded(lines, width), Line().add(" " * width)]


def _panel(title: str, rows: list[Line], width: int) -> list[Line]:
    """Rich's ``Panel`` with Typer's rounded border (dim) and the title on the left."""
    title = _checked(f" {title} ")
    if len(title) > width - 4:
        raise _NeedsRich
    top = Line().add("╭─" + title.ljust(width - 4, "─") + "─╮", DIM)
    middle = [Line().add("│", DIM).add(" ").add(row.text, styles=row.styles).add(" ").add("│", DIM) for row in rows]
    return [top, *middle, Line().add("╰" + "─" * (width - 2) + "╯", DIM)]


def _options(group, ctx, width: int) -> list[Line]:
    from typer.core import TyperOption

    rows = []
    for param in group.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if not isinstance(param, TyperOption) or param.secondary_opts or param.required:
            raise _NeedsRich  # arguments, --flag/--no-flag pairs and required options have more columns
        if getattr(param, "rich_help_panel", None) or param._get_number_range_help_str() or _shows_more(param, ctx):
            raise _NeedsRich
        long = _checked(",".join(o for o in param.opts if "--" in o), markup=False)
        short = _checked(",".join(o for o in param.opts if "--" not in o), markup=False)
        kind = _checked(param.display_type_rich(ctx=ctx) or "", markup=False)
        rows.append((long, short, kind, _checked(_option_help(param.help or ""))))
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
        helps = _cell(text, _highlighted(text, PLAIN), help_w, fold=False) or [Line().add(" " * help_w)]
        for number, help_line in enumerate(helps):
            first = number == 0
            line = Line()
            line.add(long if first else "", styles=_highlighted(long, PLAIN) if first else []).add(
                " " * (long_w + 1 - (len(long) if first else 0))
            )
            line.add(" ").add(short if first else "", styles=_highlighted(short, PLAIN) if first else [])
            line.add(" " * (short_w + 1 - (len(short) if first else 0)) + "    ")
            types = kind if first else ""
            line.add(" ").add(types, styles=_highlighted(types, TYPES, _TYPES)).add(" " * (kind_w - len(types)), TYPES)
            line.add("  ").add(help_line.text, styles=help_line.styles)
            lines.append(line)
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


def _commands(group, ctx, width: int) -> list[Line]:
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
        first = _checked(first.strip())
        helps = _cell(first, _highlighted(first, PLAIN), help_w, fold=False) or [Line().add(" " * help_w)]
        for number, help_line in enumerate(helps):
            name = _checked(command.name or "", markup=False) if number == 0 else ""
            line = Line().add(name.ljust(name_w + 1), OPTION)  # the column's style: bold cyan
            lines.append(line.add(" ").add(help_line.text, styles=help_line.styles))
    return _panel(t("ux.cli.commands"), lines, width)
