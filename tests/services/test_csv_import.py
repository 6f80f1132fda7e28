"""CSV import of key fields from the primary system: dry run, per-row error report, no double entry."""

from __future__ import annotations

import json

from common import JC_CONFIG, run_cli, write_config

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


def test_unknown_columns_are_named(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    path = tmp_path / "x.csv"
    path.write_text("Kundennummer,Nachname,Vorname,Schuhgröße\n123A000001,A,B,42\n", encoding="utf-8")
    res = run_cli("import-csv", str(path), env=env)
    assert res.returncode == 1 and "Schuhgröße" in res.stderr and "Traceback" not in res.stderr
