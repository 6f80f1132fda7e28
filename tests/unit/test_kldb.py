"""Target occupations by name (domain/kldb.py): the official KldB 2010 directory, searchable."""

from __future__ import annotations

import pytest

from wbtui.domain import kldb


def test_every_5_digit_occupation_of_the_classification_is_there():
    codes = [c for c in kldb._table() if len(c) == 5]
    assert len(codes) == 1301
    assert kldb.lookup("52122").title.startswith("Berufskraftfahrer/innen (Güterverkehr/LKW)")
    assert kldb.lookup("52122").level == "2"
    assert kldb.main_group("52122").code == "52"
    assert kldb.lookup("99999") is None


def test_search_by_words_and_by_code():
    found = kldb.search("pflege alten")
    assert found and all("altenpflege" in o.title.casefold() for o in found)
    assert [o.code for o in kldb.search("5212")][:1] == ["52122"]


def test_typed_codes_must_exist():
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.fields import parse_field

    assert parse_field("target_kldb", "52122") == "52122"
    with pytest.raises(WbtuiError):
        parse_field("target_kldb", "52124")  # the right shape, but no such occupation


def test_the_cli_finds_an_occupation_by_its_words():
    import json

    from common import run_cli

    found = run_cli("kldb", "lkw", "--json")
    assert found.returncode == 0 and "52122" in [o["code"] for o in json.loads(found.stdout)["occupations"]]
    plain = run_cli("kldb", "berufskraftfahrer")
    assert "52122" in plain.stdout and "Güterverkehr" in plain.stdout
    assert "Kein Beruf gefunden" in run_cli("kldb", "xyzzy").stdout
