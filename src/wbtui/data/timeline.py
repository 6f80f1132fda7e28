"""The timeline's storage (migrations 0013, 0017): compact rows in ``event_log`` behind the ``case_event`` view.

Readers and single writes use the view, whose triggers translate (migrations/0013_compact_timeline.sql).
Bulk writers (the demo generator, a sync bootstrap) use :func:`insert_events`, which writes the compact
rows directly: the same values, without a trigger per row.
"""

from __future__ import annotations

import re
from calendar import timegm
from collections.abc import Iterable

# the store's own datetime text (SQLAlchemy's and the demo's): kept as microseconds since 1970
STORE_TIME = re.compile(r"(19[7-9]\d|2\d\d\d)-([01]\d)-([0-3]\d) ([0-2]\d):([0-5]\d):([0-5]\d)\.(\d{6})\Z")

COLUMNS = ("id", "case_id", "at", "type", "from_stage", "to_stage", "actor", "org_id", "payload")
# the columns besides the id the view's insert trigger requires (a view declares no NOT NULL of its own)
NOT_NULL = ("case_id", "at", "type", "payload")


def compact_time(value):
    """``at`` as stored: microseconds for the store's own format, the text itself otherwise (the view
    gives back exactly the text that was written)."""
    match = STORE_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    y, mo, d, h, mi, s, us = (int(part) for part in match.groups())
    try:
        seconds = timegm((y, mo, d, h, mi, s, 0, 0, 0))
    except (ValueError, OverflowError):
        return value
    return seconds * 1_000_000 + us


def insert_events(con, rows: Iterable[tuple]) -> int:
    """Append timeline rows (tuples in the order of :data:`COLUMNS`) in bulk; returns how many.

    For rows whose case and office exist (the caller's guarantee: bulk writers write those first)."""
    rows = list(rows)
    if not rows:
        return 0
    refs = {r[1] for r in rows} | {r[7] for r in rows if r[7] is not None}
    words = {w for r in rows for w in (r[3], r[4], r[5], r[6]) if w is not None}
    con.executemany("INSERT OR IGNORE INTO timeline_ref(ref) VALUES (?)", [(r,) for r in refs])
    con.executemany("INSERT OR IGNORE INTO timeline_word(word) VALUES (?)", [(w,) for w in words])
    key = _lookup(con, "SELECT ref, key FROM timeline_ref WHERE ref IN ({})", refs)
    word = _lookup(con, "SELECT word, id FROM timeline_word WHERE word IN ({})", words)
    # the insertion order (the view's rowid): the next numbers, taken at once (event_log has no rowid, 0017)
    last = con.execute("SELECT n FROM timeline_seq").fetchone()[0]
    con.execute("UPDATE timeline_seq SET n = n + ?", (len(rows),))
    con.executemany(
        "INSERT INTO event_log(id, seq, case_key, at, type_w, from_w, to_w, actor_w, org_key, payload)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                r[0],
                last + n,
                key[r[1]],
                compact_time(r[2]),
                word[r[3]],
                word.get(r[4]),
                word.get(r[5]),
                word.get(r[6]),
                key.get(r[7]),
                None if r[8] == "{}" else r[8],
            )
            for n, r in enumerate(rows, 1)
        ],
    )
    return len(rows)


def _lookup(con, sql: str, values: set) -> dict:
    out: dict = {}
    values_list = list(values)
    for start in range(0, len(values_list), 500):  # within SQLite's limit of bound parameters
        chunk = values_list[start : start + 500]
        out.update(con.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall())
    return out


def forget_case(con, case_id: str) -> None:
    """The case's key, once its timeline is gone (a deleted case leaves no trace, README "Retention")."""
    con.execute(
        "DELETE FROM timeline_ref WHERE ref = ? AND NOT EXISTS (SELECT 1 FROM event_log e WHERE e.case_key = timeline_ref.key)",
        (case_id,),
    )
