"""Data-protection use cases, each with its permission check inside (README "Data protection").

* The audit trail: reading it (list, the DSB's screen) and exporting it are themselves audited
  before anything is returned; verifying the hash chain reads hashes only.
* Retention: the dry run, the deletion and legal holds (roles with ``retention.run``).
* The Art. 15 Auskunft (``subject.access``).

The CLI and the TUI call these functions; the mechanics live beside them: the chain in
:mod:`wbtui.data.audit`, planning and erasure in :mod:`wbtui.services.retention`, collecting a
person's data in :mod:`wbtui.services.subject_access`.
"""

from __future__ import annotations

import uuid
from datetime import date

from wbtui.data import audit
from wbtui.data.audit_verify import Verification, check_anchor
from wbtui.domain import access
from wbtui.services import retention, subject_access

# -- the audit trail ------------------------------------------------------------------------------


def read_trail(
    services, *, case: str | None = None, actor: str | None = None, since: str | None = None, limit: int | None = None
) -> list[dict]:
    """Entries, newest first, filtered by case (reference or Kundennummer), actor login and start date."""
    services.require(access.AUDIT_READ)
    case_hex = services.resolve(case).hex if case else None
    services.audit("read", "audit_log", case_id=case_hex, detail=f"actor={actor or '*'}")
    return _entries(services, case_id=case_hex, actor=actor, since=since, limit=limit)


def verify_trail(services, *, server: bool = True) -> Verification:
    """Check the chain: every entry against its key and predecessor, the end against the anchor kept outside
    the store, and (with a server configured, ``server``) against the anchor the server keeps.

    Open to every user of the store (README "Audit trail"): the answer reveals no content — intact or the
    first bad sequence number and what is missing — so a caseworker whose role the server pinned, and the
    DSB checking a copy (``--db``), can both run it. It writes nothing (no entry, no anchor): checking a copy
    must not change it, and no personal data is read."""
    con = services.store.raw()
    try:
        result = audit.verify(con)
    finally:
        con.close()
    if not server or not result.ok:
        return result
    from wbtui.services.sync import server_anchor

    head, result.server = server_anchor(services.store, services.config)
    if head is None:
        return result
    con = services.store.raw()
    try:
        return check_anchor(con, result, head, "server")
    finally:
        con.close()


def verification_text(result: Verification) -> str:
    """One line on the state of the chain: intact, or the first damage and what is missing."""
    from wbtui.i18n import t

    if result.ok:
        return t("cli.audit_ok", n=result.entries, head=result.head[:16])
    witness = t("cli.audit_witness." + result.witness)
    problem = result.problem or "changed"
    if problem == "gap":
        return t("cli.audit_gap", seq=result.first_bad_seq, first=result.missing_from, last=result.missing_to)
    if problem == "missing":
        return t("cli.audit_missing", first=result.missing_from, last=result.missing_to, witness=witness)
    if problem == "emptied":
        return t("cli.audit_emptied", last=result.missing_to, witness=witness)
    if problem == "key_missing":
        return t("cli.audit_key_missing", seq=result.first_bad_seq, path=result.file)
    if problem == "anchor_missing":
        return t("cli.audit_anchor_missing", path=result.file)
    if problem == "anchor_unsigned":
        return t("cli.audit_anchor_unsigned", path=result.file)
    return t("cli.audit_broken", seq=result.first_bad_seq)


def review_trail(services, *, limit: int) -> tuple[Verification, list[dict]]:
    """The DSB's screen: the newest entries and the state of the chain."""
    items = read_trail(services, limit=limit)
    return verify_trail(services), items


def export_trail(services, *, since: str | None = None) -> list[dict]:
    """Every entry since ``since``, oldest first, with its hashes (for checks outside wbtui); audited."""
    services.require(access.AUDIT_READ)
    services.audit("export", "audit_log", detail=f"since={since or '*'}")
    return list(reversed(_entries(services, since=since)))


def _entries(services, **filters) -> list[dict]:
    con = services.store.raw()
    try:
        return audit.entries(con, **filters)
    finally:
        con.close()


# -- retention ------------------------------------------------------------------------------------


def run_retention(services, *, apply: bool = False, today: date | None = None) -> retention.Result:
    """Closed cases past ``[retention] closed_case_days``: listed (dry run) or deleted and scrubbed.

    Deleting needs the store to itself (the file is vacuumed), so ``apply`` takes the session lock;
    a Jobcenter with sync enabled also asks the server to erase each deleted case."""
    from wbtui.data.store import SessionLock

    services.require(access.RETENTION_RUN)
    config, store = services.config, services.store
    today = today or services.today()
    if not apply:
        return retention.run(store, services.who, today=today, days=config.retention_closed_days)
    with SessionLock(store.path):
        result = retention.run(
            store,
            services.who,
            today=today,
            days=config.retention_closed_days,
            apply=True,
            purge_on_server=purges_on_server(config),
        )
    services._anchor()
    return result


def purges_on_server(config) -> bool:
    """The owning Jobcenter erases on the server too: its caseworkers and its DSB (the server takes
    ``case.purge`` from them, server/commands.py); the administrator's device pushes nothing."""
    return config.office_kind in ("jobcenter_ge", "jobcenter_zkt") and config.user_role != "admin"


def hold(services, ref: str, reason: str) -> uuid.UUID:
    """Set a legal hold: the case is kept past its retention period (e.g. pending litigation)."""
    services.require(access.RETENTION_RUN)
    case_id = services.resolve(ref)
    retention.hold(services.store, services.who, case_id.hex, reason)  # the reason: a note, gone with the case
    services._anchor()
    return case_id


def release(services, ref: str) -> uuid.UUID:
    """Lift a legal hold."""
    services.require(access.RETENTION_RUN)
    case_id = services.resolve(ref)
    retention.release(services.store, services.who, case_id.hex)
    services._anchor()
    return case_id


# -- Art. 15 --------------------------------------------------------------------------------------


def subject_access_export(services, ref: str) -> dict:
    """Everything this store holds about the person behind ``ref``, recipients and accesses; audited."""
    return subject_access.export(services, ref)
