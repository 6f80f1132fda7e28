"""The CLI's help comes from the catalogs, in both languages, for every command and option (cli/usage.py)."""

from __future__ import annotations

import pytest
import typer
from tests.common import run_cli

from wbtui.cli import app, lazy
from wbtui.cli.usage import _walk_paths, help_key
from wbtui.i18n import CATALOG

SKIP = {"install_completion", "show_completion", "help"}


def _tree():
    return list(_walk_paths(typer.main.get_command(lazy.whole(app)), ()))


def _param_keys(path, name):
    return [help_key(path, name), f"cli.param.{name}"]


def test_every_command_and_option_has_help_in_both_languages():
    missing = []
    for path, cmd in _tree():
        for lang in ("de", "en"):
            if help_key(path) not in CATALOG[lang]:
                missing.append(f"{lang}: {help_key(path)}")
            for param in cmd.params:
                if param.name in SKIP:
                    continue
                if not any(key in CATALOG[lang] for key in _param_keys(path, param.name)):
                    missing.append(f"{lang}: {help_key(path, param.name)} (or cli.param.{param.name})")
    assert not missing, "add these keys to src/wbtui/i18n/de.toml and en.toml:\n" + "\n".join(missing)


def test_no_help_text_is_written_in_the_code():
    """One text, one place: a help= literal or a command docstring would be German only."""
    written = [
        ".".join(path) or "wbtui"
        for path, cmd in _tree()
        if cmd.help or any(getattr(p, "help", None) for p in cmd.params if p.name not in SKIP)
    ]
    assert not written, f"help written in the code (move it to the catalogs): {written}"


@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [("de", "Listet Wiedervorlagen", "List follow-ups"), ("en", "List follow-ups", "Listet Wiedervorlagen")],
)
def test_help_pages_speak_the_configured_language(tmp_path, language, expected, not_expected):
    config = tmp_path / "wbtui.toml"
    config.write_text(f'language = "{language}"\n')
    result = run_cli("task", "list", "--help", env={"WBTUI_CONFIG": str(config)})
    assert expected in result.stdout and not_expected not in result.stdout
    assert ("Ausgabe als JSON" in result.stdout) == (language == "de")
