"""Handover grants, revocations and purges made by the server itself (administration, retention), through
the same push machinery and commands a device's changes go through (:mod:`wbtui.server.commands`)."""

from __future__ import annotations

import json

from wbtui.server.commands import purge, revoke
from wbtui.server.feed import REFERRAL
from wbtui.server.models import now
from wbtui.server.push import Push


def system_push(s):
    """A push context for administrative changes (no device): the server's view of cases, writable."""
    import threading

    from wbtui.server.auth import Principal
    from wbtui.server.feed import announce_writer
    from wbtui.sync import protocol
    from wbtui.sync.hlc import Clock

    announce_writer(s)
    who = Principal("system", "system", "", "", "admin", frozenset(), "")
    return Push(s, who, protocol.SCHEMA_VERSION, Clock("server-admin"), threading.Lock())


def grant_referral(s, case_id: str, org_id: str) -> bool:
    """Give an organisation referral access with a snapshot cut to the current coverage."""
    from wbtui.server import coverage

    push = system_push(s)
    push.batch.load_cases([case_id])
    holders = push.batch.grants.get(case_id, {})
    if not holders or org_id in holders:
        return False
    grant = coverage.referral_for(push, case_id, push.today(None))
    push.batch.set_grant(case_id, org_id, grant)
    coverage.send_snapshot(push, case_id, org_id, grant)
    push.batch.write()
    return True


def revoke_grant(s, case_id: str, org_id: str, *, reason: str) -> bool:
    push = system_push(s)
    push.batch.load_cases([case_id])
    grant = push.batch.grants.get(case_id, {}).get(org_id)
    if grant is None or grant.access != REFERRAL:
        return False
    revoke(s, push.batch, case_id, org_id, reason=reason)
    push.batch.emit("audit", {"org_id": None, "user_id": None, "kind": "revoke", "at": now(),
                              "detail": json.dumps({"case": case_id, "org": org_id, "reason": reason})})  # fmt: skip
    push.batch.write()
    return True


def purge_case(s, case_id: str, *, reason: str) -> int:
    push = system_push(s)
    push.batch.load_cases([case_id])
    holders = purge(s, push.batch, case_id, reason=reason)
    push.batch.emit("audit", {"org_id": None, "user_id": None, "kind": "purge", "at": now(),
                              "detail": json.dumps({"case": case_id, "orgs": holders, "reason": reason})})  # fmt: skip
    push.batch.write()
    return holders
