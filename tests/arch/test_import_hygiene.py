"""The headless core never imports Textual; ``wbtui --help`` imports neither SQLModel nor Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_list_path_does_not_import_orm_or_textual(tmp_path):
    from wbtui.data.store import open_store

    open_store(tmp_path / "d" / "wbtui.db").close()  # a store to list (reading never creates one)
    env_code = (
        "import os, sys; os.environ['WBTUI_DATA_DIR'] = {!r}\n"
        "sys.argv = ['wbtui', 'case', 'list']\nfrom wbtui.cli import app\ntry:\n    app()\n"
        "except SystemExit as done:\n    assert not done.code, done.code  # the list really ran"
    ).format(str(tmp_path / "d"))
    loaded = _modules_after(env_code)
    assert "textual" not in loaded and "sqlmodel" not in loaded and "sqlalchemy" not in loaded


def test_data_layer_runs_without_textual():
    code = "import sys; sys.modules['textual'] = None\nimport wbtui.services, wbtui.services.demo, wbtui.data.detail, wbtui.cli"
    subprocess.run([sys.executable, "-c", code], check=True)
