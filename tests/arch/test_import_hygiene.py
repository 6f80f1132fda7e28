"""The headless core never imports Textual; ``wbtui --help`` imports neither SQLModel nor Textual; the hot read
commands import neither Pydantic nor SQLAlchemy (issue #16)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "wbtui"
HEAVY = ("textual", "sqlmodel", "sqlalchemy")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_core_packages_do_not_import_textual():
    for package in ("domain", "data", "services", "sync", "server"):
        for path in (SRC / package).rglob("*.py"):
            assert "textual" not in _imports(path), path
    for name in ("config.py", "i18n/__init__.py", "paths.py"):
        assert "textual" not in _imports(SRC / name)


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {m.split(".")[0] for m in out.stdout.split()}


def test_help_does_not_import_heavy_modules():
    code = "import sys; sys.argv = ['wbtui', '--help']\nfrom wbtui.cli import app\ntry:\n    app()\nexcept SystemExit:\n    pass"
    loaded = _modules_after(code)
    for mod in HEAVY:
        assert mod not in loaded, mod


HOT_READS = (
    ["case", "list", "--limit", "20"],
    ["case", "list", "--limit", "20", "--json", "--search", "muster"],
    ["case", "show", "123A456789"],
    ["case", "show", "123A456789", "--json", "--history", "3"],
    ["overdue", "--limit", "50"],
    ["task", "list", "--mine"],
)


@pytest.fixture(scope="module")
def store_with_a_case(tmp_path_factory):
    """A store holding one case, made through the CLI as a user would (so the hot reads have rows to show)."""
    home = tmp_path_factory.mktemp("hot")
    env = dict(
        os.environ,
        WBTUI_DATA_DIR=str(home / "d"),
        WBTUI_LOG_DIR=str(home / "logs"),
        WBTUI_KEY_DIR=str(home / "keys"),
        XDG_CONFIG_HOME=str(home / "c"),
    )
    env.pop("WBTUI_CONFIG", None)
    new_case = ["case", "new", "-k", "123A456789", "-n", "Muster", "-g", "Max", "--birth-date", "01.02.1990"]
    subprocess.run([sys.executable, "-m", "wbtui", *new_case], env=env, check=True, capture_output=True)
    return env


@pytest.mark.parametrize("argv", HOT_READS, ids=" ".join)
def test_hot_read_commands_import_neither_pydantic_nor_sqlalchemy(store_with_a_case, argv):
    """Issue #16: Typer converts option values with Pydantic and `case show` went through the ORM services;
    the hot read commands now run without Pydantic, SQLAlchemy, SQLModel and Textual, and still succeed."""
    code = (
        f"import sys\nsys.argv = ['wbtui', *{argv!r}]\nfrom wbtui.cli import main\ntry:\n    main()\n"
        "except SystemExit as done:\n    assert not done.code, done.code  # the command really ran\n"
        "print(' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=store_with_a_case, capture_output=True, text=True, check=True
    )
    loaded = {m.split(".")[0] for m in out.stdout.split()}
    assert not loaded & {"pydantic", "sqlalchemy", "sqlmodel", "textual"}, sorted(
        loaded & set(HEAVY) | loaded & {"pydantic"}
    )


def test_a_bad_number_still_gets_typers_own_message(store_with_a_case):
    """Values the plain conversion does not take (wbtui.cli.coerce) go through Typer's: same message, exit 2."""
    run = [sys.executable, "-m", "wbtui", "case", "list", "--limit"]
    bad = subprocess.run([*run, "abc"], env=store_with_a_case, capture_output=True, text=True)
    low = subprocess.run([*run, "0"], env=store_with_a_case, capture_output=True, text=True)
    assert bad.returncode == 2 and "--limit" in bad.stderr and "ganze Zahl" in bad.stderr
    assert low.returncode == 2 and "--limit" in low.stderr and "1" in low.stderr


def test_data_layer_runs_without_textual():
    code = "import sys; sys.modules['textual'] = None\nimport wbtui.services, wbtui.services.demo, wbtui.data.detail, wbtui.cli"
    subprocess.run([sys.executable, "-c", code], check=True)
