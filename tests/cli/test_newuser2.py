"""Findings of the second independent new-user test, checked as that user did: with the README's commands
on the command line, in process (tests/common.py: run_cli)."""

from __future__ import annotations

import json

from common import cli_new_case, cli_ok, run_cli


def test_a_name_search_matches_its_words_in_any_order(jc_store_env):
    cli_new_case(jc_store_env, family_name="Ahmadi", given_names="Linh")
    cli_new_case(jc_store_env, kundennummer="123A456780", family_name="Linhart", given_names="Ahmed")
    for text in ("Linh  ahmadi", "Ahmadi, Linh"):
        cases = json.loads(cli_ok("case", "list", "--search", text, "--json", env=jc_store_env))["cases"]
        assert [c["family_name"] for c in cases] == ["Ahmadi"], text
    cases = json.loads(cli_ok("case", "list", "--search", "Linh Berta", "--json", env=jc_store_env))["cases"]
    assert cases == []  # every word must occur


def test_a_mistyped_subcommand_is_answered_in_german_with_the_hint(jc_store_env):
    res = run_cli("case", "lst", env=jc_store_env)
    assert res.returncode == 2 and "Did you mean" not in res.stderr + res.stdout
    assert "Unbekannter Befehl: lst. Gemeint: list?" in res.stderr, res.stderr
    top = run_cli("cas", env=jc_store_env)  # the top level's own suggestion (cli/lazy.py)
    assert top.returncode == 2 and "Gemeint: case?" in top.stderr and "Did you mean" not in top.stderr, top.stderr


def test_appointment_list_says_none_planned_and_a_weekend_or_holiday_is_warned_about(jc_store_env, aa_env):
    ref = cli_new_case(jc_store_env)  # handed over and acknowledged, both offices on one store
    cli_ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", env=jc_store_env)
    cli_ok("case", "move", ref, "S3", env=jc_store_env)
    cli_ok("handover", "send", ref, env=jc_store_env)
    cli_ok("handover", "ack", ref, env=aa_env)
    held = run_cli("appointment", "add", ref, "--at", "03.11.2025 09:00", "--result", "held", env=aa_env)
    assert held.returncode == 0 and held.stderr == "", held.stderr  # a Monday: no warning
    assert cli_ok("appointment", "list", ref, env=aa_env).strip() == "Keine geplanten Termine (--all zeigt alle)."
    assert "wahrgenommen" in cli_ok("appointment", "list", ref, "--all", env=aa_env)

    saturday = run_cli("appointment", "add", ref, "--at", "05.01.2030 10:00", env=aa_env)
    assert saturday.returncode == 0 and "Termin" in saturday.stdout
    assert saturday.stderr.strip() == "Achtung: Der 05.01.2030 ist ein Samstag, kein Arbeitstag.", saturday.stderr
    moved = run_cli(
        "appointment", "move", saturday.stdout.split()[1].strip(":"), "--at", "03.10.2030 10:00", env=aa_env
    )
    assert moved.returncode == 0, moved.stderr
    assert moved.stderr.strip() == "Achtung: Der 03.10.2030 ist ein Feiertag (Tag der Deutschen Einheit).", moved.stderr
