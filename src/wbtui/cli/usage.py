"""The command line's own words in the user's language: help pages, usage errors, metavars.

Typer (with its vendored copy of Click) writes its help headings, the help option's text, the usage line
and its error messages in English. This module puts the catalog's words in their place (``ux.cli.*``):

- help headings and notes: Typer's ``rich_utils`` constants, set once the language is known;
- the usage line's "Usage:", "[OPTIONS]", "COMMAND [ARGS]..." and every parameter's metavar (``FALL``,
  ``DATUM`` …; none for flags instead of ``<bool>``), set on the command tree before it runs;
- usage errors: one line on stderr (README "Exit codes": 2), the English message matched and said again
  in the user's language, then where to find help (``-h``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from wbtui.i18n import CATALOG, t

if TYPE_CHECKING:
    from typer._click.exceptions import ClickException

# parameter name -> metavar (catalog key ux.cli.metavar.<value>); by type otherwise
ARGUMENT_METAVARS = {
    "case": "case",
    "stage": "stage",
    "code": "code",
    "task": "task",
    "consent": "consent",
    "when": "datetime",
    "path": "file",
    "case_id": "case",
    "appointment": "appointment",
}
OPTION_METAVARS = {
    "birth_date": "date",
    "due": "date",
    "valid_until": "date",
    "start": "date",
    "end": "date",
    "held": "date",
    "review": "date",
    "given": "date",
    "next_review": "date",
    "appointment": "datetime",
    "when": "datetime",
    "duration": "number",
    "output": "file",
    "db": "file",
    "limit": "number",
    "offset": "number",
    "days": "number",
    "port": "number",
    "workers": "number",
}

# English messages of the vendored Click -> (pattern, catalog key); named groups fill the placeholders
_INVALID = r"^Invalid value for '?(?P<name>[^':]+)'?: "
ERRORS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^Missing option (?P<name>.+?)\.?$"), "ux.cli.missing_option"),
    (re.compile(r"^Missing argument (?P<name>.+?)\.?$"), "ux.cli.missing_argument"),
    (re.compile(r"^Missing parameter: (?P<name>.+)$"), "ux.cli.missing_argument"),
    (re.compile(r"^No such option: (?P<name>\S+)(?: Did you mean (?P<hint>.+?)\?)?.*$"), "ux.cli.no_such_option"),
    (re.compile(r"^No such option '?(?P<name>[^'\s]+)'?\.?$"), "ux.cli.no_such_option"),
    # Click suggests a near name in English ("Did you mean 'list'?"): the hint is translated too
    (
        re.compile(r"^No such command '?(?P<name>[^'\s]+?)'?\.?(?: Did you mean (?P<hint>.+?)\?)?$"),
        "ux.cli.no_such_command",
    ),
    (re.compile(r"^Missing command\.?$"), "ux.cli.missing_command"),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$"), "ux.cli.extra_arguments"),
    (re.compile(r"^Option '?(?P<name>[^'\s]+)'? requires .*$"), "ux.cli.needs_value"),
    (re.compile(r"^Option '?(?P<name>[^'\s]+)'? does not take a value\.?$"), "ux.cli.no_value"),
    (
        re.compile(r"^Invalid value for '?(?P<name>[^':]+)'?: '?(?P<value>.*?)'? is not a valid (integer|int).*$"),
        "ux.cli.not_a_number",
    ),
    (
        re.compile(r"^Invalid value for '?(?P<name>[^':]+)'?: (?P<value>\S+) is not in the range (?P<range>.+?)\.?$"),
        "ux.cli.out_of_range",
    ),
    (
        re.compile(r"^Invalid value for '?(?P<name>[^':]+)'?: Input should be a valid (integer|number).*$"),
        "ux.cli.not_a_whole_number",
    ),
    # Typer checks min/max, numbers, flags and choices with pydantic, whose messages are English too
    (re.compile(_INVALID + r"Input should be greater than or equal to (?P<limit>\S+?)\.?$"), "ux.cli.at_least"),
    (re.compile(_INVALID + r"Input should be less than or equal to (?P<limit>\S+?)\.?$"), "ux.cli.at_most"),
    (re.compile(_INVALID + r"Input should be greater than (?P<limit>\S+?)\.?$"), "ux.cli.greater_than"),
    (re.compile(_INVALID + r"Input should be less than (?P<limit>\S+?)\.?$"), "ux.cli.less_than"),
    (re.compile(_INVALID + r"Input should be a valid (number|float|decimal).*$"), "ux.cli.not_a_decimal"),
    (re.compile(_INVALID + r"Input should be a valid boolean.*$"), "ux.cli.not_a_flag"),
    (re.compile(_INVALID + r"Input should be .*$"), "ux.cli.invalid_input"),
    (re.compile(_INVALID + r"'?(?P<value>.*?)'? is not one of (?P<choices>.+?)\.?$"), "ux.cli.not_a_choice"),
    (re.compile(_INVALID + r"Value '?(?P<value>.*?)'? is not a valid .*$"), "ux.cli.invalid_input"),
    (re.compile(_INVALID + r"(File|Directory|Path) '?(?P<path>.*?)'? does not exist\.?$"), "ux.cli.file_missing"),
    (re.compile(_INVALID + r"(File|Directory|Path) '?(?P<path>.*?)'? is a directory\.?$"), "ux.cli.is_folder"),
    (
        re.compile(_INVALID + r"(File|Directory|Path) '?(?P<path>.*?)'? is not (readable|writable)\.?$"),
        "ux.cli.no_permission",
    ),
    (re.compile(_INVALID + r"Value must be an iterable\.?$"), "ux.cli.invalid_input"),
    (re.compile(r"^Value '?(?P<value>.*?)'? is not a valid .*$"), "ux.cli.invalid_plain"),
    (re.compile(r"^Invalid value for '?(?P<name>[^':]+)'?: (?P<value>.+)$"), "ux.cli.invalid_value"),
]
EXIT_USAGE = 2


def translate_error(message: str) -> str:
    """A Click usage error in the user's language (the English text itself when no pattern knows it)."""
    message = " ".join(message.split())
    for pattern, key in ERRORS:
        match = pattern.match(message)
        if match:
            params = {k: (v or "").replace("'", "") for k, v in match.groupdict().items()}
            text = t(key, **params)
            if params.get("hint"):
                text += " " + t("ux.cli.did_you_mean", hint=params["hint"].strip("'"))
            return text
    return message


def apply_language() -> None:
    """Typer's help headings and notes in the current language (read by Typer whenever it draws help).

    Called when help is drawn (``install`` wraps ``format_help``): Typer's ``rich_utils`` pulls in Rich's
    Markdown and more, which a command like ``case list`` never needs (README: the list commands start fast)."""
    rich_utils = _rich_utils()
    rich_utils.rich_format_error = _format_error
    rich_utils.rich_abort_error = _abort
    rich_utils.OPTIONS_PANEL_TITLE = t("ux.cli.options")
    rich_utils.ARGUMENTS_PANEL_TITLE = t("ux.cli.arguments")
    rich_utils.COMMANDS_PANEL_TITLE = t("ux.cli.commands")
    rich_utils.ERRORS_PANEL_TITLE = t("ux.cli.error")
    rich_utils.REQUIRED_LONG_STRING = t("ux.cli.required")
    # Typer fills these in later ("{}" and named fields): the catalog's text keeps the slots
    rich_utils.DEFAULT_STRING = t("ux.cli.default", value="{}")
    rich_utils.ENVVAR_STRING = t("ux.cli.envvar", value="{}")
    rich_utils.DEPRECATED_STRING = t("ux.cli.deprecated")
    rich_utils.ABORTED_TEXT = t("ux.cli.aborted")
    rich_utils.RICH_HELP = t("ux.cli.try_help", command_path="{command_path}", help_option="{help_option}")


def _rich_utils():
    """Typer's help printer, loaded without Rich's Markdown parser and traceback renderer.

    ``typer.rich_utils`` imports both at the top, but wbtui's help uses neither (the help text is Rich markup,
    not Markdown; pretty exceptions are off): together they were a third of ``wbtui --help``'s time. While
    it loads, stand-ins take their place; each imports the real class the moment it is used."""
    loaded = sys.modules.get("typer.rich_utils")
    if loaded is not None:
        return loaded
    import types

    stand_ins = {}
    for module, name, real in (("rich.markdown", "Markdown", _markdown), ("rich.traceback", "Traceback", _traceback)):
        if module not in sys.modules:
            stand_in = types.ModuleType(module)
            setattr(stand_in, name, real)
            sys.modules[module] = stand_ins[module] = stand_in
    try:
        from typer import rich_utils
    finally:
        for module, stand_in in stand_ins.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]  # the next import of it loads Rich's own module
    return rich_utils


class _markdown:
    """Stands in for ``rich.markdown.Markdown`` in Typer's help printer until it is really used."""

    def __new__(cls, *args, **kwargs):
        from rich.markdown import Markdown

        return Markdown(*args, **kwargs)


class _traceback:
    """Stands in for ``rich.traceback.Traceback`` in Typer's help printer until it is really used."""

    @staticmethod
    def from_exception(*args, **kwargs):
        from rich.traceback import Traceback

        return Traceback.from_exception(*args, **kwargs)


def _format_error(self: ClickException) -> None:
    """A usage error as one line on stderr, in the user's language, with the way to help.

    It replaces Typer's ``rich_utils.rich_format_error`` and so takes its parameter, named as there."""
    from wbtui.domain.text import clean

    if self.__class__.__name__ == "NoArgsIsHelpError":  # the help was shown instead: nothing to add
        return
    ctx = getattr(self, "ctx", None)
    text = translate_error(self.format_message())
    if ctx is not None:
        text += " " + t("ux.cli.help_hint", command=f"{ctx.command_path} -h")
    print(clean(text), file=sys.stderr)


def run(command, argv: list[str] | None, prog_name: str) -> int:
    """Run the command tree; usage errors are printed here (one line, exit 2), not by Typer's printer."""
    from typer._click.exceptions import ClickException
    from typer.exceptions import Abort

    try:
        result = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except ClickException as exc:
        if exc.__class__.__name__ == "NoArgsIsHelpError":  # "wbtui case": the group's help, as asked
            ctx = getattr(exc, "ctx", None)
            print(ctx.get_help() if ctx else "")
            return EXIT_USAGE
        _format_error(exc)
        return exc.exit_code
    except Abort:
        _abort()
        return 1
    return result if isinstance(result, int) else 0


def _abort() -> None:
    print(t("ux.cli.aborted"), file=sys.stderr)


_installed = False


def install() -> None:
    """Patch Typer's printers and Click's usage prefix once per process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from typer import core
    from typer._click import formatting

    from wbtui.cli import coerce

    coerce.install()  # plain option values without Pydantic (the hot read commands never import it)

    for cls in (core.TyperCommand, core.TyperGroup):
        _help_in_language(cls)
    write_usage = formatting.HelpFormatter.write_usage

    def german_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, t("ux.cli.usage") + " " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = german_usage  # type: ignore[method-assign]
    display = core.TyperOption.display_type_rich

    def no_type_for_flags(self, ctx):  # "--json" needs no "<bool>" beside it
        return None if self.is_flag else display(self, ctx)

    core.TyperOption.display_type_rich = no_type_for_flags  # type: ignore[method-assign]
    # an argument is named by its metavar (FALL, STUFE); no type beside it, no braces around it
    core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]

    def usage_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]


def _help_in_language(cls) -> None:
    original = cls.format_help
    from typer.core import TyperGroup

    group = issubclass(cls, TyperGroup)

    def format_help(self, ctx, formatter):
        from wbtui.cli import help_page

        if group and help_page.draw(self, ctx):  # a group's page without loading Rich
            return None
        apply_language()
        return original(self, ctx, formatter)

    cls.format_help = format_help


def help_key(path: tuple[str, ...], param: str | None = None) -> str:
    """The catalog key of a command's help (``cli.case.new.help``) or of one of its parameters."""
    return ".".join(("cli", *(path or ("wbtui",)), param or "help"))


def param_help(path: tuple[str, ...], name: str) -> str | None:
    """A parameter's help: its command's own entry, else the shared ``cli.param.<name>`` (``--json`` …)."""
    for key in (help_key(path, name), f"cli.param.{name}"):
        if key in CATALOG["de"]:
            return t(key)
    return None


def prepare(command, *, on_install: Callable | None = None, path: tuple[str, ...] = ()) -> None:
    """The command tree's metavars and texts in the current language (before it parses anything); ``path``
    names ``command`` when it is a branch loaded later (``("case",)``, wbtui.cli.lazy).

    Help texts live in the catalogs only (``cli.<command path>.help``, ``cli.<path>.<parameter>``,
    ``cli.param.<parameter>``); tests/cli/test_help_catalog.py fails on a command or option without one."""
    for cmd_path, cmd in _walk_paths(command, path):
        cmd.help = t(help_key(cmd_path)) if help_key(cmd_path) in CATALOG["de"] else cmd.help
        cmd.short_help = None
        if hasattr(cmd, "options_metavar") and cmd.options_metavar:
            cmd.options_metavar = t("ux.cli.options_metavar")
        if getattr(cmd, "subcommand_metavar", None):
            cmd.subcommand_metavar = t("ux.cli.subcommand_metavar")
        _german_help_option(cmd)
        for param in cmd.params:
            name = param.name or ""
            text = param_help(cmd_path, name)
            if text is not None:
                param.help = text
            if param.param_type_name == "argument":
                param.metavar = t("ux.cli.metavar." + ARGUMENT_METAVARS.get(name, "value"))
            elif name in ("install_completion", "show_completion"):
                param.help = t(f"ux.cli.{name}")
                if name == "install_completion" and on_install is not None:
                    param.callback = on_install
            elif not getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = t("ux.cli.metavar." + _option_metavar(param))


def _option_metavar(param) -> str:
    if param.name in OPTION_METAVARS:
        return OPTION_METAVARS[param.name]
    annotation = str(getattr(getattr(param, "type_descriptor", None), "annotation", ""))
    return "number" if "int" in annotation or "float" in annotation else "text"


def _german_help_option(cmd) -> None:
    original = cmd.get_help_option

    def get_help_option(ctx):
        option = original(ctx)
        if option is not None:
            option.help = t("ux.cli.help_option")
        return option

    cmd.get_help_option = get_help_option


def _walk_paths(command, path: tuple[str, ...]):
    """Every command of the tree with its path of names (``("case", "new")``; the root is ``()``)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk_paths(sub, (*path, name))


def install_completion(ctx, _param, value) -> None:
    """``--install-completion``: Typer's installer, with its report in the user's language."""
    if not value or ctx.resilient_parsing:
        return
    import os

    from typer._completion_shared import _get_shell_name, install

    # the shell that started wbtui; failing that (a wrapper in between), the login shell ($SHELL)
    shell = _get_shell_name() or os.path.basename(os.environ.get("SHELL", "")) or None
    if shell not in SHELLS:
        print(t("ux.cli.completion_unknown_shell", shell=shell or "?", shells=", ".join(SHELLS)), file=sys.stderr)
        sys.exit(1)
    shell, path = install(shell=shell)
    print(t("ux.cli.completion_installed", shell=shell, path=path))
    sys.exit(0)


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
