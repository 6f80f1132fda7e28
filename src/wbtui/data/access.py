"""The store side of the access policy: what the policy needs to know about a case, and break-glass
records. The policy itself (roles, scopes, organisation walls) is :mod:`wbtui.domain.access`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from wbtui.data.store import execute
from wbtui.domain.access import (
    AGENTUR_ROLES,
    BREAK_GLASS_HOURS,
    CASE_READ,
    MIN_REASON,
    AccessDenied,
    CaseRef,
    Subject,
    decide,
)


def case_ref(conn, case_id: str, agentur_side: bool = False) -> CaseRef | None:
    column = "agentur_org_id" if agentur_side else "jobcenter_org_id"
    row = execute(
        conn,
        "SELECT c.jobcenter_org_id, c.agentur_org_id, c.owner_user_id, u.team,"
        f" c.{column} IS NULL OR EXISTS (SELECT 1 FROM organisation o WHERE o.id = c.{column}),"
        " EXISTS (SELECT 1 FROM handover h WHERE h.case_id = c.id)"
        " FROM fbw_case c LEFT JOIN app_user u ON u.id = c.owner_user_id WHERE c.id = ?",
        (case_id,),
    ).fetchone()
    return CaseRef(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5])) if row else None


def break_glass_active(conn, login: str, case_id: str, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    row = execute(
        conn,
        "SELECT 1 FROM break_glass WHERE actor = ? AND case_id = ? AND expires_at > ? LIMIT 1",
        (login, case_id, now.isoformat()),
    ).fetchone()
    return row is not None


def check(conn, subject: Subject, case_id: str, permission: str = CASE_READ) -> None:
    """Raise :class:`AccessDenied` unless ``subject`` may use ``permission`` on the case now."""
    ref = case_ref(conn, case_id, subject.role in AGENTUR_ROLES)
    if ref is None:
        return  # not found is reported by the caller
    verdict = decide(subject, ref, permission, break_glass_active=break_glass_active(conn, subject.login, case_id))
    if verdict == "allow":
        return
    if verdict == "break_glass":
        raise AccessDenied("err.break_glass_needed", break_glass=True, ref=case_id[:8])
    raise AccessDenied("err.access_denied", ref=case_id[:8])


def open_break_glass(conn, subject: Subject, case_id: str, reason: str, who, now: datetime | None = None) -> datetime:
    """Record a break-glass access (inside the caller's write transaction) and audit it; returns the expiry."""
    from wbtui.data import audit
    from wbtui.domain.text import clean

    reason = clean(reason).strip()
    if len(reason) < MIN_REASON:
        raise AccessDenied("err.break_glass_reason", break_glass=True, n=MIN_REASON)
    ref = case_ref(conn, case_id, subject.role in AGENTUR_ROLES)
    if ref is None or decide(subject, ref, CASE_READ, break_glass_active=True) != "allow":
        raise AccessDenied("err.access_denied", ref=case_id[:8])
    now = now or datetime.now(UTC)
    expires = now + timedelta(hours=BREAK_GLASS_HOURS)
    execute(
        conn,
        "INSERT INTO break_glass (id, actor, case_id, reason, started_at, expires_at) VALUES (?,?,?,?,?,?)",
        (uuid.uuid4().hex, subject.login, case_id, reason, now.isoformat(), expires.isoformat()),
    )
    audit.append(
        conn,
        who,
        "break_glass",
        "fbw_case",
        object_id=case_id,
        case_id=case_id,
        reason=reason,
        detail=f"bis {expires.isoformat(timespec='minutes')}",
    )
    return expires
