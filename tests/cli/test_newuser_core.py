"""Findings of an independent new-user tester (issues 13–15), checked as that user did: with the README's
commands on the command line, in process (tests/common.py: run_cli)."""

from __future__ import annotations

import json

from common import JC_CONFIG, cli_handed_over, cli_ok, config_env, one_error_line, run_cli

# the office's colleagues a case may be handed to (README "Vertretung"): [office] colleagues
JC_COLLEAGUES = JC_CONFIG.replace("partner_agentur", 'colleagues = ["ifk.schulz"]\npartner_agentur')


def _handed_over_in_shared_store(jc: dict, aa: dict) -> str:
    """The README's trial setup: the Jobcenter and the Agentur on one store; a case handed over and
    acknowledged, the Jobcenter's follow-up on it and the case held by a caseworker of its team."""
    ref = json.loads(
        cli_ok(
            "case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", "--birth-date", "12.04.1985",
            "--phone", "0151 1234567", "--target-kldb", "52122", "--training-type", "Umschulung",
            "--schedule", "Vollzeit", "--necessity", "fehlender Berufsabschluss", "--json", env=jc,
        )
    )["ref"]  # fmt: skip
    cli_ok("case", "move", ref, "S2", env=jc)
    cli_ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", "--group", "hemmnisse", env=jc)
    cli_ok("case", "move", ref, "S3", env=jc)
    cli_ok("task", "add", ref, "--title", "Intern: Rückruf Teamleitung", "--due", "01.12.2026", env=jc)
    cli_ok("team", "assign", ref, "--to", "ifk.schulz", env=jc)
    cli_ok("handover", "send", ref, env=jc)
    cli_ok("handover", "ack", ref, env=aa)
    return ref


def test_h2_agentur_never_sees_jobcenter_followups_or_who_holds_the_case(jc_store_env, aa_env, tmp_path):
    jc, aa = config_env(tmp_path, JC_COLLEAGUES, "jc-team.toml"), aa_env
    ref = _handed_over_in_shared_store(jc, aa)
    cli_ok("task", "add", ref, "--title", "Beratung vorbereiten", "--due", "02.12.2026", env=aa)

    tasks = cli_ok("task", "list", env=aa)
    assert "Beratung vorbereiten" in tasks and "Rückruf Teamleitung" not in tasks and "ifk." not in tasks
    listed = json.loads(cli_ok("task", "list", "--json", env=aa))["tasks"]
    assert [t["title"] for t in listed] == ["Beratung vorbereiten"]

    shown = cli_ok("case", "show", ref, env=aa)
    assert "Bearbeitung" not in shown and "ifk.schulz" not in shown and "Rückruf Teamleitung" not in shown
    detail = json.loads(cli_ok("case", "show", ref, "--json", env=aa))
    assert detail["case"]["owner_login"] is None and detail["case"]["owner_team"] is None
    assert [t["title"] for t in detail["tasks"]] == ["Beratung vorbereiten"]
    assert not {"task_reassigned", "case_reassigned"} & {e["type"] for e in detail["timeline"]}
    assert "Rückruf Teamleitung" not in json.dumps(detail["timeline"], ensure_ascii=False)

    # the board's "WV am" column reads the same list query: the Agentur's own follow-up only
    cases = json.loads(cli_ok("case", "list", "--json", env=aa))["cases"]
    assert [c["next_due"] for c in cases] == ["2026-12-02"]

    # the Jobcenter still sees everything of its case
    mine = json.loads(cli_ok("case", "show", ref, "--json", env=jc))
    assert mine["case"]["owner_login"] == "ifk.schulz"
    assert {t["title"] for t in mine["tasks"]} == {"Intern: Rückruf Teamleitung", "Beratung vorbereiten"}
    assert json.loads(cli_ok("case", "list", "--json", env=jc))["cases"][0]["next_due"] == "2026-12-01"


def test_m2_vertretung_refuses_an_unknown_login_and_the_protocol_keeps_the_responsible_by_name(jc_store_env, tmp_path):
    jc = config_env(tmp_path, JC_COLLEAGUES, "jc-team.toml")
    ref = json.loads(
        cli_ok(
            "case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", "--target-kldb", "52122",
            "--json", env=jc,
        )
    )["ref"]  # fmt: skip
    cli_ok(
        "conference", "add", ref, "--variant", "fallbesprechung",
        "--participant", "Ida Ifk:Integrationsfachkraft:Jobcenter",
        "--decision", "Weiter wie geplant:ifk.ida:15.12.2026", env=jc,
    )  # fmt: skip
    before = cli_ok("conference", "print", ref, "--format", "md", env=jc)
    assert "Ida Ifk (Integrationsfachkraft)" in before and "ifk.ida" not in before

    typo = run_cli("team", "assign", ref, "--to", "ifk.xyz", env=jc)
    line = one_error_line(typo, 1)
    assert "ifk.xyz" in line and "nicht bekannt" in line and "ifk.schulz" in line  # names who is known
    assert json.loads(cli_ok("case", "show", ref, "--json", env=jc))["case"]["owner_login"] == "ifk.ida"

    cli_ok("team", "assign", ref, "--to", "ifk.schulz", env=jc)  # a configured colleague
    after = cli_ok("conference", "print", ref, "--format", "md", env=jc)
    assert after == before  # a signed protocol does not change when the case is handed on


def test_m4_cli_refusals_on_a_closed_case_and_broken_json_read_as_plain_german(jc_store_env, tmp_path):
    jc = jc_store_env
    ref = json.loads(cli_ok("case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", "--json", env=jc))[
        "ref"
    ]
    cli_ok("obstacle", "add", ref, "R-MOB", env=jc)
    cli_ok("case", "close", ref, "--reason", "umgezogen", "--tasks", "erledigen", env=jc)
    # a closed case takes no writes: a process rule (exit 1), said without field codes
    added = one_error_line(run_cli("obstacle", "add", ref, "R-KIN", env=jc), 1)
    assert added == "Der Fall ist abgeschlossen."
    changed = one_error_line(run_cli("obstacle", "set", ref, "R-MOB", "--status", "in Bearbeitung", env=jc), 1)
    assert changed == "Der Fall ist abgeschlossen."

    broken = tmp_path / "kaputt.json"
    broken.write_text('{\n  "format": "wbtui-handover",\n  x\n}\n', encoding="utf-8")
    res = run_cli("handover", "import", str(broken), env=jc)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "kein gültiges JSON (Zeile 3, Spalte 3)" in res.stderr
    assert "Expecting" not in res.stderr and "$:" not in res.stderr


def test_low_an_exchange_file_of_the_other_kind_names_the_command_that_reads_it(tmp_path):
    from common import cli_handed_over, two_offices

    jc, aa = two_offices(tmp_path)
    case_id = cli_handed_over(jc)
    handover, feedback = tmp_path / "uebergabe.json", tmp_path / "rueckmeldung.json"
    cli_ok("handover", "export", case_id[:8], "-o", str(handover), env=jc)
    cli_ok("handover", "import", str(handover), env=aa)
    cli_ok("feedback", "export", "-o", str(feedback), env=aa)

    wrong = one_error_line(run_cli("feedback", "import", str(handover), env=jc), 1)
    assert "Übergabedatei" in wrong and "wbtui handover import" in wrong
    wrong = one_error_line(run_cli("handover", "import", str(feedback), env=aa), 1)
    assert "Rückmeldedatei" in wrong and "wbtui feedback import" in wrong


def _pdf_pages(path) -> list[list[str]]:
    """The text lines of every page of a PDF, as a reader sees them."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(path.read_bytes())
    pages = []
    for index in range(len(pdf)):
        text = pdf[index].get_textpage().get_text_range()
        pages.append([line.strip() for line in text.splitlines() if line.strip()])
    return pages


def test_low_documents_keep_headings_with_their_text_and_name_codes_and_the_conference_in_german(
    jc_store_env, tmp_path
):
    jc = jc_store_env
    case_id = cli_handed_over(jc, school_certificate="mittlerer", german_level_cefr="B1")
    sheet = tmp_path / "uebergabebogen.pdf"
    cli_ok("handover", "print", case_id[:8], "--format", "pdf", "-o", str(sheet), env=jc)
    headings = {
        line[3:].strip()
        for line in cli_ok("handover", "print", case_id[:8], "--format", "md", env=jc).splitlines()
        if line.startswith("## ")
    }
    pages = _pdf_pages(sheet)
    assert len(pages) > 1
    assert any("mittlerer Schulabschluss" in line for page in pages for line in page)
    for page in pages[:-1]:
        tail = [line for line in page if not line.startswith(("Seite", "Übergabebogen"))]  # the page's footer
        assert tail[-1] not in headings, tail[-3:]  # a heading never ends a page

    cli_ok(
        "appointment", "add", case_id[:8], "--kind", "fallkonferenz", "--at", "01.12.2026 10:00",
        "--place", "Jobcenter, Raum 1.02", "--with", "Ida Ifk", env=jc,
    )  # fmt: skip
    appointment = json.loads(cli_ok("appointment", "list", case_id[:8], "--json", env=jc))["appointments"][0]
    letter = tmp_path / "einladung.pdf"
    cli_ok("appointment", "letter", appointment["id"][:8], "-o", str(letter), env=jc)
    text = "\n".join(line for page in _pdf_pages(letter) for line in page)
    assert "Einladung zur Fallkonferenz" in text and "Fallbesprechung" not in text
