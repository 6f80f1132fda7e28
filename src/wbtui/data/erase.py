"""Physical deletion of a case from the local store, and scrubbing the file afterwards.

Used by retention (:mod:`wbtui.services.retention`) and by sync when a case is revoked or purged
(:mod:`wbtui.sync.merge`). ``secure_delete`` overwrites freed pages; :func:`scrub` then truncates the
WAL and vacuums, so nothing of a deleted case stays recoverable in ``wbtui.db``, ``-wal`` or ``-shm``.

What goes with a case: its rows and their sync traces, the free text of its audit entries
(``audit_note``; the entries themselves stay, content-free), courses only it referred to (their title
may come from a caseworker's note), break-glass and hold records, and the documents wbtui wrote for it
into its documents folder (registered ones, and any whose name carries the case's Kundennummer).
"""

from __future__ import annotations

# child tables of a case, deleted before the case row (conference participants via their conference)
CASE_CHILDREN = ("task", "appointment", "voucher", "enrolment", "handover", "obstacle", "case_event", "conference")
PERSON_CHILDREN = ("consent", "vocational_qualification", "work_episode")


def delete_case(con, case_id: str, counts: dict[str, int] | None = None, *, keep_conflicts: bool = False) -> bool:
    """Delete one case with everything that hangs on it (and its person if no other case is left).

    Returns True when the person went too. ``keep_conflicts`` keeps the sync conflict records
    (a revoked case's unsent changes live on there for a person to re-route)."""
    counts = {} if counts is None else counts
    person_id = con.execute("SELECT person_id FROM fbw_case WHERE id = ?", (case_id,)).fetchone()
    _delete_documents(con, case_id, counts)
    courses = [r[0] for r in con.execute("SELECT course_id FROM enrolment WHERE case_id = ?", (case_id,))]
    row_ids = [case_id]
    for table in CASE_CHILDREN:
        row_ids += [r[0] for r in con.execute(f"SELECT id FROM {table} WHERE case_id = ?", (case_id,))]
    for (conference,) in con.execute("SELECT id FROM conference WHERE case_id = ?", (case_id,)).fetchall():
        _count(
            counts,
            "conference_participant",
            con.execute("DELETE FROM conference_participant WHERE conference_id = ?", (conference,)).rowcount,
        )
    for table in CASE_CHILDREN:  # tasks before the conferences they point at
        _count(counts, table, _delete_where(con, table, "case_id", case_id))
    from wbtui.data.timeline import forget_case

    forget_case(con, case_id)
    for course in courses:  # a course no other enrolment refers to: its title may be a caseworker's note
        _count(
            counts,
            "course",
            con.execute(
                "DELETE FROM course WHERE id = ? AND NOT EXISTS (SELECT 1 FROM enrolment e WHERE e.course_id = ?)",
                (course, course),
            ).rowcount,
        )
    con.execute("DELETE FROM break_glass WHERE case_id = ?", (case_id,))
    con.execute("DELETE FROM retention_hold WHERE case_id = ?", (case_id,))
    _count(counts, "audit_note", con.execute("DELETE FROM audit_note WHERE case_id = ?", (case_id,)).rowcount)
    _delete_sync_traces(con, row_ids, case_id, keep_conflicts)
    _count(counts, "fbw_case", con.execute("DELETE FROM fbw_case WHERE id = ?", (case_id,)).rowcount)
    if (
        person_id is None
        or con.execute("SELECT 1 FROM fbw_case WHERE person_id = ? LIMIT 1", (person_id[0],)).fetchone()
    ):
        return False
    ids = [person_id[0]]
    for table in PERSON_CHILDREN:
        ids += [r[0] for r in con.execute(f"SELECT id FROM {table} WHERE person_id = ?", (person_id[0],))]
        _count(counts, table, con.execute(f"DELETE FROM {table} WHERE person_id = ?", (person_id[0],)).rowcount)
    _delete_sync_traces(con, ids, None, keep_conflicts)
    con.execute("DELETE FROM person WHERE id = ?", (person_id[0],))
    return True


def _delete_documents(con, case_id: str, counts: dict[str, int]) -> None:
    """Files wbtui wrote for the case into its documents folder (registered, or named with its
    Kundennummer or reference)."""
    import os

    from wbtui import paths

    files = {r[0] for r in con.execute("SELECT path FROM document_file WHERE case_id = ?", (case_id,))}
    con.execute("DELETE FROM document_file WHERE case_id = ?", (case_id,))
    row = con.execute(
        "SELECT p.kundennummer, EXISTS (SELECT 1 FROM fbw_case o WHERE o.person_id = c.person_id AND o.id != c.id)"
        " FROM fbw_case c JOIN person p ON p.id = c.person_id WHERE c.id = ?",
        (case_id,),
    ).fetchone()
    marks = [case_id[:8]]
    if row and row[0] and not row[1]:  # the person goes too: every document named after them
        marks.append(row[0])
    folder = paths.data_dir() / "documents"
    try:
        names = os.listdir(folder)
    except OSError:
        names = []
    files |= {str(folder / name) for name in names if any(mark in name for mark in marks)}
    for path in files:
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        except OSError:
            continue  # not ours to remove (permissions): the registry row is gone, the file stays
        _count(counts, "document", 1)


def _count(counts: dict[str, int], table: str, n: int) -> None:
    counts[table] = counts.get(table, 0) + n


def _delete_sync_traces(con, row_ids: list[str], case_id: str | None, keep_conflicts: bool = False) -> None:
    """Outbox payloads and conflict records hold values: they go with the rows."""
    if case_id:
        con.execute("DELETE FROM outbox WHERE case_id = ?", (case_id,))
        con.execute("DELETE FROM sync_quarantine WHERE case_id = ?", (case_id,))
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        con.execute(f"DELETE FROM outbox WHERE row_id IN ({marks})", chunk)
        con.execute(f"DELETE FROM field_clock WHERE row_id IN ({marks})", chunk)
        con.execute(f"DELETE FROM sync_extra WHERE row_id IN ({marks})", chunk)
        if not keep_conflicts:
            con.execute(f"DELETE FROM sync_conflict WHERE row_id IN ({marks})", chunk)


def scrub(store) -> bool:
    """Make freed content unrecoverable: checkpoint and truncate the WAL, vacuum, truncate again.

    Returns True when another connection kept the checkpoint from completing (run again later)."""
    con = store.raw(readonly=False)
    try:
        busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        con.execute("VACUUM")
        busy = busy or con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        con.close()
    return bool(busy)


def _delete_where(con, table: str, column: str, value: str) -> int:
    """Delete and count; the timeline is a view whose row count is always 0 (data/timeline.py), so it
    is counted first."""
    if table == "case_event":
        found = con.execute(f"SELECT count(*) FROM case_event WHERE {column} = ?", (value,)).fetchone()[0]
        con.execute(f"DELETE FROM case_event WHERE {column} = ?", (value,))
        return found
    return con.execute(f"DELETE FROM {table} WHERE {column} = ?", (value,)).rowcount


def delete_row(con, table: str, row_id: str, *, keep_conflicts: bool = False) -> None:
    """One row this office may no longer hold (coverage narrowed), with its sync traces; a row the server
    refused keeps its conflict records (they hold the local values for review)."""
    con.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
    _delete_sync_traces(con, [row_id], None, keep_conflicts=keep_conflicts)
