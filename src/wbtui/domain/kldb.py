"""Target occupations by name: the Klassifikation der Berufe 2010 (revised 2020), 5-digit codes
(Berufsgattungen) with their official titles, and the 2-digit main groups for orientation.

The data (``kldb2010.tsv`` next to this module) is the systematic directory of the Statistik der
Bundesagentur für Arbeit; source and licence are in the README ("Target occupations"). The 5th
digit is the requirement level (1 helper, 2 skilled, 3 specialist, 4 expert).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "kldb2010.tsv"
LEVELS = {"1": "Helfer", "2": "Fachkraft", "3": "Spezialist", "4": "Experte"}


@dataclass(frozen=True)
class Occupation:
    code: str
    title: str
    short: str

    @property
    def level(self) -> str:
        return self.code[-1] if len(self.code) == 5 else ""


@functools.cache
def _table() -> dict[str, Occupation]:
    out: dict[str, Occupation] = {}
    with open(DATA, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            code, title, short = line.rstrip("\n").split("\t")
            out[code] = Occupation(code, title, short)
    return out


def lookup(code: str | None) -> Occupation | None:
    """The occupation of a 5-digit code (None when the classification has no such code)."""
    if not code or len(code) != 5:
        return None
    return _table().get(code)


def main_group(code: str) -> Occupation | None:
    return _table().get(code[:2]) if len(code) >= 2 else None


def search(text: str, *, limit: int = 20) -> list[Occupation]:
    """Occupations whose code starts with ``text`` or whose title contains every word of it."""
    text = text.strip()
    if not text:
        return []
    table = _table()
    if text.isdigit():
        return [o for c, o in table.items() if len(c) == 5 and c.startswith(text)][:limit]
    words = [w.casefold() for w in text.split()]
    found = [o for c, o in table.items() if len(c) == 5 and all(w in o.title.casefold() for w in words)]
    found.sort(key=lambda o: (not o.title.casefold().startswith(words[0]), o.code))
    return found[:limit]
