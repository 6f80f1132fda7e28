"""CSV import of key fields from the primary system: dry run, per-row error report, no double entry."""

from __future__ import annotations

import json

from common import JC_CONFIG, make_store, run_cli, write_config

CSV = (
    "Kundennummer;BG-Nummer;Nachname;Vorname;Geburtsdatum;Ziel-KldB\n"
    "123A000001;12345BG1234567;Öztürk;Ayşe;01.02.1980;52122\n"
    "123A000002;;Müller;Max;1975-12-24;\n"
    "12;;Kaputt;Karl;31.02.1990;999\n"
    "123A000001;;Doppelt;Dora;;\n"
    "\n"
    '123A000003;;=HYPERLINK("x");Eve;;82102\n'
)


def test_dry_run_then_import_with_row_report(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    path = tmp_path / "verbis.csv"
    path.write_bytes(("\ufeff" + CSV).encode("utf-8"))
    missing = run_cli("import-csv", str(path), "--dry-run", env=env)
    assert missing.returncode == 4 and "Kein Datenbestand" in missing.stderr  # a dry run creates no store
    make_store(tmp_path)
    dry = run_cli("import-csv", str(path), "--dry-run", "--json", env=env)
    assert dry.returncode == 1  # a faulty row makes the run fail for scripts
    report = json.loads(dry.stdout)
    assert (report["valid"], report["error"], report["skipped"], report["created"]) == (3, 1, 1, 0)
    bad = next(r for r in report["rows"] if r["status"] == "error")
    assert (
        bad["line"] == 4
        and any("Kundennummer" in m for m in bad["messages"])
        and any("Datum" in m for m in bad["messages"])
    )
    assert json.loads(run_cli("case", "list", "--json", env=env).stdout)["total"] == 0
    real = run_cli("import-csv", str(path), env=env)
    assert "3 angelegt" in real.stdout and "Zeile 4" in real.stdout and "Zeile 5" in real.stdout
    cases = json.loads(run_cli("case", "list", "--json", env=env).stdout)["cases"]
    assert sorted(c["family_name"] for c in cases) == ['=HYPERLINK("x")', "Müller", "Öztürk"]
    again = json.loads(run_cli("import-csv", str(path), "--json", env=env).stdout)
    assert again["created"] == 0 and again["skipped"] == 4  # no double entry


def test_csv_with_extra_columns_is_refused_whole__now_they_are_ignored_and_named(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    path = tmp_path / "x.csv"
    path.write_text(
        "Anrede;Kundennummer;Nachname;Vorname;PLZ;Schuhgröße\nFrau;123A000001;A;B;12345;42\n", encoding="utf-8"
    )
    res = run_cli("import-csv", str(path), env=env)
    assert res.returncode == 0, res.stderr
    assert "Anrede, PLZ, Schuhgröße" in res.stdout and "1 angelegt" in res.stdout
    as_json = json.loads(run_cli("import-csv", str(path), "--dry-run", "--json", env=env).stdout)
    assert as_json["ignored_columns"] == ["Anrede", "PLZ", "Schuhgröße"]


def test_csv_missing_file_is_a_clear_error_not_exit_70(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    make_store(tmp_path)
    res = run_cli("import-csv", str(tmp_path / "nope.csv"), "--dry-run", env=env)
    # README "Exit codes": an input file that does not exist is "not found" (3)
    assert res.returncode == 3 and "nope.csv" in res.stderr and "Traceback" not in res.stderr


def test_import_csv_json_echoes_control_and_bidi_characters__now_cleaned(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    make_store(tmp_path)
    path = tmp_path / "evil.csv"
    path.write_text("Kundennummer;Nachname;Vorname\n12\x9b31m\u202eX;Böse\x1b]0;t\x07;Eve\n", encoding="utf-8")
    res = run_cli("import-csv", str(path), "--dry-run", "--json", env=env)
    for bad in ("\x9b", "\u202e", "\x1b", "\x07", "\\u202e", "\\u001b", "\\u009b"):
        assert bad not in res.stdout, repr(bad)
    row = json.loads(res.stdout)["rows"][0]
    assert row["status"] == "error" and row["kundennummer"].startswith("12")


def test_a_second_csv_row_for_a_known_person_needs_update_person(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    path = tmp_path / "a.csv"
    path.write_text("Kundennummer;Nachname;Vorname\n123A000001;Alt;Anna\n", encoding="utf-8")
    assert run_cli("import-csv", str(path), env=env).returncode == 0
    ref = json.loads(run_cli("case", "list", "--json", env=env).stdout)["cases"][0]["ref"]
    assert run_cli("case", "close", ref, "--reason", "moved", env=env).returncode == 0
    path.write_text("Kundennummer;Nachname;Vorname\n123A000001;Neu;Anna\n", encoding="utf-8")
    skipped = json.loads(run_cli("import-csv", str(path), "--json", env=env).stdout)
    assert skipped["skipped"] == 1 and "Alt → Neu" in skipped["rows"][0]["messages"][0]
    taken = json.loads(run_cli("import-csv", str(path), "--update-person", "--json", env=env).stdout)
    assert taken["created"] == 1
    names = {c["family_name"] for c in json.loads(run_cli("case", "list", "--all", "--json", env=env).stdout)["cases"]}
    assert names == {"Neu"}
