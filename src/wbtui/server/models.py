"""Server tables (SQLModel, own metadata): organisations, users, tokens, grants, field registers, feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Table, Text, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands a stored time back without its zone; the server stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def window_open(closes_at: datetime | None) -> bool:
    """A window closes itself at its end: nothing has to run for it to close."""
    return closes_at is not None and aware(closes_at) > now()


class ServerModel(SQLModel, registry=registry()):
    pass


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a model (SQLModel sets ``__table__`` at class creation, untyped)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


class SrvOrg(ServerModel, table=True):
    __tablename__ = "srv_org"
    id: str = Field(primary_key=True)
    name: str = Field(unique=True)
    kind: str


class SrvUser(ServerModel, table=True):
    __tablename__ = "srv_user"
    id: str = Field(primary_key=True)
    org_id: str = Field(foreign_key="srv_org.id", index=True)
    login: str = Field(unique=True)
    role: str
    team: str | None = None  # the device pins it at sync login: the read scope never comes from the TOML
    active: bool = True


class SrvToken(ServerModel, table=True):
    __tablename__ = "srv_token"
    id: str = Field(primary_key=True)
    user_id: str = Field(foreign_key="srv_user.id", index=True)
    secret_hash: str
    scopes: str  # space separated: read push admin
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime
    revoked_at: datetime | None = None


class SrvGrant(ServerModel, table=True):
    __tablename__ = "srv_grant"
    case_id: str = Field(primary_key=True)
    org_id: str = Field(primary_key=True, foreign_key="srv_org.id")
    access: str  # owner | referral
    groups: str = ""  # referral: the data groups covered now, comma-separated (server.coverage)
    lapses_on: str | None = None  # referral: the last day of the narrowest consent behind ``groups``


class SrvRowCase(ServerModel, table=True):
    __tablename__ = "srv_row_case"
    entity: str = Field(primary_key=True)
    row_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    org_id: str | None = None  # the office that created the row (follow-ups stay with it)
    art9: bool = False  # the row is health data itself (a health obstacle)


class SrvField(ServerModel, table=True):
    __tablename__ = "srv_field"
    entity: str = Field(primary_key=True)
    row_id: str = Field(primary_key=True)
    field: str = Field(primary_key=True)
    value: str | None = Field(default=None, sa_column=Column(Text))  # JSON
    hlc: str
    origin: str | None = None


class SrvAppend(ServerModel, table=True):
    __tablename__ = "srv_append"
    entity: str = Field(primary_key=True)
    row_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    data: str = Field(sa_column=Column(Text, nullable=False))
    hlc: str


class SrvApplied(ServerModel, table=True):
    __tablename__ = "srv_applied"
    change_id: str = Field(primary_key=True)
    org_id: str
    result: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=now)


class SrvFeed(ServerModel, table=True):
    """Per-organisation feed in commit order (PostgreSQL: gated on the transaction id)."""

    __tablename__ = "srv_feed"
    __table_args__ = (Index("ix_feed_org_tx_seq", "org_id", "tx_id", "seq"),)
    seq: int | None = Field(
        default=None,
        sa_column=Column(Integer().with_variant(BigInteger, "postgresql"), primary_key=True, autoincrement=True),
    )
    org_id: str
    tx_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    kind: str
    entity: str | None = None
    row_id: str | None = None
    case_id: str | None = None
    payload: str = Field(sa_column=Column(Text, nullable=False))
    # when the entry was written (the database's clock): compaction keeps recent entries untouched
    created_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), server_default=func.now())
    )


class SrvPurged(ServerModel, table=True):
    """Tombstone of an erased case (no content): no later write may bring it back."""

    __tablename__ = "srv_purged"
    case_id: str = Field(primary_key=True)
    purged_at: datetime = Field(default_factory=now)


class SrvCompaction(ServerModel, table=True):
    """How far an organisation's feed has been compacted; a cursor below this point must start again."""

    __tablename__ = "srv_compaction"
    org_id: str = Field(primary_key=True)
    tx_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    generation: int = 1  # counts compactions; a cursor from an earlier generation below the horizon gets 410
    compacted_at: datetime = Field(default_factory=now)
    removed: int = 0
    rewritten: int = 0


class SrvConflict(ServerModel, table=True):
    __tablename__ = "srv_conflict"
    conflict_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    entity: str
    row_id: str
    field: str
    kept_value: str | None = Field(default=None, sa_column=Column(Text))
    kept_hlc: str
    lost_value: str | None = Field(default=None, sa_column=Column(Text))
    lost_hlc: str
    status: str = "open"


class SrvAudit(ServerModel, table=True):
    __tablename__ = "srv_audit"
    id: int | None = Field(
        default=None,
        sa_column=Column(Integer().with_variant(BigInteger, "postgresql"), primary_key=True, autoincrement=True),
    )
    at: datetime = Field(default_factory=now)
    org_id: str | None = None
    user_id: str | None = None
    kind: str
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))  # ids and codes only, no Sozialdaten


class SrvUploadWindow(ServerModel, table=True):
    """An upload window the administrator opened for one login (server.admin.open_upload_window): until
    ``closes_at`` that login's first upload of a case new to the server may carry the other office's acts
    (domain/upload.py). One per login; opening again replaces it, closing sets ``closes_at`` to now."""

    __tablename__ = "srv_upload_window"
    user_id: str = Field(primary_key=True, foreign_key="srv_user.id")
    opened_at: datetime = Field(default_factory=now, sa_column=Column(DateTime(timezone=True), nullable=False))
    closes_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
