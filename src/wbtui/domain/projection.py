"""What an Agentur receives of a Jobcenter's case: a projection filtered by the legal basis and the
consent (README "Consent projection"; § 50 SGB II, § 69 Abs. 1 Nr. 1 SGB X, § 67b and § 76 SGB X,
Art. 9 DSGVO).

The office that owns a case sees all of it. An office holding a case by referral (the Agentur after
the handover) sees only the data groups covered *now*:

* ``weiterbildung`` (the need and the process: stage, appointments, voucher, course) and
  ``stammdaten`` (identity and contact: the minimum data set without which no counselling can
  happen) and the consent records themselves — for every referral;
* ``qualifikation`` (school certificate, German level, vocational qualifications, work history) and
  ``hemmnisse`` (obstacles: code, status, service, dates) — with the statutory
  basis (§ 69 SGB X) or a consent naming them;
* ``gesundheit`` (the functional health summary, health obstacles and their timeline entries) —
  only with a valid consent for the Agentur that names ``gesundheit``; never by statute (§ 76 SGB X).

Never to another office: the Jobcenter's free-text notes on obstacles and steps, its follow-ups and
who in the office holds the case (owner and team, and the timeline entries of that internal work).
The same function cuts the handover exchange file (:mod:`wbtui.services.exchange`), the server's
grant snapshot and every feed entry (:mod:`wbtui.server.feed`), so the file and the server agree — and
every read of the Agentur on a store that holds more (a store shared with the Jobcenter, as in the
README's trial setup): :func:`project_case_view` and :func:`hides_task` (services/reads.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from wbtui.domain.access import AGENTUR_ROLES
from wbtui.domain.assignment import TEAM_INBOX
from wbtui.domain.consent import ConsentLike, consent_covers

HANDOVER_PURPOSES = ("fbw_uebergabe", "fbw_gesamt")
ALWAYS = frozenset({"weiterbildung", "stammdaten", "einwilligung"})
BY_STATUTE = frozenset({"qualifikation", "hemmnisse"})

PERSON_GROUPS = {
    **dict.fromkeys(
        ("kundennummer", "bg_nummer", "family_name", "given_names", "birth_date", "address", "phone", "email",
         "preferred_language", "needs_interpreter", "created_at", "updated_at"),
        "stammdaten",
    ),
    "german_level_cefr": "qualifikation",
    "school_certificate": "qualifikation",
}  # fmt: skip
CASE_HEALTH = frozenset({"health_limits_summary"})
CASE_OFFICE = frozenset({"owner_login", "owner_team"})  # who in the owning office holds the case: never to another
OBSTACLE_VISIBLE = frozenset(
    {"case_id", "code", "art9", "status", "service", "referred_on", "review_on", "created_at", "updated_at"}
)
EVENT_PRIVATE_PAYLOAD = frozenset({"note"})  # free text of the office that wrote the step
OBSTACLE_EVENTS = frozenset({"obstacle_added", "obstacle_updated"})
# the owning office's internal work on the timeline: its follow-ups and who holds the case
OFFICE_EVENTS = frozenset({"task_created", "task_done", "task_reassigned", "case_reassigned"})
FIELD_EVENTS = frozenset({"intake_updated"})  # entries whose payload names the fields that changed
HISTORY_NAMES = frozenset({"qualification", "work_history"})  # services/history.py: the person's rows of schema 5


def covered_groups(
    legal_basis: str | None, consents: Iterable[ConsentLike], on: date, recipient: str = "agentur"
) -> frozenset[str]:
    """The data groups an office holding a case by referral may receive on ``on``."""
    groups = set(ALWAYS)
    if legal_basis == "sgb_x_69":
        groups |= BY_STATUTE
    for consent in consents:
        if consent_covers(consent, on, recipient, HANDOVER_PURPOSES):
            groups |= {g for g in consent.data_groups or () if g != "gesundheit"}
            if consent_covers(consent, on, recipient, HANDOVER_PURPOSES, group="gesundheit"):
                groups.add("gesundheit")
    return frozenset(groups)


def coverage_lapses_on(
    legal_basis: str | None, consents: Iterable[ConsentLike], on: date, recipient: str = "agentur"
) -> date | None:
    """The last day on which :func:`covered_groups` stays as it is on ``on`` by the consents' own dates
    (a consent's ``valid_until`` or a revocation dated ahead); None: it does not lapse by a date."""
    groups = covered_groups(legal_basis, consents, on, recipient)
    ends = []
    for consent in consents:
        if consent_covers(consent, on, recipient, HANDOVER_PURPOSES):
            if consent.valid_until is not None:
                ends.append(consent.valid_until)
            if consent.revoked_on is not None:
                ends.append(consent.revoked_on - timedelta(days=1))
    ends = [end for end in ends if end >= on]
    while ends:  # the first end after which the cut really narrows (another consent may cover the rest)
        first = min(ends)
        if covered_groups(legal_basis, consents, first + timedelta(days=1), recipient) != groups:
            return first
        ends = [end for end in ends if end > first]
    return None


def row_visible(entity: str, groups: frozenset[str], *, art9_row: bool = False, own_row: bool = False) -> bool:
    """Whether a row of ``entity`` reaches a referral office at all."""
    if entity == "task":
        return own_row  # follow-ups stay with the office that keeps them
    if entity == "obstacle":
        return "gesundheit" in groups if art9_row else "hemmnisse" in groups
    if entity in ("qualification", "work_episode"):
        return "qualifikation" in groups  # by statute (§ 69 SGB X / § 50 SGB II) or a consent naming it
    return entity in ("person", "case", "consent", "handover", "voucher", "appointment", "event")


def visible_fields(entity: str, fields: Iterable[str], groups: frozenset[str]) -> list[str]:
    """The fields of a visible row a referral office may receive."""
    out = []
    for name in fields:
        if entity == "person":
            if PERSON_GROUPS.get(name, "stammdaten") in groups:
                out.append(name)
        elif entity == "case":
            if (name not in CASE_HEALTH or "gesundheit" in groups) and name not in CASE_OFFICE:
                out.append(name)
        elif entity == "obstacle":
            if name in OBSTACLE_VISIBLE:
                out.append(name)
        else:
            out.append(name)
    return out


def project_event(
    data: dict, groups: frozenset[str], art9_codes: frozenset[str], *, own_row: bool = True
) -> dict | None:
    """A timeline entry as a referral office sees it (None: not at all). ``own_row``: the reading office
    wrote it (the owning office's follow-ups and reassignments stay with it)."""
    raw = data.get("payload")
    payload: dict = raw if isinstance(raw, dict) else {}
    if data.get("type") in OFFICE_EVENTS and not own_row:
        return None
    if data.get("type") in OBSTACLE_EVENTS:
        code = payload.get("code")
        needed = "gesundheit" if code in art9_codes or payload.get("art9") else "hemmnisse"
        if needed not in groups:
            return None
    if EVENT_PRIVATE_PAYLOAD & payload.keys():
        payload = {k: v for k, v in payload.items() if k not in EVENT_PRIVATE_PAYLOAD}
        data = {**data, "payload": payload}
    named = payload.get("fields")
    if data.get("type") in FIELD_EVENTS and isinstance(named, list):
        # the names of changed fields are cut like the row they changed: that the health summary changed is
        # itself health data (issue 12 F11); an entry left naming nothing is not sent at all
        kept = [name for name in named if isinstance(name, str) and field_name_visible(name, groups)]
        if named and not kept:
            return None
        if len(kept) != len(named):
            data = {**data, "payload": {**payload, "fields": kept}}
    return data


def field_name_visible(name: str, groups: frozenset[str]) -> bool:
    """Whether a referral office may learn that the case or person field ``name`` changed: exactly when it
    would receive the field itself (:func:`visible_fields`)."""
    if name in CASE_HEALTH:
        return "gesundheit" in groups
    if name in CASE_OFFICE:
        return False
    if name in HISTORY_NAMES:
        return "qualifikation" in groups
    return PERSON_GROUPS.get(name, "stammdaten") in groups if name in PERSON_GROUPS else True


def project_package(package: dict, groups: frozenset[str], art9_codes: frozenset[str]) -> dict:
    """The handover package (as sent, or as written to the exchange file) cut to ``groups``."""
    out = dict(package)
    if isinstance(package.get("person"), dict):
        out["person"] = {k: v for k, v in package["person"].items() if PERSON_GROUPS.get(k, "stammdaten") in groups}
    if isinstance(package.get("case"), dict):
        out["case"] = {k: v for k, v in package["case"].items() if k not in CASE_HEALTH or "gesundheit" in groups}
        out["case"] = {k: v for k, v in out["case"].items() if k not in CASE_OFFICE}
    if isinstance(package.get("obstacles"), list):
        kept = []
        for item in package["obstacles"]:
            if not isinstance(item, dict):
                continue
            health = item.get("code") in art9_codes or bool(item.get("art9"))
            if ("gesundheit" if health else "hemmnisse") in groups:
                kept.append({k: v for k, v in item.items() if k in OBSTACLE_VISIBLE})
        out["obstacles"] = kept
    return out


# -- reads of a referral office on a store that holds more ------------------------------------------------


def referral_reader(role: str) -> bool:
    """Whether ``role`` reads the Jobcenter's cases by referral (the Agentur): its every read is cut to
    the consent projection, on any store (README "Consent projection")."""
    return role in AGENTUR_ROLES


def hides_task(owner: str | None, owning_office_logins: frozenset[str]) -> bool:
    """Whether a referral office must not see a follow-up: it belongs to the owning office — its team
    inbox or one of its logins (its users, and the logins it named as owners on the timeline)."""
    return owner == TEAM_INBOX or owner in owning_office_logins


@dataclass(frozen=True)
class Terms:
    """A consent as the coverage rule reads it (from a stored row)."""

    purpose: str
    recipients: list
    data_groups: list
    given_on: date
    valid_until: date | None
    revoked_on: date | None


def terms_of(rows: Iterable[dict]) -> list[Terms]:
    """The consents of a case as stored rows (dates as ISO text) in the shape :func:`covered_groups` reads."""

    def day(value: object) -> date | None:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None

    out = []
    for row in rows:
        given = day(row.get("given_on"))
        if given is not None and isinstance(row.get("purpose"), str):
            out.append(
                Terms(
                    row["purpose"], list(row.get("recipients") or []), list(row.get("data_groups") or []), given,
                    day(row.get("valid_until")), day(row.get("revoked_on")),
                )
            )  # fmt: skip
    return out


CASE_LOCAL_OFFICE = frozenset({"owner_user_id"})  # the store's own link to the holder: never shown to another


def project_case_view(
    detail: dict, groups: frozenset[str], art9_codes: frozenset[str], own_event: Iterable[bool],
    owning_office_logins: frozenset[str],
) -> dict:  # fmt: skip
    """A whole case (``case show``, the case screen) as a referral office receives it: the same cut as the
    handover file and every pull. ``own_event``: per timeline entry, whether the reading office wrote it.
    Fields left out are emptied (None), rows left out are dropped, so every front end shows what it would
    show on a store that only ever received the projection."""
    out = dict(detail)
    case = {**detail["case"]}
    for name in CASE_OFFICE | CASE_LOCAL_OFFICE | (frozenset() if "gesundheit" in groups else CASE_HEALTH):
        if name in case:
            case[name] = None
    out["case"] = case
    out["person"] = {
        k: (v if PERSON_GROUPS.get(k, "stammdaten") in groups or k not in PERSON_GROUPS else None)
        for k, v in detail["person"].items()
    }
    obstacles = []
    for item in detail["obstacles"]:
        health = item.get("code") in art9_codes or bool(item.get("art9"))
        if ("gesundheit" if health else "hemmnisse") in groups:
            obstacles.append({k: (v if k in OBSTACLE_VISIBLE or k == "id" else None) for k, v in item.items()})
    out["obstacles"] = obstacles
    if "gesundheit" not in groups:
        out["art9_hidden"] = 0  # nothing of the health data reaches the office, not even their number
    if "qualifikation" not in groups:
        out["qualifications"], out["work_history"] = [], []
    out["tasks"] = [task for task in detail["tasks"] if not hides_task(task.get("owner"), owning_office_logins)]
    timeline = []
    for entry, own in zip(detail["timeline"], own_event, strict=True):
        projected = project_event(entry, groups, art9_codes, own_row=own)
        if projected is not None:
            timeline.append(projected)
    out["timeline"] = timeline
    return out
