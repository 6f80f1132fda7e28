"""What an independent tester still found in English or misleading on the command line (issue 14, second
round): usage errors from Click/Typer/pydantic, `-o` on an existing path, internal codes in human output."""

from __future__ import annotations

import re

import pytest

from common import JC_CONFIG, run_cli, write_config

ENGLISH = re.compile(r"\b(Got|unexpected|Input should|Invalid|is not|Missing|No such|requires|does not|Value|Error)\b")


@pytest.fixture
def jc_env(tmp_path):
    return {
        "WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml")),
        "WBTUI_DATA_DIR": str(tmp_path / "daten"),
    }


def one_line(res, code: int) -> str:
    assert res.returncode == code, (res.args, res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("case", "list", "extra"), "Überzählige Angabe(n): extra."),
        (("case", "show", "a", "b"), "Überzählige Angabe(n): b."),
        (("demo", "--cases", "0"), "Ungültiger Wert für --cases: mindestens 1."),
        (("case", "list", "--limit", "0"), "Ungültiger Wert für --limit: mindestens 1."),
        (("case", "list", "--limit", "999999999"), "Ungültiger Wert für --limit: höchstens 100000."),
        (("kldb", "lager", "--limit", "500"), "Ungültiger Wert für --limit: höchstens 200."),
        (("case", "list", "--json=1"), "Option --json nimmt keinen Wert."),
        (("case", "list", "--search"), "Option --search braucht einen Wert."),
        (("case", "list", "--offset", "-1"), "Ungültiger Wert für --offset: mindestens 0."),
        (("serve", "--port", "0"), "Ungültiger Wert für --port: mindestens 1."),
    ],
)
def test_usage_errors_from_click_typer_and_pydantic_are_german(jc_env, args, expected):
    line = one_line(run_cli(*args, env=jc_env), 2)
    assert line.startswith(expected), line
    assert not ENGLISH.search(line), line
