"""Feed compaction (README "Compaction"): below a horizon, each organisation's feed keeps only
what a device starting from the beginning still needs.

Per case, in feed order:
- a ``revoke`` or ``purge`` ends the organisation's interest: it and every earlier entry of the
  case go (a later grant starts again with its own snapshot);
- ``erased`` entries (content removed by a purge) go;
- the ``set`` entries of one row become one, at the place of the row's first (so a row is still
  created with all its fields, parents before children), holding each field's last value.
  Registers only move forward (the server writes a ``set`` only when it wins by HLC), so the
  last entry per field carries its final value, and devices merge registers by HLC in any order;
- appends, grants and conflicts stay.

A device whose cursor lies at or above the horizon reads the same entries as before. A device
whose cursor lies strictly inside the compacted part is told to start again (410, ``reset``); a
new device (no cursor) simply reads the compacted feed, which is shorter.

The horizon is the newest entry older than ``keep_days``; on PostgreSQL it also lies below the
feed's gate (:func:`wbtui.server.feed.feed_gate`: no feed writer of this database still running beneath
it), so no entry can still appear beneath it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, text

from wbtui.server.feed import feed_gate
from wbtui.server.models import SrvCompaction, SrvOrg, table_of

CHUNK = 1000


@dataclass
class Result:
    org: str
    horizon: tuple[int, int] | None
    before: int = 0
    removed: int = 0
    rewritten: int = 0

    def as_dict(self) -> dict:
        return {
            "org": self.org,
            "horizon": list(self.horizon) if self.horizon else None,
            "entries_before": self.before,
            "removed": self.removed,
            "rewritten": self.rewritten,
            "entries_after": self.before - self.removed,
        }


def horizon(conn, org_id: str) -> tuple[int, int, int] | None:
    """(tx, seq, generation) of the organisation's latest compaction; cursors carry the generation."""
    row = conn.execute(
        text("SELECT tx_id, seq, generation FROM srv_compaction WHERE org_id = :org"), {"org": org_id}
    ).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def _find_horizon(conn, dialect: str, org_id: str, cutoff: datetime) -> tuple[int, int] | None:
    # only final entries (server.feed.feed_gate): a transaction in another database of the cluster does not
    # hold the horizon back, as the cluster-wide snapshot xmin would
    params: dict = {"org": org_id}
    gate = ""
    if dialect == "postgresql":
        gate, params["gate"] = " AND tx_id < :gate", feed_gate(conn)
    order = "tx_id DESC, seq DESC" if dialect == "postgresql" else "seq DESC"
    bound: datetime | str = cutoff
    if dialect != "postgresql":  # SQLite keeps CURRENT_TIMESTAMP as UTC text
        bound = cutoff.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    row = conn.execute(
        text(
            f"SELECT tx_id, seq FROM srv_feed WHERE org_id = :org AND (created_at IS NULL OR created_at <= :cutoff)"
            f"{gate} ORDER BY {order} LIMIT 1"
        ),
        {**params, "cutoff": bound},
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def _plan_case(entries: list[tuple]) -> tuple[list[int], list[tuple[int, str]]]:
    """Entries of one case in feed order -> (seqs to delete, (seq, new payload) to rewrite)."""
    delete: list[int] = []
    rewrite: list[tuple[int, str]] = []
    last_end = -1
    for i, (_seq, kind, *_rest) in enumerate(entries):
        if kind in ("revoke", "purge"):
            last_end = i
    first: dict[tuple[str, str], int] = {}  # row -> index of its first surviving set
    final: dict[tuple[str, str], dict] = {}  # row -> field -> last spec
    bodies: dict[int, dict] = {}
    for i, (seq, kind, entity, row_id, payload) in enumerate(entries):
        if i <= last_end or kind == "erased":
            delete.append(seq)
            continue
        if kind != "set":
            continue
        body = json.loads(payload)
        bodies[i] = body
        row = (entity, row_id)
        if row in first:
            delete.append(seq)
        else:
            first[row] = i
        final.setdefault(row, {}).update(body.get("fields") or {})
    for row, i in first.items():
        body = bodies[i]
        if body.get("fields") != final[row]:
            rewrite.append((entries[i][0], json.dumps({**body, "fields": final[row]})))
    return delete, rewrite


def compact_org(engine, org_id: str, cutoff: datetime, *, at: tuple[int, int] | None = None) -> Result:
    """Compact one organisation's feed up to the horizon for ``cutoff`` (or the given position)."""
    dialect = engine.dialect.name
    result = Result(org=org_id, horizon=None)
    with engine.begin() as conn:
        found = at or _find_horizon(conn, dialect, org_id, cutoff)
        last = horizon(conn, org_id)
        previous = last[:2] if last else None
        if found is None or (previous is not None and found <= previous):
            result.horizon = previous
            return result
        tx, seq = found
        below = "(tx_id, seq) <= (:tx, :seq)" if dialect == "postgresql" else "seq <= :seq"
        params = {"org": org_id, "tx": tx, "seq": seq}
        result.before = conn.execute(
            text(f"SELECT COUNT(*) FROM srv_feed WHERE org_id = :org AND {below}"), params
        ).scalar()
        rows = conn.execute(
            text(
                f"SELECT case_id, seq, kind, entity, row_id, payload FROM srv_feed WHERE org_id = :org AND {below}"
                " ORDER BY case_id, tx_id, seq"
            ).execution_options(stream_results=True, yield_per=CHUNK),
            params,
        )
        delete: list[int] = []
        rewrite: list[tuple[int, str]] = []
        current, entries = None, []  # type: tuple[str | None, list[tuple]]
        for case_id, row_seq, kind, entity, row_id, payload in rows:
            if case_id != current and entries:
                d, r = _plan_case(entries)
                delete += d
                rewrite += r
                entries = []
            current = case_id
            entries.append((row_seq, kind, entity, row_id, payload))
        if entries:
            d, r = _plan_case(entries)
            delete += d
            rewrite += r
        for i in range(0, len(delete), CHUNK):
            conn.execute(
                text("DELETE FROM srv_feed WHERE seq IN :seqs").bindparams(bindparam("seqs", expanding=True)),
                {"seqs": delete[i : i + CHUNK]},
            )
        if rewrite:
            conn.execute(
                text("UPDATE srv_feed SET payload = :payload WHERE seq = :seq"),
                [{"seq": s, "payload": p} for s, p in rewrite],
            )
        table = table_of(SrvCompaction)
        conn.execute(table.delete().where(table.c.org_id == org_id))
        conn.execute(
            table.insert().values(
                org_id=org_id,
                tx_id=tx,
                seq=seq,
                generation=(last[2] if last else 0) + 1,
                compacted_at=datetime.now(UTC),
                removed=len(delete),
                rewritten=len(rewrite),
            )
        )
        conn.execute(
            text("INSERT INTO srv_audit(at, org_id, kind, detail) VALUES (:at, :org, 'compaction', :detail)"),
            {
                "at": datetime.now(UTC),
                "org": org_id,
                "detail": json.dumps({"tx": tx, "seq": seq, "removed": len(delete), "rewritten": len(rewrite)}),
            },
        )
        result.horizon, result.removed, result.rewritten = found, len(delete), len(rewrite)
    return result


def compact(engine, *, keep_days: int, now: datetime | None = None) -> list[Result]:
    """Compact every organisation's feed, keeping the last ``keep_days`` days untouched."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    with engine.connect() as conn:
        orgs = [row[0] for row in conn.execute(text(f"SELECT id FROM {SrvOrg.__tablename__} ORDER BY name"))]
    results = [compact_org(engine, org, cutoff) for org in orgs]
    if any(r.removed or r.rewritten for r in results):
        from wbtui.server.store import scrub

        scrub(engine)  # overwritten values and withdrawn cases leave the SQLite server's WAL too
    return results
