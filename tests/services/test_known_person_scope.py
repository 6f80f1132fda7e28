"""A known person met again by ``case new`` or ``import-csv`` (issue #13 retest, defects 1 and 6): the
stored data is shown and changed only within the caseload or by break-glass, a change needs
``--update-person``, and every lookup is audited; one birth-date rule on every entry path."""

from __future__ import annotations

import json
import sqlite3

from common import JC_CONFIG, make_store, run_cli, write_config

A = 'team = "Team A"\n'
B = 'team = "Team B"\n'
NEW_A = ("case", "new", "-k", "151A000015", "-n", "Geheimname", "-g", "Gisela", "--birth-date", "02.03.1980",
         "--phone", "0151 111111")  # fmt: skip


def _env(tmp_path, login: str, team: str, role: str = "jc_ifk") -> dict:
    text = JC_CONFIG.format(lang="de").replace("ifk.ida", login).replace("jc_ifk", role) + team
    return {"WBTUI_CONFIG": str(write_config(tmp_path, text, f"{login}.toml"))}


def _ok(*args, env):
    res = run_cli(*args, env=env)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res


def _person(tmp_path) -> tuple:
    con = sqlite3.connect(tmp_path / "data" / "wbtui.db")
    try:
        return con.execute(
            "SELECT family_name, given_names, birth_date, phone FROM person WHERE kundennummer = '151A000015'"
        ).fetchone()
    finally:
        con.close()


def _audit(tmp_path, action: str) -> list[tuple]:
    con = sqlite3.connect(tmp_path / "data" / "wbtui.db")
    try:
        return con.execute("SELECT actor, detail FROM audit_log WHERE action = ?", (action,)).fetchall()
    finally:
        con.close()


def _closed_team_a_person(tmp_path) -> dict:
    make_store(tmp_path)
    a = _env(tmp_path, "ifk.a", A)
    _ok(*NEW_A, env=a)
    _ok("case", "close", "151A000015", "--reason", "umgezogen", "--tasks", "behalten", env=a)
    return _env(tmp_path, "ifk.b", B)


def test_another_team_read_the_stored_person_in_the_csv_dry_run__now_nothing_is_shown_out_of_scope(tmp_path):
    b = _closed_team_a_person(tmp_path)
    csv = tmp_path / "probe.csv"
    csv.write_text("Kundennummer;Nachname;Vorname;Geburtsdatum;Ziel-KldB\n151A000015;X;Y;01.01.1990;52122\n")
    for extra in ((), ("--json",), ("--update-person",), ("--update-person", "--json")):
        res = run_cli("import-csv", str(csv), "--dry-run", *extra, env=b)
        assert res.returncode == 0, res.stderr
        assert "Geheimname" not in res.stdout and "1980" not in res.stdout and "Gisela" not in res.stdout
        assert "außerhalb Ihres Fallbestands" in res.stdout
    res = run_cli("import-csv", str(csv), "--update-person", "--json", env=b)
    report = json.loads(res.stdout)
    assert (report["created"], report["skipped"]) == (0, 1)
    assert _person(tmp_path) == ("Geheimname", "Gisela", "1980-03-02", "0151 111111")  # untouched
    # every lookup is audited (codes only), before anything is said
    lookups = _audit(tmp_path, "lookup")
    assert len(lookups) >= 5 and all(actor == "ifk.b" and "break_glass" in detail for actor, detail in lookups)


def test_csv_update_of_a_person_out_of_scope_works_only_by_break_glass_with_a_reason(tmp_path):
    b = _closed_team_a_person(tmp_path)
    csv = tmp_path / "probe.csv"
    csv.write_text("Kundennummer;Nachname;Vorname\n151A000015;Neuname;Gisela\n")
    reason = ("--reason", "Umzug in unseren Bezirk, Akte übernommen")
    dry = json.loads(run_cli("import-csv", str(csv), "--dry-run", "--json", *reason, env=b).stdout)
    assert "Geheimname → Neuname" in dry["rows"][0]["messages"][0]  # opened by break-glass: the diff shows
    assert [a for a, _d in _audit(tmp_path, "break_glass")] == ["ifk.b"]
    taken = json.loads(run_cli("import-csv", str(csv), "--update-person", "--json", *reason, env=b).stdout)
    assert taken["created"] == 1
    assert _person(tmp_path)[0] == "Neuname"


def test_case_new_silently_overwrote_another_teams_person__now_it_needs_a_reason_and_update_person(tmp_path):
    b = _closed_team_a_person(tmp_path)
    probe = ("case", "new", "-k", "151A000015", "-n", "Probe", "-g", "Paul",
             "--birth-date", "01.01.1990", "--phone", "0170 999999")  # fmt: skip
    for extra in ((), ("--update-person",)):
        res = run_cli(*probe, *extra, env=b)
        assert res.returncode == 5, res.stderr  # refused by the access policy
        assert "außerhalb Ihres Fallbestands" in res.stderr and "--reason" in res.stderr
        assert "Geheimname" not in res.stderr + res.stdout
    assert _person(tmp_path) == ("Geheimname", "Gisela", "1980-03-02", "0151 111111")
    reason = ("--reason", "Umzug in unseren Bezirk, Akte übernommen")
    differs = run_cli(*probe, *reason, env=b)
    assert differs.returncode == 1 and "--update-person" in differs.stderr and "Geheimname → Probe" in differs.stderr
    assert _person(tmp_path)[0] == "Geheimname"
    _ok(*probe, *reason, "--update-person", env=b)
    assert _person(tmp_path) == ("Probe", "Paul", "1990-01-01", "0170 999999")
    assert [d for _a, d in _audit(tmp_path, "denied") if "person_out_of_scope" in (d or "")]


def test_case_new_on_an_own_known_person_needs_update_person_to_change_the_stored_data(tmp_path):
    make_store(tmp_path)
    a = _env(tmp_path, "ifk.a", A)
    _ok(*NEW_A, env=a)
    _ok("case", "close", "151A000015", "--reason", "umgezogen", "--tasks", "behalten", env=a)
    same = run_cli(*NEW_A, env=a)  # the same data: a new case, nothing to confirm
    assert same.returncode == 0, same.stderr
    _ok("case", "close", "151A000015", "--reason", "umgezogen", "--tasks", "behalten", env=a)
    changed = list(NEW_A)
    changed[changed.index("0151 111111")] = "0151 222222"
    res = run_cli(*changed, env=a)
    assert res.returncode == 1 and "0151 111111 → 0151 222222" in res.stderr
    _ok(*changed, "--update-person", env=a)
    assert _person(tmp_path)[3] == "0151 222222"


def test_the_open_case_existence_check_is_audited(tmp_path):
    make_store(tmp_path)
    _ok(*NEW_A, env=_env(tmp_path, "ifk.a", A))
    res = run_cli(*NEW_A, env=_env(tmp_path, "ifk.b", B))
    assert res.returncode == 1 and "offenen Fall" in res.stderr
    assert ("ifk.b", "kundennummer; break_glass") in _audit(tmp_path, "lookup")


def test_import_csv_accepted_a_future_birth_date__now_the_one_field_rule_refuses_it(tmp_path):
    make_store(tmp_path)
    env = _env(tmp_path, "ifk.a", A)
    csv = tmp_path / "future.csv"
    csv.write_text("Kundennummer;Nachname;Vorname;Geburtsdatum\n171A000017;Zukunft;Zora;01.02.2030\n")
    res = run_cli("import-csv", str(csv), "--json", env=env)
    assert res.returncode == 1
    row = json.loads(res.stdout)["rows"][0]
    assert row["status"] == "error" and "Geburtsdatum 01.02.2030 ist nicht möglich" in row["messages"][0]
    assert json.loads(run_cli("case", "list", "--json", env=env).stdout)["total"] == 0
    # the same rule in the services for every caller (case new/edit, the TUI's form, imports)
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.fields import parse_field

    try:
        parse_field("birth_date", "2030-02-01")
    except WbtuiError as exc:
        assert exc.key == "ux.err.birth_date"
    else:
        raise AssertionError("a future birth date was accepted")
