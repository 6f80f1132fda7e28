"""The CLI as a user meets it (in process, see common.run_cli): stdout/stderr, exit codes, JSON shapes."""

from __future__ import annotations

import json

import pytest

from common import JC_CONFIG, LEAD_CONFIG, config_env, make_store, one_error_line, run_cli, write_config
from common import cli_new_case as new_case
from common import cli_ok as ok


def refused(*args, env=None, code=1) -> str:
    return one_error_line(run_cli(*args, env=env), code)


def test_full_process_through_cli(jc_env, aa_env):
    ref = new_case(jc_env, birth_date="12.04.1985")  # German dates are typed as such
    ok("case", "move", ref, "obstacles_in_clarification", env=jc_env)
    ok("obstacle", "add", ref, "R-KIN", env=jc_env)
    assert "R-KIN" in refused("case", "move", ref, "ready_for_handover", env=jc_env)
    res = run_cli("handover", "check", ref, "--json", env=jc_env)
    assert res.returncode == 1 and json.loads(res.stdout)["ready"] is False
    ok("obstacle", "set", ref, "R-KIN", "--status", "geloest", env=jc_env)
    ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", "--group", "hemmnisse", env=jc_env)
    ok("case", "move", ref, "ready_for_handover", env=jc_env)
    ok("handover", "send", ref, env=jc_env)
    assert "Agentur" in refused("handover", "ack", ref, env=jc_env, code=5)  # the other office acts: README exit 5
    ok("handover", "ack", ref, "--appointment", "2020-01-02 09:00", env=aa_env)
    ok("case", "move", ref, "counselled", "--outcome", "foerderfaehig", env=aa_env)
    assert "3 Monate" in refused("case", "move", ref, "voucher_issued", "--valid-until", "2099-01-01", env=aa_env)
    import datetime

    valid = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    start = datetime.date.today().isoformat()
    ok("case", "move", ref, "voucher_issued", "--valid-until", valid, env=aa_env)
    ok("case", "move", ref, "enrolment_approved", "--start", start, env=aa_env)
    ok("case", "move", ref, "in_training", env=aa_env)
    ok("case", "move", ref, "completed", env=jc_env)
    ok("case", "move", ref, "integrated", env=jc_env)
    ok("case", "close", ref, "--reason", "integrated", env=jc_env)
    detail = json.loads(ok("case", "show", ref, "--json", env=jc_env))
    assert detail["stage"] == "closed" and detail["case"]["close_reason"] == "integrated"
    assert [e["to_stage"] for e in detail["timeline"] if e["type"] == "stage_changed"][-1] == "closed"


def test_list_json_shape_and_filters(jc_env):
    ok("demo", "--cases", "120", "--seed", "2", "-q", env=jc_env)
    data = json.loads(ok("case", "list", "--limit", "5", "--json", env=jc_env))
    assert set(data) == {"total", "offset", "count", "cases"} and data["count"] == 5 and data["total"] > 5
    assert set(data["cases"][0]) == {
        "id",
        "ref",
        "family_name",
        "given_names",
        "kundennummer",
        "bg_nummer",
        "stage",
        "stage_code",
        "owner",
        "days_in_stage",
        "next_due",
        "timer",
    }
    one = data["cases"][0]
    found = json.loads(ok("case", "list", "--search", one["kundennummer"], "--json", env=jc_env))
    assert [c["id"] for c in found["cases"]] == [one["id"]]
    staged = json.loads(ok("case", "list", "--stage", "in_training", "--limit", "500", "--json", env=jc_env))
    assert staged["cases"] and all(c["stage"] == "in_training" for c in staged["cases"])
    agentur = json.loads(ok("case", "list", "--owner", "agentur", "--limit", "500", "--json", env=jc_env))
    assert all(c["owner"] in ("agentur", "both") for c in agentur["cases"])
    over = json.loads(ok("case", "list", "--overdue", "--limit", "500", "--json", env=jc_env))
    assert all(c["timer"] in ("overdue", "warning") for c in over["cases"])
    items = json.loads(ok("overdue", "--json", env=jc_env))
    assert items["count"] == len(items["items"]) and {"ref", "rule", "kind", "stage"} <= set(items["items"][0])
    tasks = json.loads(ok("task", "list", "--json", env=jc_env))
    assert tasks["count"] > 0 and {"ref", "case_ref", "due_on", "overdue"} <= set(tasks["tasks"][0])
    text = ok("case", "list", "--limit", "3", env=jc_env)
    assert "3 von" in text


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        (("case", "show", "ffffffff"), 3, "Fall nicht gefunden"),
        (("case", "move", "123A456789", "voucher_issued"), 1, "nicht vorgesehen"),
        (("case", "move", "123A456789", "flying"), 1, "Unbekannte Stufe"),
        (("case", "edit", "123A456789", "--set", "birth_date=31.02.1990"), 1, "Ungültiges Datum"),
        (("obstacle", "add", "123A456789", "Q-XXX"), 1, "Unbekannter Hemmnis-Code"),
        (("case", "edit", "123A456789", "--set", "target_kldb=1234"), 1, "KldB"),
        (("case", "close", "123A456789"), 1, "Abschlussgrund fehlt"),
        (("task", "done", "zzzz"), 3, "Wiedervorlage nicht gefunden"),
        (("case", "list", "--owner", "nobody"), 1, "Ungültiger Wert"),
    ],
)
def test_bad_input_gives_one_clear_line(jc_env, args, code, fragment):
    ok("case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", env=jc_env)
    before = ok("case", "show", "123A456789", "--json", env=jc_env)
    line = refused(*args, env=jc_env, code=code)
    assert fragment in line
    assert ok("case", "show", "123A456789", "--json", env=jc_env) == before  # nothing half-written


def test_english_messages(tmp_path):
    env = config_env(tmp_path, JC_CONFIG, "en.toml", lang="en")
    assert "No store at" in refused("case", "show", "abcdef12", env=env, code=4)  # never created by reading
    make_store(tmp_path)
    assert "Case not found" in refused("case", "show", "abcdef12", env=env, code=3)


def test_bad_config_is_refused_with_line(tmp_path):
    path = write_config(tmp_path, "[timers]\nstalled_days = -3\n", "bad.toml")
    line = refused("case", "list", env={"WBTUI_CONFIG": str(path)}, code=4)
    assert str(path) in line and "Zeile 2" in line and "timers.stalled_days" in line


def test_locate(jc_env, tmp_path):
    data = json.loads(ok("locate", "--json", env=jc_env))
    assert data["config"] == jc_env["WBTUI_CONFIG"] and data["db"].startswith(str(tmp_path))


def test_demo_refuses_non_empty_store(jc_env):
    ok("demo", "--cases", "5", "-q", env=jc_env)
    assert "leeren Bestand" in refused("demo", "--cases", "5", env=jc_env)
    assert "schon Fälle" in ok("demo", "--cases", "5", "--if-empty", env=jc_env)
    ok("demo", "--cases", "5", "--force", "-q", env=jc_env)
    assert json.loads(ok("case", "list", "--all", "--json", env=jc_env))["total"] == 10


def test_T1_markup_in_names_printed_literally(jc_env):
    ok("case", "new", "-k", "123A456789", "-n", "[@click=app.quit]x[/]", "-g", "[red]B", env=jc_env)
    out = ok("case", "list", env=jc_env)
    assert "[@click=app.quit]x[/], [red]B" in out


DOMAIN_TABLES = (
    "person",
    "fbw_case",
    "obstacle",
    "consent",
    "handover",
    "case_event",
    "task",
    "appointment",
    "voucher",
    "conference",
    "conference_participant",
)


def test_audit_completeness_and_file_modes_over_an_end_to_end_run(tmp_path, jc_env, aa_env):
    """Every case write and read of an end-to-end run has exactly one audit entry;
    no file the run created is readable by group or others."""
    import os
    import sqlite3
    import stat

    ref = new_case(jc_env, birth_date="12.04.1985")
    ok("case", "move", ref, "obstacles_in_clarification", env=jc_env)
    ok("obstacle", "add", ref, "R-KIN", "--status", "in_bearbeitung", env=jc_env)
    ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", "--group", "hemmnisse", env=jc_env)
    ok("case", "move", ref, "ready_for_handover", env=jc_env)
    ok("handover", "send", ref, env=jc_env)
    ok("handover", "ack", ref, "--appointment", "2020-01-02 09:00", env=aa_env)
    ok(
        "conference",
        "add",
        ref,
        "--variant",
        "fallbesprechung",
        "--participant",
        "Ida Ifk:jc_ifk:Jobcenter",
        "--decision",
        "continue_as_planned:ifk.ida:2027-01-15",
        env=jc_env,
    )
    ok("task", "add", ref, "--title", "Unterlagen anfordern", "--due", "2027-01-10", env=jc_env)
    shows = 3
    for _ in range(shows):
        ok("case", "show", ref, "--json", env=jc_env)
    ok("case", "list", "--search", "Beisp", env=jc_env)
    ok("overdue", env=jc_env)
    ok("handover", "print", ref, "--format", "pdf", "-o", str(tmp_path / "bogen.pdf"), env=jc_env)
    ok("handover", "export", ref, "-o", str(tmp_path / "uebergabe.json"), env=jc_env)
    ok(
        "report",
        "--format",
        "csv",
        "-o",
        str(tmp_path / "steuerung.csv"),
        env=config_env(tmp_path, LEAD_CONFIG, "lead.toml"),
    )

    con = sqlite3.connect(tmp_path / "data" / "wbtui.db")
    audited = {(o, a) for o, a in con.execute("SELECT object_id, action FROM audit_log")}
    rows = covered = 0
    for table in DOMAIN_TABLES:
        for (row_id,) in con.execute(f"SELECT id FROM {table}"):
            rows += 1
            covered += (row_id, "create") in audited
    assert rows > 20 and covered == rows, f"audit completeness {covered}/{rows}"
    reads = con.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND object_type = 'fbw_case'").fetchone()[
        0
    ]
    assert reads == shows  # exactly one entry per read
    actions = dict(
        con.execute(
            "SELECT action, COUNT(*) FROM audit_log WHERE action IN ('print', 'export', 'search', 'list', 'report')"
            " GROUP BY action"
        ).fetchall()
    )
    assert actions == {"print": 1, "export": 1, "search": 1, "list": 1, "report": 1}
    assert (
        con.execute("SELECT COUNT(*) FROM audit_log WHERE actor = 'aa.anton' AND action = 'update'").fetchone()[0] > 0
    )
    con.close()

    loose = []
    for root, dirs, files in os.walk(tmp_path / "data"):
        for name in dirs + files:
            mode = stat.S_IMODE(os.lstat(os.path.join(root, name)).st_mode)
            if mode & 0o077:
                loose.append((os.path.join(root, name), oct(mode)))
    for name in ("bogen.pdf", "uebergabe.json", "steuerung.csv"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        if mode & 0o077:
            loose.append((name, oct(mode)))
    assert loose == []
