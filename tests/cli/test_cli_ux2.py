"""What an independent tester still found in English or misleading on the command line (issue 14, second
round): usage errors from Click/Typer/pydantic, `-o` on an existing path, internal codes in human output."""

from __future__ import annotations

import re

import pytest

from common import JC_CONFIG, run_cli, write_config
from common import one_error_line as one_line

ENGLISH = re.compile(r"\b(Got|unexpected|Input should|Invalid|is not|Missing|No such|requires|does not|Value|Error)\b")


@pytest.fixture
def jc_env(jc_env, tmp_path):
    return {**jc_env, "WBTUI_DATA_DIR": str(tmp_path / "daten")}


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


DSB_CONFIG = JC_CONFIG.replace('role = "jc_ifk"', 'role = "dsb"')


@pytest.mark.parametrize(
    "command",
    [
        ("report", "--format", "csv"),
        ("person", "export", "123A456789", "--reason", "Auskunftsersuchen"),
        ("audit", "export"),
    ],
)
def test_o_on_an_existing_file_offers_a_force_that_exists_and_a_folder_is_named_a_folder(tmp_path, jc_env, command):
    """`report -o r1.csv` twice said "(--force ersetzt sie)" and `--force` was "Unbekannte Option" (exit 2)."""
    from common import COMPLETE_CASE

    env = dict(jc_env)
    args = [
        "case",
        "new",
        "-k",
        COMPLETE_CASE["kundennummer"],
        "-n",
        "Muster",
        "-g",
        "Max",
        "--birth-date",
        "01.02.1990",
    ]
    assert run_cli(*args, env=env).returncode == 0
    # the DSB's work: Art. 15, the audit trail and steering figures (a caseworker may write none of them)
    env["WBTUI_CONFIG"] = str(write_config(tmp_path, DSB_CONFIG.format(lang="de"), "dsb.toml"))
    target = tmp_path / "out.txt"
    target.write_text("alt", encoding="utf-8")
    refused = one_line(run_cli(*command, "-o", str(target), env=env), 1)
    assert "--force" in refused and target.read_text(encoding="utf-8") == "alt"
    res = run_cli(*command, "-o", str(target), "--force", env=env)
    assert res.returncode == 0, res.stderr
    assert target.read_text(encoding="utf-8") != "alt"
    folder = one_line(run_cli(*command, "-o", str(tmp_path), "--force", env=env), 1)
    assert "ist ein Ordner" in folder and "--force" not in folder


def test_human_output_names_roles_permissions_obstacles_and_dates_not_codes(tmp_path, jc_env):
    """`(subject.access)`, `(admin)`, `read/denied/fbw_case`, `actor=*`, ISO times, "vor 2026-10-29" and
    "Offene Hemmnisse: R-KIN" were what the tester read; JSON keeps the codes."""
    import json

    from common import COMPLETE_CASE

    ok = run_cli("case", "new", "-k", COMPLETE_CASE["kundennummer"], "-n", "Muster", "-g", "Max", env=jc_env)
    assert ok.returncode == 0, ok.stderr
    assert run_cli("case", "move", COMPLETE_CASE["kundennummer"], "S2", env=jc_env).returncode == 0
    assert run_cli("obstacle", "add", COMPLETE_CASE["kundennummer"], "R-KIN", env=jc_env).returncode == 0
    refused = run_cli("handover", "send", COMPLETE_CASE["kundennummer"], env=jc_env)
    assert "Kinderbetreuung nicht gesichert (R-KIN)" in refused.stderr
    closing = one_line(run_cli("case", "close", COMPLETE_CASE["kundennummer"], env=jc_env), 1)
    assert "verzogen" in closing and "declined_by_person" not in closing

    admin = {
        **jc_env,
        "WBTUI_CONFIG": str(
            write_config(tmp_path, JC_CONFIG.replace('"jc_ifk"', '"admin"').format(lang="de"), "a.toml")
        ),
    }
    line = one_line(run_cli("person", "export", COMPLETE_CASE["kundennummer"], "-o", str(tmp_path / "x"), env=admin), 5)
    assert "„Administration“" in line and "Auskunft nach Art. 15 DSGVO" in line
    assert "(admin)" not in line and "subject.access" not in line

    dsb = {**jc_env, "WBTUI_CONFIG": str(write_config(tmp_path, DSB_CONFIG.format(lang="de"), "d.toml"))}
    run_cli("case", "list", env=dsb)  # refused: on the record
    trail = run_cli("audit", "list", env=dsb)
    assert trail.returncode == 0, trail.stderr
    assert "verweigert" in trail.stdout and "fehlende Berechtigung: Fälle lesen" in trail.stdout
    assert "Integrationsfachkraft" in trail.stdout and "angelegt" in trail.stdout and "Fall " in trail.stdout
    for code in ("(jc_ifk)", " read ", " denied ", "fbw_case", "actor=", "T1", "T0"):
        assert code not in trail.stdout, code
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", trail.stdout)
    as_json = json.loads(run_cli("audit", "list", "--json", env=dsb).stdout)
    assert {"denied", "create"} <= {item["action"] for item in as_json}

    plan = run_cli("retention", "run", env=dsb)
    assert plan.returncode == 0 and re.search(r"vor \d\d\.\d\d\.\d{4}", plan.stdout), plan.stdout


def test_a_refused_case_new_leaves_no_store_file_behind(tmp_path, jc_env):
    res = run_cli("case", "new", "-k", "123A456789", "-n", "Muster", "-g", "Max", "--phone", "abc", env=jc_env)
    assert res.returncode == 1 and "Telefonnummer" in res.stderr
    assert not list((tmp_path / "daten").glob("*.db")) if (tmp_path / "daten").exists() else True


def test_case_list_search_says_when_closed_cases_match_too(jc_env):
    from common import COMPLETE_CASE

    args = ["case", "new", "-k", COMPLETE_CASE["kundennummer"], "-n", "Muster", "-g", "Max"]
    assert run_cli(*args, env=jc_env).returncode == 0
    closed = run_cli(
        "case", "close", COMPLETE_CASE["kundennummer"], "--reason", "umgezogen", "--tasks", "erledigen", env=jc_env
    )
    assert closed.returncode == 0, closed.stderr
    res = run_cli("case", "list", "--search", "muster", env=jc_env)
    assert res.returncode == 0
    assert "1 abgeschlossener Fall passt ebenfalls (--all zeigt abgeschlossene)." in res.stderr
