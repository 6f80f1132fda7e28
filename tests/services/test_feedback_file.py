"""The return channel without a shared server (issue 15, item 2): the Agentur's feedback file, exported
from its own store and imported into the Jobcenter's, checked against the published schema; a second
import is recognised; a bad file is refused whole with the field named (exit 1) and changes nothing."""

from __future__ import annotations

import json
import sqlite3

import jsonschema

from common import COMPLETE_CASE, run_cli, two_offices
from common import cli_ok as ok


def handed_over_by_file(tmp_path, jc, aa) -> str:
    args = ["case", "new", "--json"]
    for key, flag in (("kundennummer", "-k"), ("family_name", "-n"), ("given_names", "-g"), ("birth_date", "--birth-date"),
                      ("phone", "--phone"), ("target_kldb", "--target-kldb"), ("training_type", "--training-type"),
                      ("schedule", "--schedule"), ("necessity_reason", "--necessity")):  # fmt: skip
        args += [flag, COMPLETE_CASE[key]]
    case_id = json.loads(ok(*args, env=jc))["id"]
    ok("consent", "add", case_id[:8], "--recipient", "agentur", "--group", "stammdaten", env=jc)
    ok("case", "move", case_id[:8], "S3", env=jc)
    ok("handover", "send", case_id[:8], "--channel", "file_export", env=jc)
    ok("handover", "export", case_id[:8], "-o", str(tmp_path / "uebergabe.json"), env=jc)
    ok("handover", "import", str(tmp_path / "uebergabe.json"), env=aa)
    return case_id


def jc_rows(tmp_path, sql: str):
    con = sqlite3.connect(tmp_path / "jc.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_feedback_file_export_import_between_two_stores(tmp_path):
    from wbtui.services.exchange import schema_path

    jc, aa = two_offices(tmp_path)
    case_id = handed_over_by_file(tmp_path, jc, aa)
    ref = case_id[:8]
    ok("handover", "ack", ref, env=aa)
    ok("appointment", "add", ref, "--at", "2030-03-04 09:00", "--place", "Agentur, Raum 2.14", env=aa)
    appt = json.loads(ok("appointment", "list", ref, "--json", env=aa))["appointments"][0]["ref"]
    ok("appointment", "move", appt, "--at", "2030-03-05 10:00", "--reason", "verhindert", env=aa)
    target = tmp_path / "rueckmeldung.json"
    ok("feedback", "export", "-o", str(target), env=aa)
    document = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(schema_path("feedback-v2").read_text(encoding="utf-8")))
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert [c["case_id"] for c in document["cases"]] == [case_id]

    assert "eingelesen" in ok("feedback", "import", str(target), env=jc)
    assert jc_rows(tmp_path, "SELECT stage FROM fbw_case") == [("counselling_scheduled",)]
    assert sorted(jc_rows(tmp_path, "SELECT status, location FROM appointment")) == [
        ("geplant", "Agentur, Raum 2.14"),
        ("verschoben", "Agentur, Raum 2.14"),
    ]
    assert jc_rows(tmp_path, "SELECT status FROM handover") == [("accepted",)]
    types = [r[0] for r in jc_rows(tmp_path, "SELECT type FROM case_event ORDER BY at, rowid")]
    assert {"handover_received", "appointment_set", "appointment_updated", "feedback_imported"} <= set(types)
    before = jc_rows(tmp_path, "SELECT COUNT(*) FROM case_event")

    # the same file again: recognised, nothing added
    assert "schon eingelesen" in ok("feedback", "import", str(target), env=jc)
    assert jc_rows(tmp_path, "SELECT COUNT(*) FROM case_event") == before
    # a newer file overlapping the first adds only what is new (ids are kept)
    second = tmp_path / "rueckmeldung2.json"
    ok("appointment", "done", json.loads(ok("appointment", "list", ref, "--json", env=aa))["appointments"][0]["ref"],
       "--result", "cancelled", "--reason", "Person krank", env=aa)  # fmt: skip
    ok("feedback", "export", "-o", str(second), env=aa)
    ok("feedback", "import", str(second), env=jc)
    assert sorted(r[0] for r in jc_rows(tmp_path, "SELECT status FROM appointment")) == ["abgesagt", "verschoben"]
    ids = jc_rows(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT id) FROM case_event")[0]
    assert ids[0] == ids[1]


def test_a_bad_feedback_file_is_refused_whole_naming_the_field(tmp_path):
    jc, aa = two_offices(tmp_path)
    case_id = handed_over_by_file(tmp_path, jc, aa)
    ok("handover", "ack", case_id[:8], "--appointment", "2030-03-04 09:00", env=aa)
    target = tmp_path / "r.json"
    ok("feedback", "export", "-o", str(target), env=aa)
    good = json.loads(target.read_text(encoding="utf-8"))
    before = jc_rows(tmp_path, "SELECT COUNT(*) FROM case_event")

    def refused(text: str, *fields: str) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text(text, encoding="utf-8")
        res = run_cli("feedback", "import", str(bad), env=jc)
        assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
        assert "Rückmeldedatei abgelehnt" in res.stderr
        for field in fields:
            assert field in res.stderr, (field, res.stderr)

    wrong_person = json.loads(json.dumps(good))
    wrong_person["cases"][0]["kundennummer"] = "999X000000"
    refused(json.dumps(wrong_person), "cases[0].kundennummer")
    unknown = json.loads(json.dumps(good))
    unknown["cases"][0]["case_id"] = "0" * 32
    refused(json.dumps(unknown), "cases[0].case_id")
    bad_status = json.loads(json.dumps(good))
    bad_status["cases"][0]["appointments"][0]["status"] = "erfunden"
    refused(json.dumps(bad_status), "cases[0].appointments[0].status")
    refused(json.dumps(good).replace('"version": 2', '"version": 2, "version": 2', 1), "version")  # duplicate key
    refused(json.dumps(good).replace('"version": 2', '"version": 2' + "0" * 30, 1), "version")  # number size
    refused('{"format": ' + "[" * 50 + "]" * 50 + "}")  # nesting
    assert jc_rows(tmp_path, "SELECT COUNT(*) FROM case_event") == before
    assert jc_rows(tmp_path, "SELECT COUNT(*) FROM appointment") == [(0,)]


def test_only_the_agentur_writes_and_only_the_jobcenter_imports(tmp_path):
    jc, aa = two_offices(tmp_path)
    handed_over_by_file(tmp_path, jc, aa)
    assert run_cli("feedback", "export", "-o", str(tmp_path / "x.json"), env=jc).returncode == 1
    ok("feedback", "export", "-o", str(tmp_path / "y.json"), env=aa)
    assert run_cli("feedback", "import", str(tmp_path / "y.json"), env=aa).returncode == 1
    assert run_cli("feedback", "import", str(tmp_path / "missing.json"), env=jc).returncode == 3


def test_the_other_offices_entries_stay_in_the_inbox_until_read_in_both_directions(tmp_path):
    jc, aa = two_offices(tmp_path)
    case_id = handed_over_by_file(tmp_path, jc, aa)
    ok("handover", "ack", case_id[:8], "--appointment", "2030-03-04 09:00", env=aa)
    target = tmp_path / "r.json"
    ok("feedback", "export", "-o", str(target), env=aa)
    ok("feedback", "import", str(target), env=jc)
    inbox = json.loads(ok("inbox", "--json", env=jc))
    types = {i["type"] for i in inbox["items"]}
    assert {"handover_received", "appointment_set"} <= types and "feedback_imported" not in types  # not its own
    assert inbox["unread"] == inbox["count"] > 0
    first = inbox["items"][0]["event_id"]
    assert "1 Eintrag" in ok("inbox", "read", first[:8], env=jc)
    again = json.loads(ok("inbox", "--json", env=jc))
    assert again["unread"] == inbox["unread"] - 1 and again["items"][-1]["event_id"] == first  # read ones last
    assert json.loads(ok("inbox", "--unread", "--json", env=jc))["count"] == again["unread"]
    ok("inbox", "read", "--all", env=jc)
    assert json.loads(ok("inbox", "--json", env=jc))["unread"] == 0
    # the other direction: the Jobcenter's consent reaches the Agentur's inbox (here: one shared store)
    shared = {**jc, "WBTUI_DB": str(tmp_path / "shared.db")}
    shared_aa = {**aa, "WBTUI_DB": str(tmp_path / "shared.db")}
    args = ["case", "new", "--json"]
    for key, flag in (("kundennummer", "-k"), ("family_name", "-n"), ("given_names", "-g"), ("phone", "--phone"),
                      ("birth_date", "--birth-date"), ("target_kldb", "--target-kldb"),
                      ("training_type", "--training-type"), ("schedule", "--schedule"),
                      ("necessity_reason", "--necessity")):  # fmt: skip
        args += [flag, COMPLETE_CASE[key]]
    ref = json.loads(ok(*args, env=shared))["ref"]
    ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", env=shared)
    ok("case", "move", ref, "S3", env=shared)
    ok("handover", "send", ref, env=shared)  # now the Agentur holds the case
    assert "consent_recorded" in {i["type"] for i in json.loads(ok("inbox", "--json", env=shared_aa))["items"]}
    assert "consent_recorded" not in {i["type"] for i in json.loads(ok("inbox", "--json", env=shared))["items"]}


def test_feedback_file_carries_reasons_and_voucher_and_course_details(tmp_path):
    """Version 2: a dropout with its reason (code and German label) and the voucher and course details reach
    the Jobcenter's copy; the file validates against feedback-v2, a second import is recognised and a file of
    version 1 is still accepted."""
    from datetime import date, timedelta

    from wbtui.services.exchange import schema_path

    jc, aa = two_offices(tmp_path)
    ref = handed_over_by_file(tmp_path, jc, aa)[:8]
    day = (date.today() - timedelta(days=1)).strftime("%d.%m.%Y")
    ok("handover", "ack", ref, "--appointment", f"{day} 09:00", env=aa)
    ok("case", "move", ref, "S6", "--outcome", "förderfähig", "--date", f"{day} 09:00", env=aa)
    valid = (date.today() + timedelta(days=60)).strftime("%d.%m.%Y")
    ok("case", "move", ref, "S7", "--valid-until", valid, env=aa)
    ok("case", "edit", ref, "--set", "voucher_number=BGS-2026-0042", "--set", "training_goal=Berufskraftfahrer",
       "--set", "duration_months=9", "--set", "region=Tagespendelbereich", "--set", "provider_name=Bildungswerk Nord",
       "--set", "course_title=Umschulung Berufskraftfahrer", "--set", "kursnet_id=278-1234", env=aa)  # fmt: skip
    start, end = date.today() - timedelta(days=0), date.today() + timedelta(days=270)
    ok("case", "move", ref, "S8", "--start", start.strftime("%d.%m.%Y"), "--end", end.strftime("%d.%m.%Y"), env=aa)
    ok("case", "move", ref, "S9", env=aa)
    ok("case", "edit", ref, "--set", "interim_exam=bestanden", env=aa)
    ok("case", "move", ref, "S9d", "--reason", "Arbeitsaufnahme", env=aa)
    target = tmp_path / "r2.json"
    ok("feedback", "export", "-o", str(target), env=aa)
    document = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(schema_path("feedback-v2").read_text(encoding="utf-8")))
    block = document["cases"][0]
    assert document["version"] == 2
    assert block["reasons"]["dropout_reason"] == {"code": "abbruch_arbeitsaufnahme", "label": "Arbeitsaufnahme"}
    assert block["voucher"]["number"] == "BGS-2026-0042" and block["voucher"]["duration_months"] == 9
    course = block["course"]
    assert (course["provider_name"], course["kursnet_id"], course["planned_start"]) == (
        "Bildungswerk Nord", "278-1234", start.isoformat())  # fmt: skip
    assert course["interim_exam"] == {"code": "bestanden", "label": "bestanden"}

    ok("feedback", "import", str(target), env=jc)
    shown = json.loads(ok("case", "show", ref, "--json", env=jc))["case"]
    assert shown["stage"] == "dropped_out" and shown["dropout_reason"] == "abbruch_arbeitsaufnahme"
    assert (shown["voucher_number"], shown["training_goal"], shown["region"], shown["duration_months"]) == (
        "BGS-2026-0042", "Berufskraftfahrer", "Tagespendelbereich", 9)  # fmt: skip
    assert (shown["provider_name"], shown["course_title"], shown["kursnet_id"], shown["interim_exam"]) == (
        "Bildungswerk Nord", "Umschulung Berufskraftfahrer", "278-1234", "bestanden")  # fmt: skip
    assert shown["course_start"] == start.isoformat() and shown["course_planned_end"] == end.isoformat()
    text = ok("case", "show", ref, env=jc)
    assert "Bildungswerk Nord" in text and "Arbeitsaufnahme" in text
    assert "schon eingelesen" in ok("feedback", "import", str(target), env=jc)

    # a file of version 1 (without the new blocks) is still read
    old = dict(document)
    old["version"], old["file_id"] = 1, "f" * 32
    old["cases"] = [{k: v for k, v in block.items() if k not in ("reasons", "voucher", "course")}]
    jsonschema.validate(old, json.loads(schema_path("feedback-v1").read_text(encoding="utf-8")))
    (tmp_path / "v1.json").write_text(json.dumps(old), encoding="utf-8")
    assert "eingelesen" in ok("feedback", "import", str(tmp_path / "v1.json"), env=jc)
