"""The real ``python -m wbtui`` process, once per thing only a process shows: start-up and help, the
documented exit codes, an internal error's one line, and what ``--help`` imports. Everything else
about the CLI runs in process (tests/cli/test_cli.py and others, ``common.run_cli``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from common import one_error_line as one_line
from common import run_cli_process, write_config
from wbtui.cli.lazy import ENTRIES, NAMES


def test_starts_and_shows_a_groups_help():  # the top level's help: the last test here
    group = run_cli_process("sync", "--help")
    assert group.returncode == 0 and "conflicts" in group.stdout and "resolve" in group.stdout


@pytest.mark.parametrize(
    "args,config,code,fragment",
    [
        (("case", "list", "--owner", "nobody"), None, 1, "Ungültiger Wert"),
        (("case", "show", "ffffffff"), None, 3, "Fall nicht gefunden"),
        (("case", "list"), "[timers]\nstalled_days = -3\n", 4, "timers.stalled_days"),
        (("audit", "list"), None, 5, "Berechtigung"),
    ],
)
def test_documented_exit_codes_with_one_line(tmp_path, jc_store_env, args, config, code, fragment):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, config, "bad.toml"))} if config else jc_store_env
    res = run_cli_process(*args, env=env)
    assert res.returncode == code, (res.returncode, res.stderr)
    assert fragment in one_line(res)


def test_internal_error_is_one_line_naming_the_log_file(tmp_path, jc_store_env):
    assert run_cli_process("task", "list", env=jc_store_env).returncode == 0
    con = sqlite3.connect(tmp_path / "data" / "wbtui.db")
    con.execute("DROP TABLE task")  # a broken store: no rule covers it, so it is an internal error
    con.commit()
    con.close()
    res = run_cli_process("task", "list", env=jc_store_env)
    assert res.returncode == 70
    log = tmp_path / "logs" / "wbtui.log"
    assert str(log) in one_line(res)
    assert "no such table: task" in log.read_text(encoding="utf-8")


def test_help_through_the_entry_point_lists_every_command_and_imports_none(tmp_path):
    """`wbtui --help` lists every command and group from the lazy table (wbtui.cli.lazy), importing no
    command module, no ORM and no Textual (issue #16)."""
    code = (
        "import runpy, sys\nsys.argv = ['wbtui', '--help']\n"
        "try:\n    runpy.run_module('wbtui', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = out.stderr.split()
    loaded = {name.split(".")[0] for name in modules}
    assert not loaded & {"sqlmodel", "sqlalchemy", "textual"}, loaded & {"sqlmodel", "sqlalchemy", "textual"}
    command_modules = {f"wbtui.cli.{module}" for _name, modules_of, _attr in ENTRIES for module in modules_of}
    assert not command_modules & set(modules), sorted(command_modules & set(modules))
    listed = {line.strip("│ ").split(" ")[0] for line in out.stdout.splitlines()}
    assert set(NAMES) <= listed, set(NAMES) - listed
    assert not (tmp_path / "logs").exists()  # the log file is created with the first record, not at start-up
