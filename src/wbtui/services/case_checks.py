"""The process checks a case screen shows before anything is written — the next steps, what the handover still
lacks, whether a Fallkonferenz may be held — on the raw SQLite read path (issue #16).

Opening a case then needs neither SQLAlchemy nor SQLModel (+30 MB resident in the TUI): the facts are read by
:func:`wbtui.data.detail.case_facts`, the access check and the audit entries go through the raw writers of
:class:`~wbtui.services.reads.Reader`. The write use cases decide on the same rules from their ORM rows
(:meth:`wbtui.services.base.ServiceBase.facts`), inside their transaction.

No SQLModel here (tests/services/test_raw_case_reads.py).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from wbtui.data import access
from wbtui.data.detail import case_facts, consent_rows
from wbtui.domain import process
from wbtui.domain.access import CASE_READ
from wbtui.domain.errors import NotFound

if TYPE_CHECKING:
    import sqlite3

    from wbtui.services.reads import Reader

# what the handover check shows is there or missing (audited like a read)
HANDOVER_CHECK_GROUPS = ["stammdaten", "weiterbildung", "einwilligung"]


def _facts(reader: Reader, con: sqlite3.Connection, case_id: uuid.UUID) -> process.CaseFacts:
    """The case's facts after the read check (a refusal is audited)."""
    with reader._refusals_audited():
        access.check(con, reader.subject, case_id.hex, CASE_READ)
    today = reader.today or date.today()
    return case_facts(con, case_id.hex, today=today, enabled_optional=reader.config.enabled_optional())


def next_steps(reader: Reader, case_id: uuid.UUID, side: str) -> list[tuple[process.Stage, list]]:
    """Reachable stages with the reasons each is refused right now (for previews)."""
    con = reader.store.raw()
    try:
        facts = _facts(reader, con, case_id)
    finally:
        con.close()
    return process.next_steps(facts, side=side)


def handover_check(reader: Reader, case_id: uuid.UUID) -> list:
    """What is missing before the handover can be sent (empty when complete); the check shows which personal
    data are there or not, so it is audited like a read."""
    from wbtui.data.audit import record

    con = reader.store.raw()
    try:
        reasons = process.handover_readiness(_facts(reader, con, case_id))
    finally:
        con.close()
    record(reader.store, reader.who, "read", "handover", case_id=case_id.hex, groups=HANDOVER_CHECK_GROUPS)
    return reasons


def conference_gate(reader: Reader, case_id: uuid.UUID, variant: str, participants=()) -> list:
    """Reasons why a conference of ``variant`` with these participants may not be held now (empty: it may)."""
    from wbtui.domain import conference

    con = reader.store.raw()
    try:
        with reader._refusals_audited():
            access.check(con, reader.subject, case_id.hex, CASE_READ)
        row = con.execute("SELECT person_id FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()
        if row is None:
            raise NotFound("err.case_not_found", ref=str(case_id)[:8])
        consents = [_Consent(c) for c in consent_rows(con, row[0])]
    finally:
        con.close()
    reasons, _consent = conference.refusals(variant, list(participants), consents, reader.today or date.today())
    return reasons


class _Consent:
    """A stored consent row in the shape the conference gate reads (its terms, the persons it releases)."""

    def __init__(self, row: dict) -> None:
        from wbtui.domain.projection import terms_of

        terms = terms_of([row])
        self.id: str = row["id"]
        self.purpose: str = row.get("purpose") or ""
        self.recipients: list = row.get("recipients") or []
        self.data_groups: list = row.get("data_groups") or []
        self.persons: list = row.get("persons") or []
        self.given_on: date = terms[0].given_on if terms else date.max  # no valid day: it never covers
        self.valid_until: date | None = terms[0].valid_until if terms else None
        self.revoked_on: date | None = terms[0].revoked_on if terms else None
