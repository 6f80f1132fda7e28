"""Every unread entry of the inbox, not only the page of 300 it shows: ``inbox read --all`` marks them all
(the same entries as :data:`wbtui.data.queries.INBOX_ENTRIES`, since ever)."""

from __future__ import annotations

import sqlite3

from wbtui.data.queries import INBOX_ENTRIES

INBOX_UNREAD = "SELECT event_id FROM (" + INBOX_ENTRIES + ") WHERE seen = 0"


def inbox_unread(
    con: sqlite3.Connection,
    feedback_types: tuple[str, ...],
    scope: tuple[str, list],
    *,
    login: str,
    own_org: str | None,
    appointment_kinds: tuple[str, ...],
) -> list[str]:
    """The ids of every entry of the inbox (as :func:`wbtui.data.queries.inbox` reads them, since ever) ``login`` has not read."""
    where, params = scope
    kinds = appointment_kinds or ("-",)
    sql = INBOX_UNREAD.format(types=",".join("?" * len(feedback_types)), kinds=",".join("?" * len(kinds)), scope=where)
    return [row[0] for row in con.execute(sql, (login, *feedback_types, "", own_org or "", *kinds, *params))]
