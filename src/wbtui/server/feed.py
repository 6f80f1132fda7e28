"""Each organisation's feed: what is written into it, and what a pull returns from it.

An organisation holds a case as its ``owner`` (the office that created it, normally the Jobcenter) or
by ``referral`` (the Agentur after the handover). The owner receives every change. A referral holder
receives the consent projection of :mod:`wbtui.domain.projection`, twice enforced:

* when an entry is written, only the rows and fields its grant covers go into its feed;
* when a pull reads entries, each one is cut again to the grant as it is *now* — entries of a case
  whose grant was withdrawn are not returned at all, with any cursor or none, and content covered
  when it was written but not any more (a revoked consent) is left out.

When coverage widens (a new consent), the holder gets a fresh snapshot; when it narrows, a ``retract``
entry tells its devices which rows and fields to delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, text

from wbtui.domain.entities import ART9_CODES, OFFICE_SCOPE
from wbtui.domain.projection import project_event, project_package, row_visible, visible_fields
from wbtui.server.models import SrvFeed, table_of

OWNER, REFERRAL = "owner", "referral"


@dataclass
class Grant:
    access: str  # owner | referral
    groups: frozenset[str]  # for a referral: the data groups covered now
    lapses_on: date | None = None  # the last day a consent behind ``groups`` covers (server.coverage)

    def lapsed(self, today: date) -> bool:
        return self.lapses_on is not None and today > self.lapses_on


@dataclass
class RowMeta:
    case_id: str
    org_id: str | None  # the office that created the row (follow-ups stay with it)
    art9: bool = False  # the row itself is health data (a health obstacle)


def encode_groups(groups: frozenset[str]) -> str:
    return ",".join(sorted(groups))


def decode_groups(text_: str | None) -> frozenset[str]:
    return frozenset(g for g in (text_ or "").split(",") if g)


# -- cutting one entry to a grant ------------------------------------------------------------------------


def project_set(entity: str, fields: dict, grant: Grant, meta: RowMeta | None, org_id: str) -> dict | None:
    """The fields of a ``set`` entry this holder may receive (None: nothing of this row)."""
    if grant.access == OWNER:
        return fields
    art9 = bool(meta and meta.art9)
    own = bool(meta and meta.org_id == org_id)
    if not row_visible(entity, grant.groups, art9_row=art9, own_row=own):
        return None
    keep = visible_fields(entity, fields, grant.groups)
    out = {name: fields[name] for name in keep}
    if entity == "handover" and "package" in out and isinstance(out["package"], dict):
        spec = out["package"]
        if isinstance(spec.get("v"), dict):
            out["package"] = {**spec, "v": project_package(spec["v"], grant.groups, ART9_CODES)}
    return out or None


def project_append(
    entity: str, data: dict, grant: Grant, meta: RowMeta | None = None, org_id: str | None = None
) -> dict | None:
    """An appended entry as ``org_id`` may read it; ``meta``: the entry's row, naming the office that wrote it
    (the owning office's follow-ups and reassignments stay with it: domain/projection.OFFICE_EVENTS)."""
    if grant.access == OWNER or entity != "event":
        return data
    own = meta is not None and org_id is not None and meta.org_id == org_id
    return project_event(data, grant.groups, ART9_CODES, own_row=own)


def project_snapshot(snapshot: dict, grant: Grant, metas: dict[tuple[str, str], RowMeta], org_id: str) -> dict:
    rows = []
    for row in snapshot["rows"]:
        fields = project_set(row["entity"], row["fields"], grant, metas.get((row["entity"], row["row_id"])), org_id)
        if fields:
            rows.append({**row, "fields": fields})
    appends = []
    for item in snapshot["appends"]:
        data = project_append(item["entity"], item["data"], grant, metas.get((item["entity"], item["row_id"])), org_id)
        if data is not None:
            appends.append({**item, "data": data})
    return {**snapshot, "rows": rows, "appends": appends}


def project_entry(entry: dict, grant: Grant | None, metas: dict[tuple[str, str], RowMeta], org_id: str) -> dict | None:
    """One feed entry as the holder may read it now (None: not at all)."""
    kind = entry["kind"]
    if kind in ("revoke", "purge", "erased"):
        return entry  # content-free: a device must still learn that the case is gone
    if str(entry.get("case_id") or "").startswith(OFFICE_SCOPE):
        return entry  # the office's own row (an absence): only ever written to that office's feed
    if grant is None:
        return None  # the grant was withdrawn: nothing of the case, whatever the cursor
    if grant.access == OWNER:
        return entry
    if kind == "set":
        fields = project_set(
            entry["entity"], entry.get("fields") or {}, grant, metas.get((entry["entity"], entry["row_id"])), org_id
        )
        return {**entry, "fields": fields} if fields else None
    if kind == "append":
        meta = metas.get((str(entry.get("entity")), str(entry.get("row_id"))))
        data = project_append(entry["entity"], entry.get("data") or {}, grant, meta, org_id)
        return {**entry, "data": data} if data is not None else None
    if kind == "grant":
        return project_snapshot(entry, grant, metas, org_id)
    if kind == "conflict":
        entity, field = str(entry.get("entity")), str(entry.get("field"))
        meta = metas.get((entity, str(entry.get("row_id"))))
        if project_set(entity, {field: entry.get("kept")}, grant, meta, org_id) is None:
            return None
        return entry
    return entry


# -- writing -----------------------------------------------------------------------------------------


def feed_row(
    org_id: str, kind: str, entity: str | None, row_id: str | None, case_id: str | None, payload: dict
) -> dict:
    return {
        "org_id": org_id,
        "kind": kind,
        "entity": entity,
        "row_id": row_id,
        "case_id": case_id,
        "payload": json.dumps(payload),
    }


def insert_now(s, row: dict) -> None:
    """Outside a push (administration): one entry; on PostgreSQL the column default stamps the transaction."""
    s.execute(insert(table_of(SrvFeed)).values(**row))


# -- reading -----------------------------------------------------------------------------------------


def page(conn, dialect: str, org_id: str, tx: int, seq: int, limit: int, gate: int | None = None) -> list:
    """The next entries of an organisation's feed in commit order, each with the organisation's grant for
    its case as it is now (access and groups; None: no grant) — read in the same statement.

    PostgreSQL: only entries below the oldest transaction still writing the feed are returned, so a
    transaction that commits late cannot slip in behind a cursor (:func:`feed_gate`; ``gate``: one read
    in an earlier statement, as :func:`pull_state` does). Feed writers announce themselves with a shared
    advisory lock (``FEED_LOCK``); the gate looks at them only, not at every transaction of the cluster,
    so unrelated long transactions do not hold the feed back."""
    grant = " LEFT JOIN srv_grant g ON g.org_id = :org AND g.case_id = f.case_id"
    if dialect == "postgresql":
        sql = text(
            "SELECT f.tx_id, f.seq, f.kind, f.entity, f.row_id, f.case_id, f.payload, g.access, g.groups FROM"
            " (SELECT tx_id, seq, kind, entity, row_id, case_id, payload FROM srv_feed"
            "  WHERE org_id = :org AND (tx_id, seq) > (:tx, :seq) AND tx_id < :gate"
            f"  ORDER BY tx_id, seq LIMIT :limit) f{grant} ORDER BY f.tx_id, f.seq"
        )
        gate = feed_gate(conn) if gate is None else gate
        return conn.execute(sql, {"org": org_id, "tx": tx, "seq": seq, "limit": limit, "gate": gate}).fetchall()
    sql = text(
        "SELECT f.tx_id, f.seq, f.kind, f.entity, f.row_id, f.case_id, f.payload, g.access, g.groups FROM"
        " (SELECT tx_id, seq, kind, entity, row_id, case_id, payload FROM srv_feed"
        f"  WHERE org_id = :org AND seq > :seq ORDER BY seq LIMIT :limit) f{grant} ORDER BY f.seq"
    )
    return conn.execute(sql, {"org": org_id, "tx": tx, "seq": seq, "limit": limit}).fetchall()


FEED_LOCK = 0x77627475  # "wbtu": advisory lock key held (shared) by every transaction that writes the feed


def announce_writer(s) -> None:
    """PostgreSQL: mark this transaction as a feed writer (the lock goes with commit or rollback).

    The lock is taken *before* the transaction has an id, so a reader that does not see it yet
    knows the id it will get lies at or above the reader's ``xmax`` (see :func:`feed_gate`); the id is
    then taken in the same statement (a target list is evaluated left to right), one round trip."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock_shared(:key), pg_current_xact_id()"), {"key": FEED_LOCK})


# The running feed writers of this database, by transaction id (read live, while the statement runs)
_WRITERS = (
    "SELECT a.backend_xid::text::bigint FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = :key AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND a.backend_xid IS NOT NULL AND l.pid <> pg_backend_pid()"
)
_XMAX = "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"


def feed_gate(conn) -> int:
    """Entries of transactions below this id are final: no feed writer below it is still running.

    First the next transaction id to be handed out (``xmax``), then the ids of the running feed
    writers: a writer not yet holding an id when they are read will get one at or above ``xmax``. Both
    in one statement: its snapshot (``xmax``) is taken before it runs, the lock table is read while it
    runs. Unrelated transactions elsewhere on the cluster do not hold the feed back, nor do the feed
    writers of another database on the same cluster (advisory locks are cluster-wide: filtered by database).
    The statement must not share a transaction with an earlier read of ``pg_stat_activity`` (PostgreSQL
    keeps that view's first reading for the transaction): callers read it once per transaction."""
    xmax, writers = conn.execute(text(f"SELECT {_XMAX}, ARRAY({_WRITERS})"), {"key": FEED_LOCK}).one()
    return gate_of(int(xmax), writers)


def gate_of(xmax: int, writers) -> int:
    gate = xmax
    for xid32 in writers or ():
        # backend_xid is the 32-bit id; widen it with the epoch of xmax (the ids on the feed are 64-bit)
        full = (xmax >> 32 << 32) | int(xid32)
        if full > xmax:
            full -= 1 << 32
        gate = min(gate, full)
    return gate


@dataclass
class PullState:
    """What a pull reads before its page: referral grants whose consent ran out, the latest compaction,
    and (PostgreSQL) the feed gate."""

    lapsed: list[str]
    horizon: tuple[int, int, int] | None
    gate: int | None


def pull_state(conn, dialect: str, org_id: str, day: str) -> PullState:
    """One statement on PostgreSQL (each is a round trip); the page must then be read by a later one, so it
    sees every writer below the gate committed."""
    lapsed = (
        "SELECT case_id FROM srv_grant WHERE org_id = :org AND access = 'referral'"
        " AND lapses_on IS NOT NULL AND lapses_on < :day"
    )
    compaction = "SELECT tx_id, seq, generation FROM srv_compaction WHERE org_id = :org"
    params = {"org": org_id, "day": day, "key": FEED_LOCK}
    if dialect != "postgresql":
        row = conn.execute(text(compaction), params).fetchone()
        cases = [c for (c,) in conn.execute(text(lapsed), params)]
        return PullState(cases, (int(row[0]), int(row[1]), int(row[2])) if row else None, None)
    found = conn.execute(
        text(
            f"SELECT {_XMAX}, ARRAY({_WRITERS}), ARRAY({lapsed}),"
            " (SELECT ARRAY[tx_id, seq, generation] FROM srv_compaction WHERE org_id = :org)"
        ),
        params,
    ).one()
    xmax, writers, cases, horizon = found
    return PullState(list(cases), tuple(int(x) for x in horizon) if horizon else None, gate_of(int(xmax), writers))  # type: ignore[arg-type]
