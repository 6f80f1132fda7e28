"""When a closed case may be erased everywhere (README "Retention"; Art. 5 Abs. 1 lit. e, Art. 17 DSGVO).

The retention job of an office (:mod:`wbtui.services.retention`) deletes a closed case once the period its
DSB agreed (``[retention] closed_case_days``, at least :data:`RETENTION_MIN_DAYS`) has passed, and queues
the erasure on the server. The server does not know each office's period, so it erases a case for a
caseworker only when even the shortest period has passed since the case was closed, as the server itself
saw the closing; the DSB (and the administrator), who carry out an erasure request (Art. 17), erase a
closed case at any time. Never a case that was still open before the very push that erases it: closing and
erasing in one go would let anyone who may close a case wipe it at once (attack 2, F4).
"""

from __future__ import annotations

from datetime import date

from wbtui.domain.access import RETENTION_RUN, SCOPES, has

# The shortest retention period an office may configure (wbtui.config bounds closed_case_days to 30..3660).
RETENTION_MIN_DAYS = 30


def purge_refusal(role: str, *, closed_before: bool, closed_on: date | None, today: date) -> str | None:
    """Why ``role`` may not erase a case now (a reason code), or None. ``closed_before``: the case was closed
    before the push that erases it; ``closed_on``: the day it was closed, as the server saw it (None:
    unknown); ``today``: the day of the erasure, in the office's time."""
    if not closed_before:
        return "open_case"
    if has(role, RETENTION_RUN) and SCOPES.get(role) == "none":
        return None  # the DSB's (or the administrator's) erasure
    if closed_on is None or (today - closed_on).days < RETENTION_MIN_DAYS:
        return "retention"
    return None
