"""Findings of the second independent new-user test, checked as that user did: with the README's commands
on the command line, in process (tests/common.py: run_cli)."""

from __future__ import annotations

import json

from common import cli_new_case, cli_ok


def test_a_name_search_matches_its_words_in_any_order(jc_store_env):
    cli_new_case(jc_store_env, family_name="Ahmadi", given_names="Linh")
    cli_new_case(jc_store_env, kundennummer="123A456780", family_name="Linhart", given_names="Ahmed")
    for text in ("Ahmadi Linh", "Linh Ahmadi", "Ahmadi, Linh", "ahmadi  linh"):
        cases = json.loads(cli_ok("case", "list", "--search", text, "--json", env=jc_store_env))["cases"]
        assert [c["family_name"] for c in cases] == ["Ahmadi"], text
    cases = json.loads(cli_ok("case", "list", "--search", "Linh Berta", "--json", env=jc_store_env))["cases"]
    assert cases == []  # every word must occur
