"""The server as a witness of each device's audit trail (README "Audit trail", issue #13).

At every sync a device reports the newest entry of its audit chain (``POST /sync/v1/anchor``: store id,
sequence number, hash, and what its chain holds at the entry the server kept). The server keeps the
furthest head it has seen per organisation and store (everyone of the office who syncs that store, its
DSB included, sees the same anchor)
(:func:`wbtui.domain.anchor.advance`) and answers with it; a report that goes backwards (entries deleted
or rewritten on the device since) is kept out and recorded in the server's own audit (``srv_audit``,
kind ``anchor_regression``). ``wbtui audit verify`` asks for the kept head (``GET /sync/v1/anchor``) and
compares it with the chain on the device. The caller is identified by its token only; it reads and
writes only its own organisation's anchors. Nothing of a case is involved: ids, counts and hashes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from wbtui.domain.anchor import Head, advance, parse
from wbtui.server.models import SrvAudit, table_of

metadata = MetaData()
ANCHORS = Table(
    "srv_audit_anchor",
    metadata,
    Column("org_id", String(64), primary_key=True),
    Column("store_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class Since(BaseModel):
    """What the device's chain holds now at the entry the server kept (``hash`` None: it is gone)."""

    model_config = ConfigDict(extra="forbid")
    seq: int = Field(gt=0, lt=2**62)
    hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class AnchorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    seq: int = Field(gt=0, lt=2**62)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    since: Since | None = None


def kept(conn, org_id: str, store_id: str, *, lock: bool = False) -> Head | None:
    query = select(ANCHORS.c.seq, ANCHORS.c.hash).where(ANCHORS.c.org_id == org_id, ANCHORS.c.store_id == store_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return parse({"seq": row[0], "hash": row[1]}) if row else None


def report(engine, who, store_id: str, head: Head, since: tuple[int, str | None] | None = None) -> tuple[Head, bool]:
    """Take a device's report; returns the head kept and whether the report went backwards."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                before = kept(conn, who.org_id, store_id, lock=True)
                if before is not None and since is not None and since[0] == before.seq:
                    after, regression = advance(before, head, since[1])
                else:
                    after, regression = advance(before, head)
                now = datetime.now(UTC)
                if before is None:
                    conn.execute(
                        insert(ANCHORS).values(
                            org_id=who.org_id, store_id=store_id, seq=after.seq, hash=after.hash, updated_at=now
                        )
                    )
                elif after != before:
                    conn.execute(
                        update(ANCHORS)
                        .where(ANCHORS.c.org_id == who.org_id, ANCHORS.c.store_id == store_id)
                        .values(seq=after.seq, hash=after.hash, updated_at=now)
                    )
                if regression:
                    conn.execute(
                        insert(table_of(SrvAudit)).values(
                            at=now,
                            org_id=who.org_id,
                            user_id=who.user_id,
                            kind="anchor_regression",
                            detail=f"store {store_id}: reported {head.seq}, kept {after.seq}",
                        )
                    )
            return after, regression
        except IntegrityError:  # two first reports of the same store at once: read the winner's
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def register(app, engine, principal) -> None:
    """Add the two routes to the sync API (``principal``: the token dependency of :mod:`wbtui.server.deps`)."""
    metadata.create_all(engine)

    @app.post("/sync/v1/anchor")
    def post_anchor(body: AnchorBody, who=Depends(principal)) -> dict:
        if "push" not in who.scopes:
            raise HTTPException(status_code=403, detail="token lacks the push scope")
        since = (body.since.seq, body.since.hash) if body.since else None
        after, regression = report(engine, who, body.store_id, Head(body.seq, body.hash), since)
        return {"anchor": after.as_dict(), "regression": regression}

    @app.get("/sync/v1/anchor")
    def get_anchor(store_id: str = Query(pattern=r"^[0-9a-f]{32}$"), who=Depends(principal)) -> dict:
        with engine.connect() as conn:
            head = kept(conn, who.org_id, store_id)
        return {"anchor": head.as_dict() if head else None}
