"""Administration of the central server: organisations, users, tokens, and where its secrets live."""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from wbtui import paths
from wbtui.domain.errors import WbtuiError
from wbtui.server.auth import SCOPES, expiry, hash_secret, new_token
from wbtui.server.models import SrvAudit, SrvOrg, SrvToken, SrvUploadWindow, SrvUser, aware, now, window_open

UPLOAD_WINDOW_MAX_HOURS = 168  # a week: a store's first upload, not a standing permission

ORG_KINDS = ("jobcenter_ge", "jobcenter_zkt", "agentur", "bildungstraeger", "kommunaler_dienst", "other")


def server_db_url() -> str:
    """PostgreSQL via ``WBTUI_SERVER_DB`` (keeps passwords off the command line); SQLite file otherwise."""
    url = os.environ.get("WBTUI_SERVER_DB")
    if url:
        return url
    directory = paths.private_dir(paths.data_dir())
    return f"sqlite:///{directory / 'server.db'}"


def pepper() -> bytes:
    """The HMAC key for token hashes: ``WBTUI_SERVER_PEPPER`` or a 0600 file next to the data."""
    env = os.environ.get("WBTUI_SERVER_PEPPER")
    if env:
        return env.encode()
    paths.restrict_umask()
    path: Path = paths.private_dir(paths.data_dir()) / "server.pepper"
    try:  # created 0600 in one step, never through a link; a second process finds it made
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        paths.private_file(path)  # a file of an older version is tightened
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode()


def add_org(engine, name: str, kind: str) -> str:
    if kind not in ORG_KINDS:
        raise WbtuiError("err.bad_choice", field="--kind", value=kind, choices=", ".join(ORG_KINDS))
    with Session(engine) as s:
        if s.exec(select(SrvOrg).where(SrvOrg.name == name)).first():
            raise WbtuiError("err.srv_exists", what=name)
        org = SrvOrg(id=uuid.uuid4().hex, name=name, kind=kind)
        s.add(org)
        s.commit()
        return org.id


def add_user(engine, login: str, org_name: str, role: str, team: str | None = None) -> str:
    from wbtui.domain.permissions import role_fits_org
    from wbtui.domain.process import ROLES

    if role not in ROLES:
        raise WbtuiError("err.bad_choice", field="--role", value=role, choices=", ".join(ROLES))
    with Session(engine) as s:
        org = s.exec(select(SrvOrg).where(SrvOrg.name == org_name)).first()
        if org is None:
            raise WbtuiError("err.srv_unknown", what=org_name)
        if not role_fits_org(org.kind, role):  # a Jobcenter role in an Agentur would act for the wrong side
            raise WbtuiError("err.srv_role_org", role=role, kind=org.kind)
        if s.exec(select(SrvUser).where(SrvUser.login == login)).first():
            raise WbtuiError("err.srv_exists", what=login)
        from wbtui.domain.text import clean

        team = clean(team).strip()[:100] if team else None
        user = SrvUser(id=uuid.uuid4().hex, org_id=org.id, login=login, role=role, team=team or None)
        s.add(user)
        s.commit()
        return user.id


def issue_token(engine, key: bytes, login: str, scopes: list[str], days: int) -> tuple[str, str]:
    bad = [sc for sc in scopes if sc not in SCOPES]
    if bad or not scopes:
        raise WbtuiError("err.bad_choice", field="--scope", value=",".join(bad), choices=", ".join(SCOPES))
    if not 1 <= days <= 90:
        raise WbtuiError("err.bad_int", field="--days", value=str(days))
    with Session(engine) as s:
        user = s.exec(select(SrvUser).where(SrvUser.login == login)).first()
        if user is None:
            raise WbtuiError("err.srv_unknown", what=login)
        token_id, secret, token = new_token()
        s.add(
            SrvToken(
                id=token_id,
                user_id=user.id,
                secret_hash=hash_secret(key, secret),
                scopes=" ".join(sorted(set(scopes))),
                expires_at=expiry(days),
            )
        )
        s.add(SrvAudit(org_id=user.org_id, user_id=user.id, kind="token_issued", detail=token_id))
        s.commit()
        return token_id, token


def revoke_token(engine, token_id: str) -> None:
    with Session(engine) as s:
        token = s.get(SrvToken, token_id)
        if token is None:
            raise WbtuiError("err.srv_unknown", what=token_id)
        token.revoked_at = now()
        s.add(token)
        s.add(SrvAudit(kind="token_revoked", detail=token_id))
        s.commit()


def revoke_case_access(engine, case_id: str, org_name: str) -> None:
    """Administration: withdraw an organisation's access to a case (its devices delete it at the next sync)."""
    from wbtui.server.system import revoke_grant

    with Session(engine) as s:
        org = s.exec(select(SrvOrg).where(SrvOrg.name == org_name)).first()
        if org is None:
            raise WbtuiError("err.srv_unknown", what=org_name)
        if not revoke_grant(s, case_id, org.id, reason="admin"):
            raise WbtuiError("err.srv_unknown", what=f"{org_name}: {case_id[:8]}")
        s.commit()


def open_upload_window(engine, login: str, hours: int) -> datetime:
    """Administration: for ``hours`` the login's first upload of a case new to the server may carry the other
    office's acts (a store both offices worked in, or one that imported the Agentur's feedback file;
    domain/upload.py). Opening again replaces the window. Returns when it closes."""
    if not 1 <= hours <= UPLOAD_WINDOW_MAX_HOURS:
        raise WbtuiError("err.bad_int", field="--hours", value=str(hours))
    with Session(engine) as s:
        user = s.exec(select(SrvUser).where(SrvUser.login == login)).first()
        if user is None:
            raise WbtuiError("err.srv_unknown", what=login)
        opened = now()
        closes = opened + timedelta(hours=hours)
        window = s.get(SrvUploadWindow, user.id) or SrvUploadWindow(user_id=user.id, closes_at=closes)
        window.opened_at, window.closes_at = opened, closes
        s.add(window)
        s.add(SrvAudit(org_id=user.org_id, user_id=user.id, kind="upload_window_opened", detail=f"hours={hours}"))
        s.commit()
        return closes


def close_upload_window(engine, login: str) -> None:
    """Administration: end the login's upload window now."""
    with Session(engine) as s:
        user = s.exec(select(SrvUser).where(SrvUser.login == login)).first()
        window = s.get(SrvUploadWindow, user.id) if user is not None else None
        if user is None or window is None or not window_open(window.closes_at):
            raise WbtuiError("err.srv_unknown", what=login)
        window.closes_at = now()
        s.add(window)
        s.add(SrvAudit(org_id=user.org_id, user_id=user.id, kind="upload_window_closed", detail=""))
        s.commit()


def upload_windows(engine) -> list[tuple[str, datetime, datetime]]:
    """The open upload windows: login, opened, closes."""
    with Session(engine) as s:
        rows = s.exec(select(SrvUser.login, SrvUploadWindow.opened_at, SrvUploadWindow.closes_at).join(
            SrvUploadWindow, col(SrvUploadWindow.user_id) == col(SrvUser.id)).order_by(SrvUser.login)).all()  # fmt: skip
    return [(login, aware(opened), aware(closes)) for login, opened, closes in rows if window_open(closes)]
