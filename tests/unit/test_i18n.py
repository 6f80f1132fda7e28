"""One catalog, two languages: same keys, every stage, rule and guard translated."""

from __future__ import annotations

import re
from pathlib import Path

from wbtui.domain.process import Stage
from wbtui.domain.timers import RULES
from wbtui.i18n import catalog

SRC = Path(__file__).resolve().parents[2] / "src" / "wbtui"
DE, EN = catalog("de"), catalog("en")


def test_same_keys_in_both_languages():
    assert set(DE) == set(EN)


def test_stages_rules_labels_present():
    for stage in Stage:
        assert f"stage.{stage.value}" in DE
    for rule in RULES:
        assert f"rule.{rule.id}" in DE


def test_every_key_used_in_code_exists():
    used = set()
    pattern = re.compile(
        r"""["']((?:guard|err|cli|cfg|hdr|field|timer|rule|stage|side|obst|group|tui)\.[a-z0-9_]+)["']"""
    )
    for path in SRC.rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in DE)
    assert not missing, missing


def test_placeholders_match():
    for key, text in DE.items():
        assert set(re.findall(r"{(\w+)", text)) == set(re.findall(r"{(\w+)", EN[key])), key
