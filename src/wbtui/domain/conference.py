"""Who may take part in a Fallkonferenz, and on which basis (§ 69 SGB X, § 67b SGB X, § 20 SGB IX).

* ``fallbesprechung`` — a case discussion between Jobcenter and Agentur without the person: it rests on
  § 69 Abs. 1 Nr. 1 SGB X / § 50 SGB II and admits Jobcenter and Agentur staff only. A debt counsellor
  or the youth office at the table makes it a conference with third parties.
* ``ohne_person`` / ``mit_person`` — a conference with third parties needs a consent of the person for
  the purpose ``fallkonferenz`` (or ``fbw_gesamt``) valid on the day, and that consent must name every
  institution at the table besides Jobcenter and Agentur (each such participant is covered by a
  recipient of the consent);
  ``mit_person`` has the person (or the person's representative) at the table.

A participant's kind is given by a wbtui role (``jc_*`` Jobcenter, ``aa_*`` Agentur) or one of
:data:`PARTICIPANT_KINDS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from wbtui.domain.consent import ConsentLike, consent_covers
from wbtui.domain.process import AA, JC, ROLE_SIDE

PARTICIPANT_KINDS = (
    "jobcenter", "agentur", "person", "vertrauensperson",
    "bildungstraeger", "kommunaler_dienst", "jugendamt", "reha_traeger",
)  # fmt: skip
STAFF = frozenset({"jobcenter", "agentur"})
THE_PERSON = frozenset({"person", "vertrauensperson"})
# the caller gets back the consent row it passed in (the store's rows carry an id)
C = TypeVar("C", bound=ConsentLike)
PURPOSES = ("fallkonferenz", "fbw_gesamt")

Reason = tuple[str, dict]


def participant_kind(role: str | None) -> str | None:
    """The kind of a participant given as a wbtui role or a participant kind (None: unknown)."""
    role = (role or "").strip().lower()
    side = ROLE_SIDE.get(role)
    if side == JC:
        return "jobcenter"
    if side == AA:
        return "agentur"
    return role if role in PARTICIPANT_KINDS else None


def refusals(
    variant: str, participants: Iterable[tuple[str, str, str | None]], consents: Iterable[C], held: date
) -> tuple[list[Reason], C | None]:
    """Why this conference may not be held with these participants (empty: it may), and the consent it rests on."""
    people = list(participants)
    reasons: list[Reason] = []
    kinds = []
    for name, role, _org in people:
        kind = participant_kind(role)
        if kind is None:
            reasons.append(
                ("guard.conference_unknown_kind", {"name": name, "role": role, "kinds": ", ".join(PARTICIPANT_KINDS)})
            )
        kinds.append((name, kind))
    if reasons:
        return reasons, None
    if variant == "fallbesprechung":
        outsiders = [name for name, kind in kinds if kind not in STAFF]
        if outsiders:
            reasons.append(("guard.conference_only_staff", {"names": ", ".join(outsiders)}))
        return reasons, None
    valid = [c for c in consents if consent_covers(c, held, None, PURPOSES)]
    if not valid:
        return [("guard.conference_needs_consent", {})], None
    if variant == "mit_person" and people and not any(kind in THE_PERSON for _name, kind in kinds):
        reasons.append(("guard.conference_needs_person", {}))
    best: C | None = None
    best_missing: list[str] | None = None
    for consent in valid:
        recipients = set(consent.recipients or ())
        # Jobcenter and Agentur staff rest on § 69 SGB X; every other institution must be named
        missing = [name for name, kind in kinds if kind not in THE_PERSON | STAFF and kind not in recipients]
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = consent, missing
    if best_missing:
        reasons.append(("guard.conference_not_covered", {"names": ", ".join(best_missing)}))
    return reasons, best
