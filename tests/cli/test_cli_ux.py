"""The command line's conventions (issue 14, point 11) and its human output in German (point 4): in process
through ``common.run_cli``, except what only a real process or a real terminal shows."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from common import JC_CONFIG, LEAD_CONFIG, config_env, make_store, run_cli
from common import cli_new_case as new_case
from common import cli_ok as ok
from common import one_error_line as one_line

# -- --version, -h, completion ----------------------------------------------------------------------


def test_version_and_short_help():
    from importlib.metadata import version

    assert ok("--version").strip() == f"wbtui {version('wbtui')}"
    for args in (("-h",), ("case", "-h"), ("case", "move", "-h")):
        out = ok(*args)
        assert "Aufruf:" in out and "Zeigt diese Hilfe und endet." in out, out
        for english in ("Usage:", "Show this message", "<str>", "<bool>", "[OPTIONS]"):
            assert english not in out, (args, english)
    move = ok("case", "move", "-h")
    assert "FALL STUFE" in move and "DATUM" in move and "[Pflicht]" in move


def test_usage_errors_are_one_german_line_with_exit_2(jc_env):
    line = one_line(run_cli("case", "new", "-n", "X", env=jc_env), 2)
    assert line.startswith("Pflichtoption fehlt: --kundennummer") and "Hilfe: wbtui case new -h" in line
    assert "Unbekannte Option: --frob" in one_line(run_cli("case", "list", "--frob", env=jc_env), 2)
    assert "Unbekannter Befehl: frob" in one_line(run_cli("frob", env=jc_env), 2)
    assert "ganze Zahl" in one_line(run_cli("case", "list", "--limit", "viele", env=jc_env), 2)
    assert "Angabe fehlt: FALL" in one_line(run_cli("case", "show", env=jc_env), 2)


def test_install_completion_in_a_real_shell(tmp_path):
    """``wbtui --install-completion`` as a user runs it from bash: detects the shell, installs, says where."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash", "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    res = subprocess.run(
        ["bash", "--norc", "-c", "wbtui --install-completion; exit $?"],  # bash stays the parent (no exec)
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "Tab-Vervollständigung für bash eingerichtet" in res.stdout
    assert "wbtui" in (tmp_path / ".bashrc").read_text(encoding="utf-8")
    # started by something else than a shell (a wrapper, a scheduler): the login shell ($SHELL) is taken
    direct = subprocess.run(
        [str(bin_dir / "wbtui"), "--install-completion"], env=env, capture_output=True, text=True, timeout=120
    )
    assert direct.returncode == 0 and "bash" in direct.stdout, direct.stderr


# -- exit codes ---------------------------------------------------------------------------------------


def test_missing_files_and_folders_exit_3_a_folder_for_a_file_exits_1(tmp_path, jc_env):
    make_store(tmp_path)  # the store exists: what is missing is the file or the folder
    assert "verbis.csv gibt es nicht" in one_line(run_cli("import-csv", str(tmp_path / "verbis.csv"), env=jc_env), 3)
    missing = one_line(run_cli("handover", "import", str(tmp_path / "uebergabe.json"), env=jc_env), 3)
    assert "uebergabe.json" in missing
    lead = config_env(tmp_path, LEAD_CONFIG, "lead.toml")
    folder = one_line(run_cli("report", "--format", "csv", "-o", str(tmp_path / "nirgends" / "x.csv"), env=lead), 3)
    assert f"Ordner {tmp_path / 'nirgends'} gibt es nicht" in folder
    assert "ist ein Ordner" in one_line(run_cli("import-csv", str(tmp_path), env=jc_env), 1)


def test_a_step_of_the_other_office_exits_5(jc_env, aa_env):
    ref = new_case(jc_env, legal_basis="sgb_x_69")
    ok("case", "edit", ref, "--set", "legal_basis=sgb_x_69", env=jc_env)
    ok("case", "move", ref, "S3", env=jc_env)
    ok("handover", "send", ref, env=jc_env)
    assert "Agentur" in one_line(run_cli("handover", "ack", ref, env=jc_env), 5)
    assert "Jobcenter" in one_line(run_cli("case", "close", ref, "--reason", "moved", env=aa_env), 5)


def test_a_birth_date_in_the_future_is_refused(jc_env):
    res = run_cli("case", "new", "-k", "123A456789", "-n", "X", "-g", "Y", "--birth-date", "01.01.2030", env=jc_env)
    assert "Geburtsdatum 01.01.2030 ist nicht möglich" in one_line(res, 1)


def test_appointment_names_the_format_of_a_date_and_time(jc_env, aa_env):
    ref = new_case(jc_env)
    line = one_line(run_cli("case", "appointment", ref, "morgen früh", env=aa_env), 1)
    assert "TT.MM.JJJJ HH:MM" in line and "Beratungstermin" in line


def test_a_refused_send_names_what_is_missing(jc_env):
    ref = new_case(jc_env)
    ok("case", "move", ref, "S2", env=jc_env)
    ok("obstacle", "add", ref, "R-KIN", env=jc_env)
    line = one_line(run_cli("handover", "send", ref, env=jc_env), 1)
    assert "Offene Hemmnisse: Kinderbetreuung nicht gesichert (R-KIN)" in line and "Einwilligung" in line


# -- labels, stage codes, dates ------------------------------------------------------------------------


def test_german_labels_and_stage_codes_are_accepted_and_shown(jc_env):
    ref = new_case(
        jc_env, training_type="Umschulung", schedule="Vollzeit", necessity_reason="fehlender Berufsabschluss"
    )
    ok("case", "move", ref, "S2", env=jc_env)
    ok("obstacle", "add", ref, "R-KIN", env=jc_env)
    assert "gelöst" in ok("obstacle", "set", ref, "R-KIN", "--status", "gelöst", env=jc_env)
    listed = ok("case", "list", "--stage", "S2", env=jc_env)
    assert "S2 Hemmnisse in Klärung" in listed and "1 von 1 Fällen" in listed
    assert ok("case", "list", "--stage", "Hemmnisse in Klärung", env=jc_env) == listed
    shown = ok("case", "show", ref, env=jc_env)
    for german in ("Umschulung", "Vollzeit", "fehlender Berufsabschluss", "gelöst", "12.04.1985"):
        assert german in shown, german
    for code in ("umschulung", "missing_qualification", "geloest", "1985-04-12", "stage_changed", "need_identified"):
        assert code not in shown, code
    assert "Weiterbildungsbedarf erkannt → Hemmnisse in Klärung" in shown
    detail = json.loads(ok("case", "show", ref, "--json", env=jc_env))
    assert detail["case"]["training_type"] == "umschulung" and detail["obstacles"][0]["status"] == "geloest"


def test_close_takes_the_german_reason_and_settles_the_open_follow_ups(jc_env):
    ref = new_case(jc_env)
    ok("task", "add", ref, "--title", "Nachfassen", "--due", "01.12.2026", env=jc_env)
    out = ok("case", "close", ref, "--reason", "umgezogen", env=jc_env)  # not a terminal: kept, and said so
    assert "abgeschlossen (verzogen)" in out and "1 Wiedervorlage des Falls bleibt offen" in out
    ref2 = new_case(jc_env, kundennummer="123A456780")
    ok("task", "add", ref2, "--title", "Nachfassen 2", "--due", "01.12.2026", env=jc_env)
    out = ok("case", "close", ref2, "--reason", "kein Bedarf mehr", "--tasks", "erledigen", env=jc_env)
    assert "1 offene Wiedervorlage als erledigt markiert" in out
    tasks = ok("task", "list", env=jc_env)
    assert "Nachfassen" in tasks and "Nachfassen 2" not in tasks


def test_history_says_how_much_it_left_out(jc_env):
    ref = new_case(jc_env)
    for _ in range(4):
        ok("case", "contact", ref, env=jc_env)
    shown = ok("case", "show", ref, "--history", "2", env=jc_env)
    assert "frühere Einträge (--history 0 zeigt alle)" in shown


def test_participants_take_colons_or_semicolons_and_decisions_their_labels(jc_env):
    ref = new_case(jc_env)
    ok(
        "conference",
        "add",
        ref,
        "--variant",
        "fallbesprechung",
        "--participant",
        "Ida Ifk;Integrationsfachkraft;Jobcenter",
        "--decision",
        "Weiter wie geplant:ifk.ida:15.01.2027",
        env=jc_env,
    )
    tasks = ok("task", "list", env=jc_env)
    assert "Weiter wie geplant" in tasks and "15.01.2027" in tasks


def test_a_blank_stage_channel_variant_or_decision_is_refused_with_the_choices(jc_env):
    """A required choice typed as "" is refused like an unknown one (found by mypy: it was passed on as None,
    which crashed ``case move``, listed no cases for ``case list --stage ""`` and showed „None“ elsewhere)."""
    ref = new_case(jc_env)
    for args in (("case", "move", ref, ""), ("case", "move", ref, " "), ("case", "list", "--stage", "")):
        line = one_line(run_cli(*args, env=jc_env), 1)
        assert line.startswith("Unbekannte Stufe „") and "S9 (in_training)" in line, args
    line = one_line(run_cli("handover", "send", ref, "--channel", "", env=jc_env), 1)
    assert line.startswith("Ungültiger Wert für --channel: „“") and "Post (post)" in line
    conference = ("conference", "add", ref, "--participant", "Ida Ifk;Integrationsfachkraft;Jobcenter")
    line = one_line(
        run_cli(*conference, "--variant", "", "--decision", "Weiter wie geplant:ifk.ida:15.01.2027", env=jc_env), 1
    )
    assert line.startswith("Ungültiger Wert für --variant: „“") and "(fallbesprechung)" in line
    line = one_line(
        run_cli(*conference, "--variant", "fallbesprechung", "--decision", ":ifk.ida:15.01.2027", env=jc_env), 1
    )
    assert line.startswith("Ungültiger Wert für --decision: „“") and "(continue_as_planned)" in line
    assert "S1 Weiterbildungsbedarf erkannt" in ok("case", "list", env=jc_env)  # nothing moved
    assert "Keine Wiedervorlagen." in ok("task", "list", env=jc_env)  # no conference recorded


# -- output fitted to the terminal ---------------------------------------------------------------------


def test_list_rows_fit_an_80_column_terminal_and_pipes_get_everything(tmp_path, jc_env):
    env = {**os.environ, **jc_env, "COLUMNS": "80", "LINES": "24"}
    ok("demo", "--cases", "40", env=jc_env)
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "wbtui", "case", "list", "--limit", "40"],
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.returncode == 0, proc.stderr
    lines = b"".join(chunks).decode("utf-8").splitlines()
    assert len(lines) > 20 and max(len(line) for line in lines) <= 80, max(lines, key=len)
    piped = ok("case", "list", "--limit", "40", env=jc_env)  # not a terminal: whole cells for scripts
    assert "…" not in piped
    assert "nächste WV" in piped and max(len(line) for line in piped.splitlines()) > 80


def test_english_usage_when_configured(tmp_path):
    env = config_env(tmp_path, JC_CONFIG, "en.toml", lang="en")
    out = ok("case", "move", "-h", env=env)
    assert "Usage:" in out and "CASE STAGE" in out and "Show this help and exit." in out
    assert "Missing option: --kundennummer" in one_line(run_cli("case", "new", env=env), 2)


def test_a_vt100_terminal_gets_plain_ascii_symbols(jc_env, monkeypatch):
    from wbtui.widgets import glyphs

    ref = new_case(jc_env, legal_basis="sgb_x_69")
    ok("case", "edit", ref, "--set", "legal_basis=sgb_x_69", env=jc_env)
    ok("case", "move", ref, "S2", env=jc_env)
    monkeypatch.setenv("TERM", "vt100")
    glyphs.ascii_only.cache_clear()
    try:
        assert ok("handover", "check", ref, env={**jc_env, "TERM": "vt100"}).strip() == "+"
        shown = ok("case", "show", ref, env={**jc_env, "TERM": "vt100"})
        assert "->" in shown and "→" not in shown
    finally:
        monkeypatch.delenv("TERM")
        glyphs.ascii_only.cache_clear()
    assert ok("handover", "check", ref, env=jc_env).strip() == "✓"
