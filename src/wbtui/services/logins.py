"""How a login reads to a person: technical logins (domain.assignment.TECHNICAL_LOGINS) in words.

Light on purpose (no SQLModel): the read paths (``wbtui case show``, the steering report) use it
(tests/arch/test_import_hygiene.py).
"""

from __future__ import annotations

from wbtui.domain.assignment import TECHNICAL_LOGINS
from wbtui.domain.text import clean


def shown_login(login: str | None, lang: str | None = None, *, short: bool = False) -> str:
    """A login as a reader sees it: the technical ones (domain.assignment) in words from
    the catalog ("nicht eingerichtet (wbtui config init)"), so an unconfigured device or the demo
    generator never reads like a colleague's name; every other login as it is. ``short``: without the
    hint how to set up (a chart's label column)."""
    from wbtui.i18n import get_language, translate

    if login in TECHNICAL_LOGINS:
        return translate(lang or get_language(), "ux.login." + login + ("_short" if short else ""), {})
    return clean(login or "")
