"""Retention and erasure (Art. 5 Abs. 1 lit. e, Art. 17 DSGVO; § 84 SGB X; BSI CON.6).

wbtui is a coordination tool, not the legal file: a closed case is deleted from the local store
once its retention period has passed (configurable, signed off by the DSB), unless a legal hold
is set. Deletion is physical: ``secure_delete`` overwrites the freed pages, then the WAL is
checkpointed and truncated and the file vacuumed, so nothing of the case stays recoverable in
``wbtui.db``, ``-wal`` or ``-shm``. The audit trail keeps a content-free tombstone (case id,
counts, job).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from wbtui.data import audit

# child tables of a case, deleted before the case row (conference participants via their conference)
CASE_CHILDREN = ("task", "appointment", "voucher", "enrolment", "handover", "obstacle", "case_event", "conference")
PERSON_CHILDREN = ("consent", "vocational_qualification", "work_episode")


@dataclass
class Candidate:
    case_id: str
    person_id: str
    closed_at: str
    held: bool


@dataclass
class Result:
    cutoff: date
    candidates: list[Candidate]
    deleted_cases: int = 0
    deleted_persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    checkpoint_busy: bool = False
    applied: bool = False

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff.isoformat(), "due": sum(1 for c in self.candidates if not c.held),
                "held": sum(1 for c in self.candidates if c.held), "applied": self.applied, "deleted_cases": self.deleted_cases,
                "deleted_persons": self.deleted_persons, "rows": self.rows, "checkpoint_busy": self.checkpoint_busy}


def plan(con, today: date, days: int) -> tuple[date, list[Candidate]]:
    """Closed cases whose retention period has passed (held ones flagged, not deleted)."""
    cutoff = today - timedelta(days=days)
    rows = con.execute(
        "SELECT c.id, c.person_id, c.closed_at, h.case_id IS NOT NULL FROM fbw_case c LEFT JOIN retention_hold h ON h.case_id = c.id"
        " WHERE c.stage = 'closed' AND c.closed_at IS NOT NULL AND substr(c.closed_at, 1, 10) < ? ORDER BY c.closed_at",
        (cutoff.isoformat(),),
    ).fetchall()
    return cutoff, [Candidate(r[0], r[1], r[2], bool(r[3])) for r in rows]


def delete_case(con, case_id: str, counts: dict[str, int] | None = None, *, keep_conflicts: bool = False) -> bool:
    """Delete one case with everything that hangs on it (and its person if no other case is left).

    Returns True when the person went too. ``keep_conflicts`` keeps the sync conflict records
    (a revoked case's unsent changes live on there for a person to re-route)."""
    counts = {} if counts is None else counts
    person_id = con.execute("SELECT person_id FROM fbw_case WHERE id = ?", (case_id,)).fetchone()
    row_ids = [case_id]
    for table in CASE_CHILDREN:
        row_ids += [r[0] for r in con.execute(f"SELECT id FROM {table} WHERE case_id = ?", (case_id,))]
    for (conference,) in con.execute("SELECT id FROM conference WHERE case_id = ?", (case_id,)).fetchall():
        _count(counts, "conference_participant", con.execute("DELETE FROM conference_participant WHERE conference_id = ?", (conference,)).rowcount)
    for table in CASE_CHILDREN:  # tasks before the conferences they point at
        _count(counts, table, con.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,)).rowcount)
    con.execute("DELETE FROM break_glass WHERE case_id = ?", (case_id,))
    con.execute("DELETE FROM retention_hold WHERE case_id = ?", (case_id,))
    _delete_sync_traces(con, row_ids, case_id, keep_conflicts)
    _count(counts, "fbw_case", con.execute("DELETE FROM fbw_case WHERE id = ?", (case_id,)).rowcount)
    if person_id is None or con.execute("SELECT 1 FROM fbw_case WHERE person_id = ? LIMIT 1", (person_id[0],)).fetchone():
        return False
    ids = [person_id[0]]
    for table in PERSON_CHILDREN:
        ids += [r[0] for r in con.execute(f"SELECT id FROM {table} WHERE person_id = ?", (person_id[0],))]
        _count(counts, table, con.execute(f"DELETE FROM {table} WHERE person_id = ?", (person_id[0],)).rowcount)
    _delete_sync_traces(con, ids, None, keep_conflicts)
    con.execute("DELETE FROM person WHERE id = ?", (person_id[0],))
    return True


def _count(counts: dict[str, int], table: str, n: int) -> None:
    counts[table] = counts.get(table, 0) + n


def _delete_sync_traces(con, row_ids: list[str], case_id: str | None, keep_conflicts: bool = False) -> None:
    """Outbox payloads and conflict records hold values: they go with the rows."""
    if case_id:
        con.execute("DELETE FROM outbox WHERE case_id = ?", (case_id,))
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        con.execute(f"DELETE FROM outbox WHERE row_id IN ({marks})", chunk)
        con.execute(f"DELETE FROM field_clock WHERE row_id IN ({marks})", chunk)
        con.execute(f"DELETE FROM sync_extra WHERE row_id IN ({marks})", chunk)
        if not keep_conflicts:
            con.execute(f"DELETE FROM sync_conflict WHERE row_id IN ({marks})", chunk)


def run(store, who: audit.Who, *, today: date, days: int, apply: bool = False, purge_on_server: bool = False) -> Result:
    """Plan (``apply=False``) or carry out the retention job; ``purge_on_server`` (the owning Jobcenter
    with sync enabled) also queues the server-side erasure of each deleted case."""
    con = store.raw()
    try:
        cutoff, candidates = plan(con, today, days)
    finally:
        con.close()
    result = Result(cutoff, candidates)
    if not apply:
        return result
    job = uuid.uuid4().hex
    with store.transaction() as con:
        for cand in candidates:
            if cand.held:
                continue
            if delete_case(con, cand.case_id, result.rows):
                result.deleted_persons += 1
            result.deleted_cases += 1
            audit.append(con, who, "retention", "fbw_case", object_id=cand.case_id, case_id=cand.case_id, detail=f"job {job[:8]}")
            if purge_on_server:
                queue_purge(con, cand.case_id)
        audit.append(con, who, "retention", "store", detail=json.dumps({"job": job[:8], "cutoff": cutoff.isoformat(),
                                                                           "cases": result.deleted_cases, "persons": result.deleted_persons}))
    result.applied = True
    result.checkpoint_busy = scrub(store)
    return result


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


def hold(store, who: audit.Who, case_id: str, reason: str) -> None:
    from wbtui.safetext import clean

    with store.transaction() as con:
        con.execute("INSERT INTO retention_hold (case_id, reason, set_by, set_at) VALUES (?,?,?,?)"
                    " ON CONFLICT(case_id) DO UPDATE SET reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at",
                    (case_id, clean(reason), who.login, datetime.now(timezone.utc).isoformat()))
        audit.append(con, who, "update", "retention_hold", object_id=case_id, case_id=case_id, reason=reason)


def release(store, who: audit.Who, case_id: str) -> bool:
    with store.transaction() as con:
        gone = con.execute("DELETE FROM retention_hold WHERE case_id = ?", (case_id,)).rowcount
        audit.append(con, who, "delete", "retention_hold", object_id=case_id, case_id=case_id)
    return bool(gone)


def queue_purge(con, case_id: str) -> None:
    """Queue the ``case.purge`` command for the server (erases it there and on every device that held it)."""
    from wbtui.sync.recorder import enqueue, load_clock, meta_get, save_clock

    adapter = _Driver(con)
    if meta_get(adapter, "enabled") != "1":
        return
    clock = load_clock(adapter)
    enqueue(adapter, clock, "command", uuid.uuid4().hex, case_id, "command",
            {"name": "case.purge", "args": {"case_id": case_id, "reason": "retention"}})
    save_clock(adapter, clock)


class _Driver:
    """A sqlite3 connection with the one SQLAlchemy method the sync recorder uses."""

    def __init__(self, con) -> None:
        self.con = con

    def exec_driver_sql(self, sql: str, params=()):
        return self.con.execute(sql, params)
