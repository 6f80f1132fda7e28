"""The person's vocational qualifications and work history as lines for the TUI's case view, its
qualification screen and ``wbtui case show`` alike (README "Documents": recorded by the Jobcenter, printed
on the Übergabebogen where the consent or the statute covers the data group ``qualifikation``).

Pure (no Textual): stored text is cleaned here and never read as markup by the callers.
"""

from __future__ import annotations

from wbtui.domain.countries import COUNTRIES
from wbtui.domain.kldb import lookup
from wbtui.domain.text import clean
from wbtui.widgets import labels


def _occupation(code: object) -> str:
    if not code:
        return ""
    found = lookup(str(code))
    return f"KldB {code}" + (f" {found.title}" if found else "")


def _month(value: object) -> str:
    text = labels.date_text(value)
    return text[3:] if len(text) == 10 else text  # MM.JJJJ: a work period is told by months


def country_name(value: object) -> str:
    """A country as stored: the name of an ISO code of the pick list (domain/countries.py), or the name typed."""
    text = clean(str(value or ""))
    return labels.label("country", text) if text in COUNTRIES else text


def qualification_line(q: dict) -> str:
    parts = [clean(q.get("title"))]
    parts += [p for p in (_occupation(q.get("kldb_code")), country_name(q.get("country"))) if p]
    if q.get("recognition_status") not in (None, "", "n/a"):
        parts.append(labels.label("recognition", q["recognition_status"]))
    if q.get("year"):
        parts.append(str(q["year"]))
    return " · ".join(parts)


def work_line(w: dict) -> str:
    span = "–".join(p for p in (_month(w.get("date_from")), _month(w.get("date_to"))) if p)
    parts = [clean(w.get("title"))] + [p for p in (_occupation(w.get("kldb_code")), span) if p]
    return " · ".join(parts)


def history_lines(detail: dict) -> tuple[list[str], list[str]]:
    """``(qualification lines, work history lines)`` of a case detail (:mod:`wbtui.data.detail`)."""
    return (
        [qualification_line(q) for q in detail.get("qualifications") or ()],
        [work_line(w) for w in detail.get("work_history") or ()],
    )
