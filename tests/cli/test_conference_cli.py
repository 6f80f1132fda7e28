"""``wbtui conference list`` (``--json``) and ``conference print``: the README names both; the protocol printed
is the one ``handover print --conference`` writes."""

from __future__ import annotations

import json

from common import COMPLETE_CASE, JC_CONFIG, run_cli, write_config


def ok(*args, env):
    res = run_cli(*args, env=env)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res.stdout


def test_conferences_are_listed_and_their_protocol_printed(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml")),
           "WBTUI_DB": str(tmp_path / "jc.db")}  # fmt: skip
    args = ["case", "new", "--json"]
    for key, flag in (("kundennummer", "-k"), ("family_name", "-n"), ("given_names", "-g"), ("birth_date", "--birth-date"),
                      ("phone", "--phone"), ("target_kldb", "--target-kldb"), ("training_type", "--training-type"),
                      ("schedule", "--schedule"), ("necessity_reason", "--necessity")):  # fmt: skip
        args += [flag, COMPLETE_CASE[key]]
    ref = json.loads(ok(*args, env=env))["ref"]
    assert "Keine Fallkonferenz" in ok("conference", "list", ref, env=env)
    ok("conference", "add", ref, "--variant", "fallbesprechung", "--place", "Raum 2.14", "--time", "10:30",
       "--participant", "Ida Ifk:jc_ifk:Jobcenter", "--decision", "Weiter wie geplant:ifk.ida:15.01.2027", env=env)  # fmt: skip
    listed = json.loads(ok("conference", "list", ref, "--json", env=env))
    assert listed["count"] == 1 and listed["conferences"][0]["place"] == "Raum 2.14"
    assert listed["conferences"][0]["participants"][0]["name"] == "Ida Ifk"
    text = ok("conference", "list", ref, env=env)
    assert "Raum 2.14" in text and "Ida Ifk" in text and "Fallbesprechung" in text
    protocol = ok("conference", "print", ref, env=env)
    assert protocol == ok("handover", "print", ref, "--conference", env=env)
    assert "Protokoll Fallkonferenz" in protocol and "Raum 2.14" in protocol
    assert "geschrieben" in ok("conference", "print", ref, "--format", "pdf", "-o", str(tmp_path / "p.pdf"), env=env)
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
