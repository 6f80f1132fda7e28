"""Handover exchange file: export -> import between two stores round-trips the case; bad files
are refused whole with every problem named; a file imported twice is recognised."""

from __future__ import annotations

import json
import sqlite3
import stat

import jsonschema

from common import cli_handed_over as handed_over
from common import cli_ok as ok
from common import run_cli


def test_export_import_round_trip(tmp_path, offices):
    jc, aa = offices
    case_id = handed_over(jc)
    target = tmp_path / "uebergabe.json"
    ok("handover", "export", case_id[:8], "-o", str(target), env=jc)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text(encoding="utf-8"))
    from wbtui.services.exchange import schema_path

    jsonschema.validate(document, json.loads(schema_path().read_text(encoding="utf-8")))
    assert "eingelesen; bitte quittieren" in ok("handover", "import", str(target), env=aa)
    again = ok("handover", "import", str(target), env=aa)
    assert "schon eingelesen" in again
    fields = "p.kundennummer, p.family_name, p.given_names, p.birth_date, p.phone, c.target_kldb, c.training_type, c.schedule, c.necessity_reason"
    sql = f"SELECT {fields}, c.id FROM fbw_case c JOIN person p ON p.id = c.person_id"
    src = sqlite3.connect(tmp_path / "jc.db").execute(sql).fetchall()
    dst = sqlite3.connect(tmp_path / "aa.db").execute(sql + " WHERE c.stage = 'handed_over'").fetchall()
    assert src == dst
    assert sqlite3.connect(tmp_path / "aa.db").execute("SELECT code, status FROM obstacle").fetchall() == [
        ("R-MOB", "in_bearbeitung")
    ]
    ok("handover", "ack", case_id[:8], "--appointment", "01.12.2026 09:00", env=aa)  # as with a shared system
    assert json.loads(ok("case", "show", case_id[:8], "--json", env=aa))["stage"] == "counselling_scheduled"


def test_T3_bad_file_lists_every_problem_and_creates_nothing(tmp_path, offices):
    jc, aa = offices
    case_id = handed_over(jc)
    target = tmp_path / "u.json"
    ok("handover", "export", case_id[:8], "-o", str(target), env=jc)
    document = json.loads(target.read_text(encoding="utf-8"))
    document["person"]["birth_date"] = "31.02.1985"
    document["person"]["family_name"] = "Evil\x1b]52;c;eA==\x07"
    document["case"]["target_kldb"] = "999"
    document["obstacles"].append({"code": "Q-XYZ", "status": "offen"})
    document["surprise"] = 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    res = run_cli("handover", "import", str(bad), env=aa)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    for fragment in ("person.birth_date", "case.target_kldb", "obstacles[1].code", "surprise", "nichts angelegt"):
        assert fragment in res.stderr, fragment
    assert sqlite3.connect(tmp_path / "aa.db").execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0] == 0
    # control characters alone do not refuse a file: they are stripped
    document = json.loads(target.read_text(encoding="utf-8"))
    document["person"]["family_name"] = "Evil\x1b]52;c;eA==\x07Name"
    target.write_text(json.dumps(document), encoding="utf-8")
    ok("handover", "import", str(target), env=aa)
    name = sqlite3.connect(tmp_path / "aa.db").execute("SELECT family_name FROM person").fetchone()[0]
    assert "\x1b" not in name and "\x07" not in name


def test_T6_export_refuses_to_overwrite_or_follow_links(tmp_path, offices):
    jc, _aa = offices
    case_id = handed_over(jc)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    res = run_cli("handover", "export", case_id[:8], "-o", str(link), "--force", env=jc)
    assert res.returncode != 0 and victim.read_text(encoding="utf-8") == "keep"
    res = run_cli("handover", "export", case_id[:8], "-o", str(victim), env=jc)
    assert res.returncode == 1 and "--force" in res.stderr
