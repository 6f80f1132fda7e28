"""Retention and erasure (Art. 5 Abs. 1 lit. e, Art. 17 DSGVO; § 84 SGB X; BSI CON.6).

wbtui is a coordination tool, not the legal file: a closed case is deleted from the local store
once its retention period has passed (configurable, signed off by the DSB), unless a legal hold
is set. Deletion is physical: ``secure_delete`` overwrites the freed pages, then the WAL is
checkpointed and truncated and the file vacuumed, so nothing of the case stays recoverable in
``wbtui.db``, ``-wal`` or ``-shm``. The audit trail keeps a content-free tombstone (case id,
counts, job); the free text of the case's audit entries, orphaned courses and the documents wbtui wrote
for the case go with it (:func:`wbtui.data.erase.delete_case`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from wbtui.data import audit
from wbtui.data.erase import delete_case, scrub


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
        return {
            "cutoff": self.cutoff.isoformat(),
            "due": sum(1 for c in self.candidates if not c.held),
            "held": sum(1 for c in self.candidates if c.held),
            "applied": self.applied,
            "deleted_cases": self.deleted_cases,
            "deleted_persons": self.deleted_persons,
            "rows": self.rows,
            "checkpoint_busy": self.checkpoint_busy,
        }


def plan(con, today: date, days: int) -> tuple[date, list[Candidate]]:
    """Closed cases whose retention period has passed (held ones flagged, not deleted)."""
    cutoff = today - timedelta(days=days)
    rows = con.execute(
        "SELECT c.id, c.person_id, c.closed_at, h.case_id IS NOT NULL FROM fbw_case c LEFT JOIN retention_hold h ON h.case_id = c.id"
        " WHERE c.stage = 'closed' AND c.closed_at IS NOT NULL AND substr(c.closed_at, 1, 10) < ? ORDER BY c.closed_at",
        (cutoff.isoformat(),),
    ).fetchall()
    return cutoff, [Candidate(r[0], r[1], r[2], bool(r[3])) for r in rows]


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
            audit.append(
                con, who, "retention", "fbw_case", object_id=cand.case_id, case_id=cand.case_id, detail=f"job {job[:8]}"
            )
            if purge_on_server:
                queue_purge(con, cand.case_id)
        audit.append(
            con,
            who,
            "retention",
            "store",
            detail=json.dumps(
                {
                    "job": job[:8],
                    "cutoff": cutoff.isoformat(),
                    "cases": result.deleted_cases,
                    "persons": result.deleted_persons,
                }
            ),
        )
    result.applied = True
    result.checkpoint_busy = scrub(store)
    return result


def hold(store, who: audit.Who, case_id: str, reason: str) -> None:
    from wbtui.domain.text import clean

    with store.transaction() as con:
        con.execute(
            "INSERT INTO retention_hold (case_id, reason, set_by, set_at) VALUES (?,?,?,?)"
            " ON CONFLICT(case_id) DO UPDATE SET reason = excluded.reason, set_by = excluded.set_by, set_at = excluded.set_at",
            (case_id, clean(reason), who.login, datetime.now(UTC).isoformat()),
        )
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
    enqueue(
        adapter,
        clock,
        "command",
        uuid.uuid4().hex,
        case_id,
        "command",
        {"name": "case.purge", "args": {"case_id": case_id, "reason": "retention"}},
    )
    save_clock(adapter, clock)


class _Driver:
    """A sqlite3 connection with the one SQLAlchemy method the sync recorder uses."""

    def __init__(self, con) -> None:
        self.con = con

    def exec_driver_sql(self, sql: str, params=()):
        return self.con.execute(sql, params)
