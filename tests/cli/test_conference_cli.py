"""``wbtui conference list`` (``--json``) and ``conference print``: the README names both; the protocol printed
is the one ``handover print --conference`` writes."""

from __future__ import annotations

import json

from common import JC_CONFIG, cli_new_case, cli_ok, config_env


def test_conferences_are_listed_and_their_protocol_printed(tmp_path):
    env = {**config_env(tmp_path, JC_CONFIG, "jc.toml"), "WBTUI_DB": str(tmp_path / "jc.db")}
    ref = cli_new_case(env)
    assert "Keine Fallkonferenz" in cli_ok("conference", "list", ref, env=env)
    cli_ok("conference", "add", ref, "--variant", "fallbesprechung", "--place", "Raum 2.14", "--time", "10:30",
       "--participant", "Ida Ifk:jc_ifk:Jobcenter", "--decision", "Weiter wie geplant:ifk.ida:15.01.2027", env=env)  # fmt: skip
    listed = json.loads(cli_ok("conference", "list", ref, "--json", env=env))
    assert listed["count"] == 1 and listed["conferences"][0]["place"] == "Raum 2.14"
    assert listed["conferences"][0]["participants"][0]["name"] == "Ida Ifk"
    text = cli_ok("conference", "list", ref, env=env)
    assert "Raum 2.14" in text and "Ida Ifk" in text and "Fallbesprechung" in text
    protocol = cli_ok("conference", "print", ref, env=env)
    assert protocol == cli_ok("handover", "print", ref, "--conference", env=env)
    assert "Protokoll Fallkonferenz" in protocol and "Raum 2.14" in protocol
    assert "geschrieben" in cli_ok(
        "conference", "print", ref, "--format", "pdf", "-o", str(tmp_path / "p.pdf"), env=env
    )
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
