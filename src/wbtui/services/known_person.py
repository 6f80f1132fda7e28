"""A person already on record, met again by ``case new`` or ``import-csv`` (README "Data protection").

One Kundennummer is one person per office, so a new case or an import row for a known Kundennummer is
about someone whose stored data may lie outside the user's caseload. The rule, for every entry path:

* The existence check is itself information: every lookup that finds a person is audited (``lookup``).
* What is stored (and what the input would change) is shown, and changed, only under the read policy
  for persons (:func:`wbtui.domain.access.decide_person`): within the caseload, or by break-glass with a
  reason (audited, two hours). Outside the caseload nothing of the stored data is shown.
* A change of a known person's stored data needs ``update_person`` (``--update-person``), as in the
  handover import (:mod:`wbtui.services.exchange`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from wbtui.domain.fields import FIELDS, parse_field
from wbtui.domain.text import clean

STORED = tuple(name for name, spec in FIELDS.items() if spec.entity == "person")


@dataclass
class Known:
    """A person on record for a Kundennummer, as the user may (``verdict``) see it."""

    person_id: str
    kundennummer: str
    verdict: str  # allow | break_glass | deny (domain/access.py: decide_person)
    target: str | None  # the case a break-glass opens
    open_case: str | None  # an open case of the person, if any
    stored: dict[str, Any]

    def changes(self, parsed: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(field, stored, new) for every person field the input would change; only within scope."""
        assert self.verdict == "allow", "stored data is compared only within the read policy"
        out = []
        for name in STORED:
            new = parsed.get(name)
            if new is None:
                continue
            new_text = new.isoformat() if hasattr(new, "isoformat") else new
            old = self.stored.get(name)
            if FIELDS[name].kind == "bool" and old is not None:
                old = bool(old)
            if new_text != old:
                out.append((name, "" if old is None else str(old), str(new_text)))
        return out


def find(con, subject, kundennummers) -> dict[str, Known]:
    """The people on record for ``kundennummers`` (one read connection, no audit: see :func:`audit`)."""
    from wbtui.data import access

    wanted = sorted({k for k in kundennummers if k})
    found: dict[str, Known] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = con.execute(
            f"SELECT id, jobcenter_org_id, {', '.join(STORED)} FROM person"
            f" WHERE kundennummer IN ({','.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        for row in rows:
            person_id, org = row[0], row[1]
            stored = dict(zip(STORED, row[2:]))
            verdict, target = access.person_verdict(con, subject, person_id, org)
            open_row = con.execute(
                "SELECT id FROM fbw_case WHERE person_id = ? AND stage != 'closed' ORDER BY created_at DESC LIMIT 1",
                (person_id,),
            ).fetchone()
            found[stored["kundennummer"]] = Known(
                person_id, stored["kundennummer"], verdict, target, open_row[0] if open_row else None, stored
            )
    return found


def look_up(services, kundennummers) -> dict[str, Known]:
    """:func:`find` on the services' store, each person found audited before anything is said about them."""
    con = services.store.raw()
    try:
        found = find(con, services.subject, kundennummers)
    finally:
        con.close()
    audit(services, found.values())
    return found


def audit(services, people) -> None:
    """One ``lookup`` entry per person found (codes only: the case it concerns and the verdict)."""
    from wbtui.data import audit as trail

    people = list(people)
    if not people:
        return
    who = services.who
    with services.store.transaction() as con:
        for known in people:
            case_id = known.open_case or known.target
            trail.append(
                con, who, "lookup", "person", object_id=known.person_id, case_id=case_id,
                groups=["stammdaten"], detail=f"kundennummer; {known.verdict}",
            )  # fmt: skip
    services._anchor()


def admit(services, known: Known, reason: str | None) -> None:
    """Within the caseload, or opened now by break-glass with ``reason``; else refused (audited)."""
    from wbtui.data.access import refusal
    from wbtui.domain import access as policy

    if known.verdict == "allow":
        return
    if known.verdict == "break_glass" and reason:
        if known.target is not None:
            services.open_break_glass(uuid.UUID(known.target), reason)
        else:  # a person without a case: the reason is recorded all the same
            services.audit("break_glass", "person", object_id=known.person_id, reason=reason)
        known.verdict = "allow"
        return
    if known.verdict == "break_glass":
        exc = policy.AccessDenied("err.person_out_of_scope", break_glass=True, kundennummer=known.kundennummer)
    else:
        exc = policy.AccessDenied("err.person_foreign", kundennummer=known.kundennummer)
    services.record_refusal(refusal(exc, known.target, "person.read"))
    raise exc


def changes_text(changes: list[tuple[str, str, str]]) -> str:
    from wbtui.i18n import t

    return "; ".join(f"{t('field.' + name)}: {clean(old) or '–'} → {clean(new)}" for name, old, new in changes)


def parse_person(values: dict[str, object], today) -> dict[str, Any]:
    """The person fields of raw ``values``, parsed by the one field rule."""
    return {name: parse_field(name, raw, today=today) for name, raw in values.items() if name in STORED}
