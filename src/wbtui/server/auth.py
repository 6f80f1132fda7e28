"""API tokens: random, stored as keyed hashes (HMAC-SHA256 with a pepper), scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


def authenticate(session, pepper: bytes, header: str | None) -> Principal | None:
    """The caller of a ``Bearer`` header, or None; one query (token, user and organisation together)."""
    from sqlmodel import col, select

    from wbtui.server.models import SrvOrg, SrvToken, SrvUser

    if not header or not header.startswith("Bearer "):
        return None
    parsed = parse(header[7:].strip())
    if parsed is None:
        return None
    token_id, secret = parsed
    found = session.exec(
        select(SrvToken, SrvUser, SrvOrg)
        .join(SrvUser, col(SrvUser.id) == col(SrvToken.user_id))
        .join(SrvOrg, col(SrvOrg.id) == col(SrvUser.org_id))
        .where(SrvToken.id == token_id)
    ).first()
    expected = found[0].secret_hash if found else hash_secret(pepper, "dummy-" + secret)
    ok = hmac.compare_digest(expected, hash_secret(pepper, secret))  # constant time either way
    if found is None or not ok:
        return None
    token, user, org = found
    expires = token.expires_at if token.expires_at.tzinfo else token.expires_at.replace(tzinfo=UTC)
    if token.revoked_at is not None or expires < datetime.now(UTC) or not user.active:
        return None
    return Principal(
        user.id, user.login, org.id, org.kind, user.role, frozenset(token.scopes.split()), token.id,
        user.team or None, org.name,
    )  # fmt: skip


def expiry(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)
