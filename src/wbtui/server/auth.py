"""API tokens: random, stored as keyed hashes (HMAC-SHA256 with a pepper), scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

PREFIX = "wbt_"
SCOPES = ("read", "push", "admin")


@dataclass
class Principal:
    user_id: str
    login: str
    org_id: str
    org_kind: str
    role: str
    scopes: frozenset[str]
    token_id: str
    team: str | None = None  # the user's team (pinned on the device at sync login: services/identity.py)
    org_name: str = ""


def hash_secret(pepper: bytes, secret: str) -> str:
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def new_token() -> tuple[str, str, str]:
    """(token id, secret, full token as handed to the user once)."""
    token_id = uuid.uuid4().hex[:16]
    secret = secrets.token_urlsafe(32)
    return token_id, secret, f"{PREFIX}{token_id}.{secret}"


def parse(token: str) -> tuple[str, str] | None:
    if not token.startswith(PREFIX) or "." not in token:
        return None
    token_id, _, secret = token[len(PREFIX) :].partition(".")
    if not token_id or not secret:
        return None
    return token_id, secret


def authenticate(conn, pepper: bytes, header: str | None) -> Principal | None:
    """The caller of a ``Bearer`` header, or None; one query (token, user and organisation together) on a
    connection or session. Core columns, not ORM entities: it runs before every request, and building three
    ORM objects cost more CPU than the query's round trip (bench/profile_conc.py)."""
    if not header or not header.startswith("Bearer "):
        return None
    parsed = parse(header[7:].strip())
    if parsed is None:
        return None
    token_id, secret = parsed
    found = conn.execute(_token_query(), {"token_id": token_id}).first()
    expected = found.secret_hash if found else hash_secret(pepper, "dummy-" + secret)
    ok = hmac.compare_digest(expected, hash_secret(pepper, secret))  # constant time either way
    if found is None or not ok:
        return None
    expires = found.expires_at if found.expires_at.tzinfo else found.expires_at.replace(tzinfo=UTC)
    if found.revoked_at is not None or expires < datetime.now(UTC) or not found.active:
        return None
    return Principal(
        found.user_id, found.login, found.org_id, found.kind, found.role, frozenset(found.scopes.split()),
        found.token_id, found.team or None, found.name,
    )  # fmt: skip


@cache
def _token_query():
    """Built once: the statement's cache key is then found at once (typed columns: dates come back as dates
    on SQLite too)."""
    from sqlalchemy import bindparam, select

    from wbtui.server.models import SrvOrg, SrvToken, SrvUser, table_of

    token, user, org = table_of(SrvToken), table_of(SrvUser), table_of(SrvOrg)
    return (
        select(
            token.c.id.label("token_id"),
            token.c.secret_hash,
            token.c.scopes,
            token.c.expires_at,
            token.c.revoked_at,
            user.c.id.label("user_id"),
            user.c.login,
            user.c.role,
            user.c.team,
            user.c.active,
            org.c.id.label("org_id"),
            org.c.kind,
            org.c.name,
        )  # fmt: skip
        .join_from(token, user, user.c.id == token.c.user_id)
        .join(org, org.c.id == user.c.org_id)
        .where(token.c.id == bindparam("token_id"))
    )


def expiry(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)
