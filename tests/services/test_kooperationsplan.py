"""The Kooperationsplan (§ 15 SGB II) appeared nowhere (issue 15, process errors): the Jobcenter records the
day it was agreed or last updated; ``case show`` and the Übergabebogen name it, or say it is not recorded."""

from __future__ import annotations

import json

from common import COMPLETE_CASE, JC_CONFIG, run_cli, write_config


def ok(*args, env):
    res = run_cli(*args, env=env)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res.stdout


def test_the_kooperationsplan_is_recorded_and_named_on_the_uebergabebogen(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml")),
           "WBTUI_DB": str(tmp_path / "jc.db")}  # fmt: skip
    args = ["case", "new", "--json"]
    for key, flag in (("kundennummer", "-k"), ("family_name", "-n"), ("given_names", "-g"), ("birth_date", "--birth-date"),
                      ("phone", "--phone"), ("target_kldb", "--target-kldb"), ("training_type", "--training-type"),
                      ("schedule", "--schedule"), ("necessity_reason", "--necessity")):  # fmt: skip
        args += [flag, COMPLETE_CASE[key]]
    ref = json.loads(ok(*args, env=env))["ref"]
    ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", env=env)
    ok("case", "move", ref, "S3", env=env)
    ok("handover", "send", ref, env=env)
    assert "Kooperationsplan (§ 15 SGB II): nicht erfasst" in ok("handover", "print", ref, env=env)
    ok("case", "edit", ref, "--set", "kooperationsplan_on=02.11.2026", env=env)
    assert "Kooperationsplan (§ 15 SGB II) vom: 02.11.2026" in ok("case", "show", ref, env=env)
    assert json.loads(ok("case", "show", ref, "--json", env=env))["case"]["kooperationsplan_on"] == "2026-11-02"
    assert "Kooperationsplan (§ 15 SGB II): vom 02.11.2026" in ok("handover", "print", ref, env=env)
