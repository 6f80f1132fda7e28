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
    "bildungstraeger", "kommunaler_dienst", "jugendamt", "reha_traeger", "berufsgeheimnistraeger",
)  # fmt: skip
# bound by professional secrecy (§ 203 StGB: a doctor, a psychologist, an addiction counsellor): the consent must
# release this person by name (its ``persons``), an institution named among the recipients is not enough
CONFIDANT = "berufsgeheimnistraeger"
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
        released = {_name_key(p) for p in getattr(consent, "persons", None) or () if isinstance(p, str)}
        # Jobcenter and Agentur staff rest on § 69 SGB X; every other institution must be named, and a person
        # bound by professional secrecy must be released by name
        missing = [
            name for name, kind in kinds
            if (kind == CONFIDANT and _name_key(name) not in released)
            or (kind != CONFIDANT and kind not in THE_PERSON | STAFF and kind not in recipients)
        ]  # fmt: skip
        if best_missing is None or len(missing) < len(best_missing):
            best, best_missing = consent, missing
    if best_missing:
        reasons.append(("guard.conference_not_covered", {"names": ", ".join(best_missing)}))
    return reasons, best


def _name_key(name: str) -> str:
    """A person's name as compared with a consent's release: case and spacing do not matter."""
    return " ".join(name.casefold().split())
