"""The server's view of a case for the process rules (README "The server is the authority"): the rows,
the person and the consents a push holds of a case, turned into the facts and the transition input that
:func:`wbtui.domain.process.check_transition` decides on — the same rules the device runs on its own copy.

:class:`CaseView` is a part of :class:`wbtui.server.push.Push` (it reads the push's ``batch``); the handover
command and the consent coverage (:mod:`wbtui.server.commands`, :mod:`wbtui.server.coverage`) ask it too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from wbtui.domain import process
from wbtui.domain.process import Stage
from wbtui.server.batch import Batch, as_date, as_datetime
from wbtui.server.office_time import OFFICE_TZ
from wbtui.sync.hlc import decode


class CaseView:
    """``unit``: the local transaction being checked (server.push.Unit), or None outside one."""

    batch: Batch

    def rows_of(self, case_id: str, entity: str) -> list[tuple[str, dict]]:
        return [(r, self.batch.values((e, r))) for e, r in sorted(self.batch.case_rows.get(case_id, ())) if e == entity]

    def person_of(self, case_id: str) -> tuple[str | None, dict]:
        person_id = self.batch.field(("case", case_id), "person_id")
        return person_id, (self.batch.values(("person", person_id)) if isinstance(person_id, str) else {})

    def consents_of(self, case_id: str) -> list[dict]:
        """The consents that count for the case: the person's, recorded by the office that owns the case (a
        consent another office wrote never widens what the owner's case shares, F1)."""
        from wbtui.server.feed import OWNER

        person_id, _ = self.person_of(case_id)
        if not isinstance(person_id, str):
            return []
        owners: set[str | None] = {org for org, g in self.batch.grants.get(case_id, {}).items() if g.access == OWNER}
        owners.add(None)  # a row from before the server kept who wrote it (server/store.py init_schema)
        rows = sorted(self.batch.rows_where("consent", "person_id", person_id))
        return [self.batch.values(row) for row in rows if self.batch.rows[row].org_id in owners]

    def facts(self, case_id: str, unit: Any, *, stage: Stage) -> process.CaseFacts:
        from wbtui.server.coverage import consent_terms

        case = self.batch.values(("case", case_id))
        for name in ("earliest_start", "voucher_valid_until", "course_start", "course_planned_end"):
            case[name] = as_date(case.get(name))
        case["appointment_at"] = as_datetime(case.get("appointment_at"))
        _, person = self.person_of(case_id)
        today = self.today(unit)
        consents = consent_terms(self.consents_of(case_id))
        from wbtui.domain.consent import consent_covers

        purposes = ("fbw_uebergabe", "fbw_gesamt")
        return process.CaseFacts(
            stage=stage, today=today, person=person, case=case,
            obstacles=[
                (v.get("code") or "", v.get("status") or "", bool(v.get("art9"))) for _, v in self.rows_of(case_id, "obstacle")
            ],
            consent_for_agentur=any(consent_covers(c, today, "agentur", purposes) for c in consents),
            consent_health=any(consent_covers(c, today, "agentur", purposes, group="gesundheit") for c in consents),
            enabled_optional=frozenset(Stage),  # the office's choice; the device has checked it
            appointments=[(str(v.get("kind")), str(v.get("status")), as_datetime(v.get("starts_at")))
                          for _, v in self.rows_of(case_id, "appointment")],
        )  # fmt: skip

    def transition_input(self, case_id: str, unit: Any, target: Stage) -> process.TransitionInput:
        case = self.batch.values(("case", case_id))
        issued = None
        for row in unit.new_rows:
            if row[0] == "voucher" and self.batch.rows[row].case_id == case_id:
                issued = as_date(self.batch.field(row, "issued_on"))
        # the reason the transition carries is kept in its case field (domain/process.py REASON_FIELDS)
        reason = case.get(process.REASON_FIELDS[target][0]) if target in process.REASON_FIELDS else None
        for event_case, data in unit.events:  # clients before schema 4 name the dropout reason only in the event
            if event_case == case_id and data.get("type") == "dropout" and isinstance(data.get("payload"), dict):
                reason = reason or data["payload"].get("reason")
        return process.TransitionInput(
            valid_until=as_date(case.get("voucher_valid_until")), issued_on=issued,
            appointment_at=as_datetime(case.get("appointment_at")), course_start=as_date(case.get("course_start")),
            course_end=as_date(case.get("course_planned_end")), outcome=case.get("counselling_outcome"), reason=reason,
        )  # fmt: skip

    def today(self, unit: Any) -> date:
        """The day the action was taken (its clock, never ahead of the server's), in the office's time."""
        server = datetime.now(UTC)
        if unit is not None and unit.max_hlc:
            ms, _, _ = decode(unit.max_hlc)
            server = min(server, datetime.fromtimestamp(ms / 1000, UTC))
        return server.astimezone(OFFICE_TZ).date()
