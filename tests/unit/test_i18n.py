"""Two catalogs, one set of keys: every key in both languages with the same placeholders, every key the
code uses present, plural entries complete, and t() loud about texts it cannot render."""

from __future__ import annotations

import logging
import re
import string
from pathlib import Path

import pytest

from wbtui.domain.process import ROLES, STAGES, VIA_COMMAND, Stage
from wbtui.domain.timers import RULES
from wbtui.i18n import (
    PLURAL_FORMS,
    PLURAL_SPEC,
    STRICT_ENV,
    CatalogError,
    catalog,
    lazy_t,
    set_language,
    t,
    tn,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "wbtui"
DE, EN = catalog("de"), catalog("en")
PREFIXES = sorted({key.split(".")[0] for key in DE})


def _forms(entry) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def _fields(entry) -> set[tuple[str, str]]:
    """(placeholder, format spec) pairs over all forms of an entry."""
    out = set()
    for text in _forms(entry):
        for _literal, name, spec, _conversion in string.Formatter().parse(text):
            if name is not None:
                out.add((name, spec or ""))
    return out


def test_same_keys_in_both_languages():
    assert sorted(set(DE) - set(EN)) == [], "only in de.toml"
    assert sorted(set(EN) - set(DE)) == [], "only in en.toml"


def test_stages_rules_labels_present():
    for stage in Stage:
        assert f"stage.{stage.value}" in DE
    for rule in RULES:
        assert f"rule.{rule.id}" in DE


def test_keys_built_at_run_time_exist():
    """Keys the code puts together from a code value (``t("side." + owner)``) for every value there is."""
    from wbtui.screens.move import command_key
    from wbtui.widgets.case_sections import EVENT_TYPES

    keys = {f"side.{info.owner}" for info in STAGES.values()}
    keys |= {f"role.{role}" for role in ROLES}
    keys |= {f"tui.event.{event}" for event in EVENT_TYPES}
    keys |= {command_key(command) for command in VIA_COMMAND.values()}
    keys |= {f"timer.{state}" for state in ("ok", "warning", "overdue", "stalled")}
    keys |= {f"tui.side_short.{side}" for side in ("jobcenter", "agentur", "both", "none")}
    assert sorted(k for k in keys if k not in DE) == []


def test_every_key_used_in_code_exists():
    """Any string literal in the source that looks like a catalog key must be one (dynamic prefixes end in '.')."""
    prefixes = "|".join(PREFIXES)
    pattern = re.compile(rf"""(?<!id=)["']((?:{prefixes})\.[A-Za-z0-9_.]*[A-Za-z0-9_])["']""")
    used: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, str(path.relative_to(SRC)))
    assert len(used) > 300  # the scan sees the code
    from wbtui.domain.access import PERMISSIONS

    permissions = {perm for perms in PERMISSIONS.values() for perm in perms}  # "audit.read" is a permission
    missing = sorted(
        f"{key} ({where})" for key, where in used.items() if (key not in DE or key not in EN) and key not in permissions
    )
    assert missing == []


def test_placeholders_match():
    differing = [key for key in DE if key in EN and _fields(DE[key]) != _fields(EN[key])]
    assert differing == []


def test_plural_entries_have_every_form():
    for lang, entries in (("de", DE), ("en", EN)):
        for key, entry in entries.items():
            if isinstance(entry, dict):
                assert sorted(entry) == sorted(PLURAL_FORMS), (lang, key)
                assert all(isinstance(text, str) and text for text in entry.values()), (lang, key)
            else:
                assert isinstance(entry, str), (lang, key)


def test_plural_references_name_plural_entries():
    for lang, entries in (("de", DE), ("en", EN)):
        for key, entry in entries.items():
            for _name, spec in _fields(entry):
                if spec.startswith(PLURAL_SPEC):
                    target = spec[len(PLURAL_SPEC) :]
                    assert isinstance(entries.get(target), dict), (lang, key, target)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_text_renders(lang):
    """Every entry renders in strict mode with a value for each of its placeholders (no broken braces or specs)."""
    set_language(lang)
    for key, entry in (DE if lang == "de" else EN).items():
        params = {name: 1 for name, _spec in _fields(entry)}
        if isinstance(entry, dict):
            for n in (0, 1, 2):
                assert tn(key, n, **params)
        else:
            assert t(key, **params)


def test_plural_forms_follow_the_count():
    assert [tn("count.cases", n) for n in (0, 1, 2)] == ["0 Fälle", "1 Fall", "2 Fälle"]
    assert t("tui.conflicts.count", n=1) == "1 offener Konflikt"
    assert t("cli.retention_done", cases=1, persons=2, held=0).startswith("Gelöscht: 1 Fall, 2 Personen;")
    set_language("en")
    assert [tn("count.cases", n) for n in (0, 1, 2)] == ["0 cases", "1 case", "2 cases"]
    assert t("cli.sync_done", pushed=3, rejected=0, pulled=1, grants=1, conflicts=0).endswith(
        "1 new handover, 0 conflicts."
    )


def test_strict_mode_raises_on_texts_that_cannot_be_rendered():
    with pytest.raises(CatalogError):
        t("cli.created", ref="1a2b")  # {name} and {kundennummer} missing
    with pytest.raises(CatalogError):
        t("cli.demo_done", cases=1, path="x", seconds="fast")  # {seconds:.1f} needs a number
    with pytest.raises(CatalogError):
        t("tui.no_such_key")
    with pytest.raises(CatalogError):
        t("count.cases")  # a plural entry without its count
    with pytest.raises(CatalogError):
        tn("cli.created", 2)  # not a plural entry


def test_production_logs_and_shows_the_raw_text(monkeypatch, caplog):
    monkeypatch.delenv(STRICT_ENV)
    with caplog.at_level(logging.WARNING, logger="wbtui.i18n"):
        assert t("cli.created", ref="1a2b") == DE["cli.created"]
        assert t("tui.no_such_key") == "tui.no_such_key"
    assert len(caplog.records) == 2
    assert "cli.created" in caplog.text and "1a2b" not in caplog.text  # the key, never the values


def test_lazy_text_follows_the_language():
    from textual.binding import Binding

    label = lazy_t("tui.key.help")
    binding = Binding("f1", "toggle_help", label, id="test.help")
    assert str(label) == "Hilfe" and f"{label:>6}" == " Hilfe" and " " + label + " " == " Hilfe "
    set_language("en")
    assert str(binding.description) == "Help" and binding.description == "Help"
    assert label.upper() == "HELP" and "el" in label and bool(label)
    assert label == lazy_t("tui.key.help") and label != lazy_t("tui.key.quit")


def test_a_changed_catalog_is_never_answered_from_the_parse_kept_in_pycache(tmp_path):
    """Issue #16: catalogs are parsed once and kept in __pycache__ (keyed by a hash of the text)."""
    from wbtui.i18n import _load

    path = tmp_path / "xx.toml"
    path.write_text('"a.key" = "eins"\n', encoding="utf-8")
    assert _load(path) == {"a.key": "eins"}
    assert _load(path) == {"a.key": "eins"}  # now from the kept parse
    assert len(list((tmp_path / "__pycache__").glob("xx.*.catalog"))) == 1
    path.write_text('"a.key" = "zwei"\n', encoding="utf-8")
    assert _load(path) == {"a.key": "zwei"}
    for kept in (tmp_path / "__pycache__").glob("xx.*.catalog"):
        kept.write_bytes(b"garbage")  # a damaged copy is ignored, not trusted
    assert _load(path) == {"a.key": "zwei"}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_missing_reason_lists_the_reasons_by_their_labels_not_their_codes(lang):
    """Issue 14 (codes instead of German): the next-step line of a case in training read "Abbruchgrund
    fehlt (abbruch_krankheit, abbruch_arbeitsaufnahme, …)"."""
    from wbtui.domain import vocab
    from wbtui.i18n import render_reason

    set_language(lang)
    try:
        for key, codes in (
            ("guard.needs_dropout_reason", vocab.DROPOUT_REASONS),
            ("guard.needs_decline_reason", vocab.DECLINE_REASONS),
            ("guard.needs_non_integration_reason", vocab.NON_INTEGRATION_REASONS),
            ("guard.close_needs_reason", vocab.CLOSE_REASONS),
        ):
            shown = render_reason(key, {"choices": ", ".join(codes)})
            assert not [code for code in codes if "_" in code and code in shown], shown
    finally:
        set_language("de")


def test_several_reasons_read_as_sentences_without_a_semicolon_after_a_full_stop():
    """Issue 14 walk: "… liegt in der Zukunft.; Beratungsergebnis fehlt." in the case's next steps."""
    from wbtui.i18n import render_reasons

    set_language("de")
    shown = render_reasons(
        [("guard.needs_dropout_reason", {"choices": "ausschluss"}), ("guard.close_needs_reason", {"choices": "moved"})]
    )
    assert ".;" not in shown and shown.count(".") >= 2
