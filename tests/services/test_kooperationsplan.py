"""The Kooperationsplan (§ 15 SGB II) appeared nowhere (issue 15, process errors): the Jobcenter records the
day it was agreed or last updated; ``case show`` and the Übergabebogen name it, or say it is not recorded."""

from __future__ import annotations

import json

from common import JC_CONFIG, cli_new_case, cli_ok, config_env


def test_the_kooperationsplan_is_recorded_and_named_on_the_uebergabebogen(tmp_path):
    env = {**config_env(tmp_path, JC_CONFIG, "jc.toml"), "WBTUI_DB": str(tmp_path / "jc.db")}
    ref = cli_new_case(env)
    cli_ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", env=env)
    cli_ok("case", "move", ref, "S3", env=env)
    cli_ok("handover", "send", ref, env=env)
    assert "Kooperationsplan (§ 15 SGB II): nicht erfasst" in cli_ok("handover", "print", ref, env=env)
    cli_ok("case", "edit", ref, "--set", "kooperationsplan_on=02.11.2026", env=env)
    assert "Kooperationsplan (§ 15 SGB II) vom: 02.11.2026" in cli_ok("case", "show", ref, env=env)
    assert json.loads(cli_ok("case", "show", ref, "--json", env=env))["case"]["kooperationsplan_on"] == "2026-11-02"
    assert "Kooperationsplan (§ 15 SGB II): vom 02.11.2026" in cli_ok("handover", "print", ref, env=env)
