"""The sync service behind the HTTP routes: hello, push, pull, verify.

Authorisation uses only the caller's token (organisation, role, scopes); nothing in a request body
can widen what a caller may write or read. Pushes are checked by :mod:`wbtui.server.push`; what a
pull returns is cut by :mod:`wbtui.server.feed` to what the caller's organisation holds now.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator

from sqlalchemy import text
from sqlmodel import Session

from wbtui.domain.access import CASE_ROLES
from wbtui.domain.entities import HEX32
from wbtui.domain.permissions import role_fits_org
from wbtui.server.auth import Principal
from wbtui.server.feed import (
    OWNER,
    Grant,
    RowMeta,
    announce_writer,
    decode_groups,
    page,
    project_entry,
    project_snapshot,
    pull_state,
)
from wbtui.server.push import Push, Rejected
from wbtui.server.screen import keep, screen
from wbtui.server.store import scrub_after_purge
from wbtui.sync import protocol
from wbtui.sync.hlc import Clock

# push_changes: changes per push (a first upload fills it); push_bytes: on the wire, where a push may be
# gzip-compressed (push_gzip, server.inflate) to at most 16 MiB inflated
# push_after: a push may name the one before it and is applied after it (server.pipeline)
LIMITS = {"push_changes": 5000, "push_bytes": 1_048_576, "pull_page": 1000, "push_gzip": 1, "push_after": 1}
DUTY_ROLES = CASE_ROLES | {"dsb"}  # the DSB's device pushes exactly one thing: the retention purge


class UpgradeRequired(Exception):
    """The client's schema version lies outside what this server accepts (426)."""


class Gone(Exception):
    """The cursor points into a compacted part of the feed: the device must start again (410)."""


class SyncServer:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.clock = Clock("server")
        self._clock_lock = threading.Lock()

    def stamp(self) -> str:
        with self._clock_lock:
            return self.clock.now()

    # -- hello -----------------------------------------------------------------------------------------
    def hello(self, who: Principal, body: dict) -> dict:
        """Versions and limits, and who the caller is — nothing about other organisations."""
        lo, hi = protocol.SCHEMA_RANGE
        ok = protocol.accepts(body.get("schema_version")) and body.get("protocol") == protocol.PROTOCOL
        return {
            "protocol": protocol.PROTOCOL, "schema": {"min": lo, "max": hi}, "action": "ok" if ok else "upgrade_required",
            "server_hlc": self.stamp(), "org_id": who.org_id, "org_kind": who.org_kind, "org_name": who.org_name,
            "role": who.role, "login": who.login, "team": who.team, "limits": LIMITS,
        }  # fmt: skip

    # -- push ------------------------------------------------------------------------------------------
    def push(
        self, who: Principal, changes: list[dict], schema_version: int = protocol.SCHEMA_VERSION, conn=None
    ) -> dict:
        """Apply a batch in one transaction. Two pushes creating the same new rows at the same moment
        (PostgreSQL, several workers) collide on a key, or lock cases in a different order: the loser
        runs again and then sees the winner's rows. Every change is idempotent, so nothing is doubled.
        ``conn``: the request's connection (the one its token was read on), else one of the pool's."""
        from sqlalchemy.exc import DBAPIError

        if not protocol.accepts(schema_version):
            raise UpgradeRequired()
        if who.role not in DUTY_ROLES or not role_fits_org(who.org_kind, who.role):
            results = [{"change_id": c.get("change_id"), "status": "rejected", "reason": "forbidden"} for c in changes]
            return {"results": results, "server_hlc": self.stamp()}
        refused = screen(changes)  # the wrong shape, or more than may be appended (server.screen)
        todo = [change for i, change in enumerate(changes) if i not in refused]
        if conn is not None:
            conn.rollback()  # the token's read ends (a no-op in autocommit); the push is one transaction
            if self.dialect == "postgresql":  # out of the autocommit deps.authorized set for the reads
                conn.execution_options(isolation_level=conn.default_isolation_level)
        for attempt in range(6):
            try:
                with protocol.gc_paused(), Session(conn or self.engine, autoflush=False) as s:
                    announce_writer(s)
                    push = Push(s, who, schema_version, self.clock, self._clock_lock)
                    answers = iter(push.run(todo))
                    kept = keep(s, who.org_id, changes, refused) if refused else refused
                    s.commit()
                    push.batch.done()
                scrub_after_purge(self.engine, push.batch)  # an erased case leaves the files too (store.scrub)
                results = [kept[i] if i in kept else next(answers) for i in range(len(changes))]
                return {"results": results, "server_hlc": self.stamp()}
            except DBAPIError as exc:  # IntegrityError, deadlock, serialisation failure: run again
                message = str(getattr(exc, "orig", exc)).lower()
                retryable = (
                    "unique" in message or "duplicate" in message or "deadlock" in message or "serializ" in message
                )
                if not retryable or attempt == 5:
                    raise
                time.sleep(0.01 * (attempt + 1) + random.random() * 0.02)
        raise AssertionError("unreachable")

    # -- pull ------------------------------------------------------------------------------------------
    def pull(self, who: Principal, cursor: str | None, limit: int, conn=None) -> dict:
        """The next page of the caller's feed. ``conn``: the request's connection (routes: the one its token
        was read on; on PostgreSQL in autocommit), else one of its own."""
        if not may_read(who):
            raise Rejected("forbidden")
        try:
            tx, seq, generation = protocol.decode_cursor(cursor)
        except protocol.BadCursor:
            raise Rejected("validation") from None
        limit = max(1, min(limit, LIMITS["pull_page"]))
        if conn is None:
            with self.engine.connect() as own:  # one connection for the whole pull (each checkout costs a ping)
                return self._pull(own, who, tx, seq, generation, limit)
        return self._pull(conn, who, tx, seq, generation, limit)

    def _pull(self, conn, who: Principal, tx: int, seq: int, generation: int, limit: int) -> dict:
        from wbtui.server.office_time import office_today

        # three statements on PostgreSQL: what to check first (feed.pull_state), the page with the
        # grants of its cases, and the rows' metadata only if a case is held by referral
        state = pull_state(conn, self.dialect, who.org_id, office_today().isoformat())
        if state.lapsed:  # rare: settled in a transaction of its own before anything is read
            conn.rollback()
            self._settle(state.lapsed)
            state = pull_state(conn, self.dialect, who.org_id, office_today().isoformat())
        if state.horizon is not None:
            # a cursor read before the latest compaction and pointing below its horizon has lost entries
            h_tx, h_seq, current = state.horizon
            if (tx, seq) != (0, 0) and generation < current and self._position(tx, seq) < self._position(h_tx, h_seq):
                raise Gone()
            generation = current
        rows = page(conn, self.dialect, who.org_id, tx, seq, limit, state.gate)
        entries, grants = [], {}
        for row_tx, row_seq, kind, entity, row_id, case_id, payload, access, groups in rows:
            entries.append(
                {**json.loads(payload), "kind": kind, "entity": entity, "row_id": row_id, "case_id": case_id}
            )
            tx, seq = row_tx, row_seq
            if access is not None:
                grants[case_id] = Grant(access, decode_groups(groups))
        metas = _metas(conn, [c for c, g in grants.items() if g.access != OWNER])
        conn.rollback()  # nothing held open while the answer is built (a no-op in autocommit)
        changes = []
        for entry in entries:
            cut = project_entry(entry, grants.get(str(entry.get("case_id"))), metas, who.org_id)
            if cut is not None:
                changes.append(cut)
        return {
            "changes": changes,
            "cursor": protocol.encode_cursor(tx, seq, generation),
            "has_more": len(rows) == limit,
        }

    # -- snapshot bootstrap -----------------------------------------------------------------------------
    def snapshot(self, who: Principal, after: str | None, limit: int, form: int = 1) -> Iterator[bytes]:
        """One page of what the caller's organisation may see, read now, as NDJSON (server.snapshot).
        Read in full before the first byte is sent, so a failed read is an error answer, not a cut stream."""
        from wbtui.server import snapshot

        if not may_read(who):
            raise Rejected("forbidden")
        if after is not None and not HEX32.match(after):
            raise Rejected("validation")
        self._settle_lapsed(who.org_id)  # as a pull does: a consent that ran out no longer covers anything
        with protocol.gc_paused():  # thousands of rows read into short-lived objects (protocol.gc_paused)
            form = max(f for f in protocol.SNAPSHOT_FORMS if f <= form)
            cursor, cases, more, office = snapshot.read_page(self.engine, who.org_id, after, limit, form)
        return snapshot.encode_page(cursor, cases, more, after, office, form)

    # -- divergence check --------------------------------------------------------------------------------
    def verify(self, who: Principal, digests: dict[str, str], version: int) -> dict:
        """Compare a device's per-case digests with the server's; answer a snapshot for each case that
        differs (the device merges it like a grant). Only cases the caller's organisation holds, cut to
        what it may see — the digest is taken over that same projection."""
        if not protocol.accepts(version):
            raise UpgradeRequired()
        if not may_read(who):
            raise Rejected("forbidden")
        from wbtui.server import coverage

        ids = sorted(c for c in digests if isinstance(c, str) and HEX32.match(c))
        mismatched, snapshots, held = [], [], []
        with Session(self.engine) as s:
            push = Push(s, who, version, self.clock, self._clock_lock)
            push.batch.load_cases(ids)
            for case_id in ids:
                grant = push.batch.grants.get(case_id, {}).get(who.org_id)
                if grant is None or case_id in push.batch.purged:
                    continue
                held.append(case_id)
                snap, metas = coverage.snapshot(push, case_id)
                cut = project_snapshot(snap, grant, metas, who.org_id)
                if digests[case_id] != snapshot_digest(cut, version):
                    mismatched.append(case_id)
                    snapshots.append(cut)
            s.rollback()
        return {
            "checked": len(held),
            "mismatched": mismatched,
            "not_held": sorted(set(ids) - set(held)),
            "snapshots": snapshots,
        }

    def _settle_lapsed(self, org_id: str) -> None:
        """Referral grants of this organisation whose consent ran out by its date (no push changed it):
        cut down before anything is read, with a ``retract`` for the devices (README "Consent projection")."""
        with self.engine.connect() as conn:
            lapsed = _lapsed(conn, org_id)
        if lapsed:
            self._settle(lapsed)

    def _settle(self, lapsed: list[str]) -> None:
        from wbtui.server import coverage
        from wbtui.server.system import system_push

        with Session(self.engine, autoflush=False) as s:
            push = system_push(s)
            push.batch.load_cases(lapsed)
            coverage.settle(push)
            push.batch.write()
            s.commit()

    def _position(self, tx: int, seq: int) -> tuple[int, int]:
        """Feed order: (transaction, seq) on PostgreSQL, seq alone on SQLite."""
        return (tx, seq) if self.dialect == "postgresql" else (0, seq)


def may_read(who: Principal) -> bool:
    """Whether the caller may read case data (pull, snapshot, verify: one rule, attack 2 F9e): the read scope,
    a role that works on cases, and a role of the organisation's own side."""
    return "read" in who.scopes and who.role in CASE_ROLES and role_fits_org(who.org_kind, who.role)


def snapshot_digest(snapshot: dict, version: int) -> str:
    """The digest of a case as a device holding exactly this snapshot computes it (sync.client.local_digests)."""
    known = {e: set(protocol.fields_of(e, version)) for e in protocol.VERIFY_ENTITIES}
    registers = [
        (row["entity"], row["row_id"], name, spec["hlc"])
        for row in snapshot["rows"] if row["entity"] in known
        for name, spec in row["fields"].items() if name in known[row["entity"]]
    ]  # fmt: skip
    appends = [a["row_id"] for a in snapshot["appends"]]
    return protocol.case_digest(registers, appends)


def _lapsed(conn, org_id: str) -> list[str]:
    """The organisation's referral grants whose consent ran out before today (office time)."""
    from wbtui.server.office_time import office_today

    return [c for (c,) in conn.execute(
        text("SELECT case_id FROM srv_grant WHERE org_id = :org AND access = 'referral'"
             " AND lapses_on IS NOT NULL AND lapses_on < :day"),
        {"org": org_id, "day": office_today().isoformat()},
    )]  # fmt: skip


def _metas(conn, referral: list[str]) -> dict:
    """The metadata of the rows of the cases held by referral (what the consent projection needs)."""
    metas: dict = {}
    if referral:
        from sqlalchemy import bindparam

        for entity, row_id, case_id, origin, art9 in conn.execute(
            text("SELECT entity, row_id, case_id, org_id, art9 FROM srv_row_case WHERE case_id IN :cases").bindparams(
                bindparam("cases", expanding=True)
            ),
            {"cases": sorted(referral)},
        ):
            metas[(entity, row_id)] = RowMeta(case_id, origin, bool(art9))
    return metas
