"""The log file: an internal error leaves its traceback there (and one line for the user), never
Sozialdaten — not even when the failing code put a name into the exception or into SQL parameters."""

from __future__ import annotations

import json
import stat

import pytest

from common import run_cli

SENTINEL = "Zwetschgenbaum"  # a family name stored in the case, looked for in the log


def _name_from_the_store() -> str:
    from wbtui.cli.common import st

    con = st().store.raw()
    try:
        return con.execute("SELECT family_name FROM person").fetchone()[0]
    finally:
        con.close()


def _orm_write_with_the_name(*_args, **_kwargs):
    """A failing statement through the store's SQLAlchemy engine with the name as a bound parameter."""
    from wbtui.cli.common import st

    name = _name_from_the_store()
    with st().store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO person (id, family_name) VALUES (?, ?)", ("x", name))


def _bug_quoting_the_name(*_args, **_kwargs):
    """A programming error whose message quotes a value, as parsers and lookups do."""
    name = _name_from_the_store()
    raise KeyError(f"no entry for {name!r}")


@pytest.mark.parametrize("failure", [_orm_write_with_the_name, _bug_quoting_the_name])
def test_internal_error_is_logged_with_traceback_and_without_personal_data(
    tmp_path, jc_store_env, monkeypatch, failure
):
    made = run_cli("case", "new", "-k", "123A456789", "-n", SENTINEL, "-g", "Berta", "--json", env=jc_store_env)
    assert made.returncode == 0, made.stderr
    monkeypatch.setattr("wbtui.data.queries.list_cases", failure)

    res = run_cli("case", "list", env=jc_store_env)

    log = tmp_path / "logs" / "wbtui.log"
    assert res.returncode == 70
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(log) in lines[0] and "Traceback" not in res.stderr, res.stderr
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and failure.__name__ in text and "case_list" in text
    assert SENTINEL not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    shown = json.loads(run_cli("case", "show", "123A456789", "--json", env=jc_store_env).stdout)
    assert shown["person"]["family_name"] == SENTINEL  # the name was there to leak


def test_refusals_are_logged_by_command_and_key_only(tmp_path, jc_store_env):
    res = run_cli(
        "case", "new", "-k", "123A456789", "-n", SENTINEL, "-g", "Berta", "--birth-date", "31.02.1990", env=jc_store_env
    )
    assert res.returncode == 1
    text = (tmp_path / "logs" / "wbtui.log").read_text(encoding="utf-8")
    assert "case_new refused: err." in text and SENTINEL not in text and "31.02.1990" not in text


def test_nothing_is_logged_and_no_log_file_created_by_a_successful_command(tmp_path, jc_store_env):
    assert run_cli("case", "list", env=jc_store_env).returncode == 0
    assert not (tmp_path / "logs").exists()
