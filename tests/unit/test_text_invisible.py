"""Issue 12 F9: bidi controls, zero-width and other invisible format characters, the line/paragraph
separators and TAB in single-line text passed the server and reached the other office's terminal. One
function decides for every entry and exit (domain/text.py): the server refuses (domain/columns.py), the
device cleans."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from wbtui.domain.columns import check_json
from wbtui.domain.entities import check_value, clean_value
from wbtui.domain.text import clean, clean_tree, has_control

INVISIBLE = {
    "ALM U+061C": "\u061c",
    "LRM U+200E": "\u200e",
    "RLM U+200F": "\u200f",
    "LRE U+202A": "\u202a",
    "RLE U+202B": "\u202b",
    "PDF U+202C": "\u202c",
    "LRO U+202D": "\u202d",
    "RLO U+202E": "\u202e",
    "LRI U+2066": "\u2066",
    "RLI U+2067": "\u2067",
    "FSI U+2068": "\u2068",
    "PDI U+2069": "\u2069",
    "ZWSP U+200B": "\u200b",
    "ZWNJ U+200C": "\u200c",
    "ZWJ U+200D": "\u200d",
    "WJ U+2060": "\u2060",
    "BOM U+FEFF": "\ufeff",
    "soft hyphen U+00AD": "\u00ad",
    "tag U+E0041": "\U000e0041",
}
SEPARATORS = {"LS U+2028": "\u2028", "PS U+2029": "\u2029"}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_F9_invisible_and_bidi_characters_are_removed_and_refused_everywhere(char):
    text = f"Mül{char}ler"
    assert clean(text) == "Müller" and clean(text, multiline=True) == "Müller"
    assert has_control(text) and has_control(text, multiline=False)
    assert check_value("task", "title", text) == "control_characters"  # single-line text
    assert check_value("obstacle", "note", text) == "control_characters"  # multi-line text
    assert check_json({"k": text}) == "control_characters" and check_json({text: 1}) == "control_characters"
    assert clean_tree({text: [text]}) == {"Müller": ["Müller"]}
    assert clean_value("task", "title", text) == "Müller"


@pytest.mark.parametrize("char", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_F9_line_and_paragraph_separators_become_line_breaks_or_spaces(char):
    text = f"eins{char}zwei"
    assert clean(text) == "eins zwei" and clean(text, multiline=True) == "eins\nzwei"
    assert check_value("task", "title", text) == "control_characters"
    assert check_value("obstacle", "note", text) == "control_characters"
    assert check_json({"k": text}) == "control_characters"


def test_F9_tab_is_refused_in_single_line_text_and_json_keys_but_kept_in_notes():
    assert check_value("task", "title", "a\tb") == "control_characters"
    assert check_value("person", "family_name", "a\tb") == "control_characters"
    assert check_value("obstacle", "note", "Zeile 1\n\tZeile 2") is None
    assert check_json({"a\tb": 1}) == "control_characters" and check_json({"k": "a\tb"}) is None
    assert clean("a\tb") == "a b" and clean_value("task", "title", "a\tb") == "a b"
    assert clean_tree({"a\tb": "x\ty"}) == {"a b": "x\ty"}


def test_F9_every_format_character_of_this_python_is_covered():
    missing = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) == "Cf" and not has_control(chr(cp))
    ]
    assert missing == []


def test_F9_german_text_stays_as_written():
    text = "Straße 5, § 69 SGB X – „Grüße“ · Œ ½ 1\u00a0000 €"  # NBSP is a space, not a format character
    assert clean(text) == text and not has_control(text, multiline=False)
    assert check_value("task", "title", text) is None
