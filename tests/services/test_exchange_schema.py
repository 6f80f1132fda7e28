"""Handover files are checked against their published JSON Schema at run time (issue #13), and every
field round-trips in both directions: a Jobcenter's export imported by an Agentur and exported again is
the same file (and validates), and a file written by hand that validates is imported and re-exported
unchanged — booleans stay booleans, the sending office keeps its kind."""

from __future__ import annotations

import json
import sqlite3

import jsonschema
import pytest

from common import LEAD_CONFIG, run_cli, write_config
from common import cli_handed_over as handed_over
from common import cli_ok as ok
from wbtui.data.package import unpack

SCHEMA = None


def schema() -> dict:
    global SCHEMA
    if SCHEMA is None:
        from wbtui.services.exchange import schema_path

        SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))
    return SCHEMA


def hand_made(**changes) -> dict:
    document = {
        "format": "wbtui-uebergabe",
        "version": 1,
        "handover_id": "a" * 32,
        "case_id": "b" * 32,
        "exported_at": "2026-11-25T10:00:00+00:00",
        "from_office": {"name": "Jobcenter Nordland", "kind": "jobcenter_zkt", "number": "77", "contact": "C. Kontakt"},
        "to_office": "Agentur für Arbeit Musterstadt",
        "legal_basis": "sgb_x_69",
        "person": {
            "kundennummer": "123A000042", "bg_nummer": None, "family_name": "Öztürk", "given_names": "Ayşe",
            "birth_date": "1980-02-01", "address": None, "phone": "0151 1234567", "email": None,
            "preferred_language": "Türkisch", "needs_interpreter": False, "german_level_cefr": "B1",
            "school_certificate": "ausland",
        },
        "case": {
            "target_kldb": "52122", "target_title": "Berufskraftfahrerin", "training_type": "umschulung",
            "schedule": "teilzeit", "earliest_start": "2027-01-04", "max_commute_km": 30,
            "necessity_reason": "missing_qualification", "care_arranged": True, "availability": None,
            "legacy_jc_funded": False, "legal_basis": "sgb_x_69",
        },
        "obstacles": [{"code": "R-KIN", "status": "geloest"}],
    }  # fmt: skip
    for path, value in changes.items():
        target = document
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return document


def without_time(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_round_trip_jobcenter_export_agentur_import_agentur_export(tmp_path, offices):
    jc, aa = offices
    case_id = handed_over(jc, needs_interpreter="ja", care_arranged="nein", max_commute_km="25")
    first = tmp_path / "input-1.json"
    ok("handover", "export", case_id[:8], "-o", str(first), env=jc)
    original = json.loads(first.read_text(encoding="utf-8"))
    jsonschema.validate(original, schema())
    assert original["person"]["needs_interpreter"] is True and original["case"]["care_arranged"] is False
    ok("handover", "import", str(first), env=aa)
    again = tmp_path / "input-2.json"
    ok("handover", "export", case_id[:8], "-o", str(again), env=aa)
    second = json.loads(again.read_text(encoding="utf-8"))
    jsonschema.validate(second, schema())
    assert without_time(second) == without_time(original)


def test_imported_booleans_were_stored_as_the_string_false__now_they_round_trip(tmp_path, offices):
    _jc, aa = offices
    source = tmp_path / "input-hand.json"
    document = hand_made()
    jsonschema.validate(document, schema())
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ok("handover", "import", str(source), env=aa)
    package = unpack(sqlite3.connect(tmp_path / "aa.db").execute("SELECT package FROM handover").fetchone()[0])
    assert package["person"]["needs_interpreter"] is False and package["case"]["care_arranged"] is True
    target = tmp_path / "input-back.json"
    ok("handover", "export", "b" * 8, "-o", str(target), env=aa)
    exported = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(exported, schema())
    assert exported["from_office"]["kind"] == "jobcenter_zkt"  # not "jobcenter_ge", and never the Agentur's own
    assert without_time(exported) == without_time(document)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["person"].__setitem__("family_name", "x" * 450), "person.family_name"),
        (lambda d: d.__setitem__("obstacles", [{"code": "R-KIN", "status": "offen"}] * 51), "obstacles"),
        (lambda d: d["person"].__setitem__("needs_interpreter", "False"), "person.needs_interpreter"),
        (lambda d: d["from_office"].__setitem__("kind", "agentur"), "from_office.kind"),
        (lambda d: d["case"].__setitem__("surprise", 1), "case.surprise"),
        (lambda d: d["person"].pop("kundennummer"), "person.kundennummer"),
    ],
)
def test_imports_accept_what_the_published_schema_refuses__now_refused_with_the_field(tmp_path, offices, mutate, field):
    _jc, aa = offices
    document = hand_made()
    mutate(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema())
    source = tmp_path / "input-bad.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    res = run_cli("handover", "import", str(source), env=aa)
    assert res.returncode == 1 and f"{field}:" in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert sqlite3.connect(tmp_path / "aa.db").execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ('"family_name": "Erst", "family_name": "Zweit"', "person.family_name", "doppelt"),
        ('"max_commute_km": 1' + "0" * 5000, "case.max_commute_km", "zu groß"),
        ('"max_commute_km": 1e999', "case.max_commute_km", "zu groß"),
        ('"max_commute_km": NaN', "case.max_commute_km", "zu groß"),
        ('"availability": ' + "[" * 100_000 + "]" * 100_000, "case.availability", "verschachtelt"),
    ],
)
def test_duplicate_keys_deep_nesting_and_huge_numbers_end_in_exit_70__now_named_exit_1(
    tmp_path, offices, text, field, message
):
    _jc, aa = offices
    body = json.dumps(hand_made(), ensure_ascii=False)
    if field.startswith("person"):
        body = body.replace('"family_name": "Öztürk"', text)
    else:
        body = (
            body.replace('"max_commute_km": 30', text)
            if "max_commute" in text
            else body.replace('"availability": null', text)
        )
    source = tmp_path / "input-strange.json"
    source.write_text(body, encoding="utf-8")
    res = run_cli("handover", "import", str(source), env=aa)
    assert res.returncode == 1, (res.returncode, res.stderr[:500])
    assert f"{field}" in res.stderr and message in res.stderr and "Traceback" not in res.stderr, res.stderr[:500]


def test_a_second_file_for_a_known_kundennummer_overwrote_the_person__now_it_needs_update_person(tmp_path, offices):
    _jc, aa = offices
    first = tmp_path / "input-a.json"
    first.write_text(json.dumps(hand_made()), encoding="utf-8")
    ok("handover", "import", str(first), env=aa)
    con = sqlite3.connect(tmp_path / "aa.db")
    con.execute("UPDATE fbw_case SET stage = 'closed'")  # the first case is over; a new referral comes
    con.commit()
    second = tmp_path / "input-b.json"
    changed = hand_made(
        **{
            "handover_id": "c" * 32,
            "case_id": "d" * 32,
            "person.family_name": "Yılmaz",
            "person.address": "Neue Straße 5",
        }
    )
    second.write_text(json.dumps(changed), encoding="utf-8")
    refused = run_cli("handover", "import", str(second), env=aa)
    assert refused.returncode == 1 and "Öztürk → Yılmaz" in refused.stderr and "--update-person" in refused.stderr
    assert con.execute("SELECT family_name, COUNT(*) FROM person").fetchone() == ("Öztürk", 1)
    ok("handover", "import", str(second), "--update-person", env=aa)
    assert con.execute("SELECT family_name, address FROM person").fetchall() == [("Yılmaz", "Neue Straße 5")]
    con.close()


def test_a_second_file_opened_yet_another_case__now_one_open_case_per_person_and_jobcenter(tmp_path, offices):
    _jc, aa = offices
    first = tmp_path / "input-a.json"
    first.write_text(json.dumps(hand_made()), encoding="utf-8")
    ok("handover", "import", str(first), env=aa)
    second = tmp_path / "input-b.json"
    second.write_text(json.dumps(hand_made(handover_id="c" * 32, case_id="d" * 32)), encoding="utf-8")
    refused = run_cli("handover", "import", str(second), env=aa)
    assert refused.returncode == 1 and "offen" in refused.stderr.lower()
    other_jc = hand_made(**{"handover_id": "e" * 32, "case_id": "f" * 32, "from_office.name": "Jobcenter Südland"})
    third = tmp_path / "input-c.json"
    third.write_text(json.dumps(other_jc), encoding="utf-8")
    ok("handover", "import", str(third), env=aa)  # another Jobcenter's referral of the same person is its own case
    count = (
        sqlite3.connect(tmp_path / "aa.db")
        .execute("SELECT COUNT(*) FROM fbw_case WHERE stage != 'closed'")
        .fetchone()[0]
    )
    assert count == 2


def test_an_export_into_a_missing_directory_was_an_internal_error__now_exit_3(tmp_path, offices):
    """README "Exit codes": an output folder that does not exist is "not found" (3), one clear line."""
    jc, _aa = offices
    case_id = handed_over(jc)
    res = run_cli("handover", "export", case_id[:8], "-o", str(tmp_path / "nope" / "x.json"), env=jc)
    assert res.returncode == 3 and "nope" in res.stderr and "Traceback" not in res.stderr
    lead = {**jc, "WBTUI_CONFIG": str(write_config(tmp_path, LEAD_CONFIG.format(lang="de"), "lead.toml"))}
    report = run_cli("report", "--format", "csv", "-o", str(tmp_path / "nope" / "r.csv"), env=lead)
    assert report.returncode == 3 and "nope" in report.stderr


def test_schema_problems_name_every_field():
    from wbtui.services.exchange import schema_problems

    document = hand_made()
    document["person"]["family_name"] = "x" * 201
    document["obstacles"] = [{"code": "bad", "status": "offen"}]
    document["extra"] = 1
    problems = dict(schema_problems(document))
    assert set(problems) == {"person.family_name", "obstacles[0].code", "extra"}
    assert "200" in problems["person.family_name"]
