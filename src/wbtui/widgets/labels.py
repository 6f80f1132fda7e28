"""What a coded value reads as, and what a typed label means: one table for the TUI's pick lists and the
CLI's human output and option parsing (README "CLI tour": keys, German labels and stage codes alike).

Pure: no Textual, no Rich, no store. The CLI imports it too, so ``wbtui case list`` stays fast. The codes
themselves are the domain's (:mod:`wbtui.domain.vocab`, :mod:`wbtui.domain.process`); their labels are the
catalog's (``value.*``, ``choice.*`` …). Extra words a user may type for a code live in the catalog as
``alias.<vocabulary>.<code>`` (comma-separated), so "umgezogen" finds the close reason ``moved``.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

from wbtui.domain import countries, process, vocab
from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import FIELDS
from wbtui.i18n import LANGUAGES, has, t, translate

# vocabulary -> (codes in their order, catalog prefix of the labels; "" = the code is its own label)
VOCABULARIES: dict[str, tuple[tuple[str, ...], str]] = {
    "training_type": (vocab.TRAINING_TYPES, "value."),
    "schedule": (vocab.SCHEDULES, "value."),
    "necessity_reason": (vocab.NECESSITY_REASONS, "value."),
    "legal_basis": (vocab.LEGAL_BASES, "choice.legal_basis."),
    "school_certificate": (FIELDS["school_certificate"].choices, "choice.school_certificate."),
    "german_level_cefr": (vocab.CEFR_LEVELS, ""),
    "counselling_outcome": (vocab.COUNSELLING_OUTCOMES, "choice.counselling_outcome."),
    "close_reason": (vocab.CLOSE_REASONS, "choice.close_reason."),
    "dropout_reason": (vocab.DROPOUT_REASONS, "choice.dropout_reason."),
    "decline_reason": (vocab.DECLINE_REASONS, "choice.decline_reason."),
    "non_integration_reason": (vocab.NON_INTEGRATION_REASONS, "choice.non_integration_reason."),
    "interim_exam": (vocab.EXAM_RESULTS, "choice.exam_result."),
    "recognition": (vocab.QUALIFICATION_RECOGNITION, "choice.recognition."),
    "country": ((*countries.COUNTRIES, countries.OTHER), "country."),
    "final_exam": (vocab.EXAM_RESULTS, "choice.exam_result."),
    "decision": (vocab.DECISIONS, "tui.decision."),
    "agenda_item": (vocab.AGENDA_TEMPLATE, "tui.agenda."),
    "obstacle_status": (vocab.OBSTACLE_STATUSES, "obst."),
    "role": (process.ROLES, "role."),
    "participant_role": (process.ROLES + ("person", "third_party"), "ux.participant_role."),
    "conference_variant": (vocab.CONFERENCE_VARIANTS, "tui.conf.variant."),
    "consent_purpose": (vocab.CONSENT_PURPOSES, "tui.consent.purpose."),
    "consent_recipient": (vocab.CONSENT_RECIPIENTS, "tui.consent.recipient."),
    "data_group": (vocab.DATA_GROUPS, "tui.consent.group."),
    "consent_form": (("schriftlich", "elektronisch"), "tui.consent.form."),
    "channel": (("shared_system", "file_export", "post", "email"), "tui.channel."),
    "side": ((process.JC, process.AA), "side."),
    "task_status": (("offen", "erledigt"), "tui.task_status."),
    "bool": (("ja", "nein"), "ux.bool."),
    "stage": (tuple(s.value for s in process.Stage), "stage."),
    "overdue_kind": (("overdue", "stalled", "all"), "ux.overdue_kind."),
    "close_tasks": (("done", "keep"), "ux.close_tasks."),
    "appt_kind": (vocab.APPOINTMENT_KINDS, "choice.appt_kind."),
    "appt_status": (vocab.APPOINTMENT_STATUSES, "choice.appt_status."),
    "appt_result": (("held", "no_show", "cancelled"), "choice.appt_result."),
}

# which vocabulary a field of the intake (domain.fields.FIELDS) draws from
FIELD_VOCABULARY = {
    name: ("bool" if spec.kind == "bool" else name) for name, spec in FIELDS.items() if spec.kind in ("choice", "bool")
}


def codes(vocabulary: str) -> tuple[str, ...]:
    return VOCABULARIES[vocabulary][0]


def label(vocabulary: str, code: object) -> str:
    """The label of ``code`` in the current language (the code itself when the catalog has none)."""
    if code is None or code == "":
        return ""
    prefix = VOCABULARIES[vocabulary][1]
    text = str(code)
    if vocabulary == "bool" and isinstance(code, bool):
        text = "ja" if code else "nein"
    if vocabulary == "stage" and text in process.Stage._value2member_map_:
        return f"{process.STAGES[process.Stage(text)].code} {t('stage.' + text)}"
    if vocabulary == "participant_role" and has("role." + text):
        return t("role." + text)
    return t(prefix + text) if prefix and has(prefix + text) else text


def choices(vocabulary: str) -> list[tuple[str, str]]:
    """``(code, label)`` for a pick list, in the vocabulary's order."""
    return [(code, label(vocabulary, code)) for code in codes(vocabulary)]


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return " ".join(text.replace("_", " ").split())


def _words(vocabulary: str, code: str) -> set[str]:
    """Everything that names ``code``: the code, its label in every language, aliases, the stage code."""
    prefix = VOCABULARIES[vocabulary][1]
    words = {_norm(code)}
    if vocabulary == "participant_role" and has("role." + code):
        prefix = "role."
    for lang in LANGUAGES:
        if prefix and has(prefix + code):
            words.add(_norm(translate(lang, prefix + code, {})))
        alias = f"alias.{vocabulary}.{code}"
        if has(alias):
            words |= {_norm(w) for w in translate(lang, alias, {}).split(",") if w.strip()}
    if vocabulary == "stage":
        info = process.STAGES[process.Stage(code)]
        words.add(_norm(info.code))
        words.add(_norm(f"{info.code} {translate('de', 'stage.' + code, {})}"))
    return words


def search_words(vocabulary: str) -> dict[str, str]:
    """Per code, every word that names it (for a pick list's search: "umgezogen" finds ``moved``)."""
    return {code: " ".join(sorted(_words(vocabulary, code))) for code in codes(vocabulary)}


def parse(vocabulary: str, text: str | None, *, field: str) -> str | None:
    """The code a user meant by ``text`` (key, label in either language, alias, stage code such as ``S9``);
    ``None`` for an empty text; refused with every choice named otherwise."""
    if text is None or not str(text).strip():
        return None
    wanted = _norm(str(text))
    matches = [code for code in codes(vocabulary) if wanted in _words(vocabulary, code)]
    if len(matches) == 1:
        return matches[0]
    # a unique beginning of a label also does ("Umschul", "förder"), never an ambiguous one
    starts = [code for code in codes(vocabulary) if any(w.startswith(wanted) for w in _words(vocabulary, code))]
    if len(wanted) >= 3 and len(starts) == 1:
        return starts[0]
    if vocabulary == "stage":
        raise WbtuiError("err.unknown_stage", stage=str(text), choices=describe_choices(vocabulary))
    raise WbtuiError("err.bad_choice", field=field, value=str(text), choices=describe_choices(vocabulary))


def describe_choices(vocabulary: str) -> str:
    """``Label (key), …`` for an error message: the words a person reads and the keys scripts use."""
    parts = []
    for code, shown in choices(vocabulary):
        if vocabulary == "stage":
            parts.append(f"{process.STAGES[process.Stage(code)].code} ({code})")
        elif shown == code:
            parts.append(code)
        else:
            parts.append(f"{shown} ({code})")
    return ", ".join(parts)


def parse_bool(text: str | None, *, field: str) -> bool | None:
    code = parse("bool", text, field=field)
    return None if code is None else code == "ja"


# -- dates and times in human output (README: TT.MM.JJJJ and HH:MM) --------------------------------------


def date_text(value: object) -> str:
    """A stored date (``date``, ISO text, or the date part of a timestamp) as TT.MM.JJJJ."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local_time(value).strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text


def short_date(value: object) -> str:
    """TT.MM. (lists where the year is this year's or next year's)."""
    text = date_text(value)
    return text[:6] if len(text) == 10 else text


def local_time(value: datetime | str) -> datetime:
    """A stored timestamp (UTC, naive or aware, as ``datetime`` or SQLite text) in the local time zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone()


def datetime_text(value: object) -> str:
    """A stored timestamp as TT.MM.JJJJ HH:MM in local time; a plain date as TT.MM.JJJJ."""
    if value is None or value == "":
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return date_text(value)
    if isinstance(value, str) and len(value.strip()) <= 10:
        return date_text(value)
    try:
        return local_time(value).strftime("%d.%m.%Y %H:%M")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def check_plausible(name: str, value: str | None, today: date | None = None) -> None:
    """A birth date that cannot be (the rule is :func:`wbtui.domain.fields.plausible`), checked while typing."""
    if name != "birth_date" or value is None or not str(value).strip():
        return
    from wbtui.domain.fields import parse_field

    parse_field(name, value, today=today)


# -- the audit trail for people (README "Data protection": entries carry codes; the DSB reads labels) --------
def audit_action(action: str) -> str:
    return t(f"audit.action.{action}") if has(f"audit.action.{action}") else action


def audit_object(item: dict) -> str:
    """What an entry is about, by its German name, with the start of the case or record id."""
    kind = item.get("object_type") or ""
    name = t(f"audit.object.{kind}") if has(f"audit.object.{kind}") else kind
    ref = (item.get("case_id") or item.get("object_id") or "")[:8]
    return f"{name} {ref}".strip()


def audit_actor(item: dict) -> str:
    role = item.get("role") or ""
    shown = t(f"role.{role}") if has(f"role.{role}") else role
    return f"{item.get('actor') or ''} · {shown}" if shown else str(item.get("actor") or "")


def audit_groups(item: dict) -> str:
    return ", ".join(label("data_group", g) for g in item.get("data_groups") or [])


def audit_detail(item: dict) -> str:
    """The entry's reason, purpose or detail in words: a refusal names the permission, a list its size, a
    filter on the trail whose entries were read (``actor=*``: everybody's)."""
    text = item.get("reason") or item.get("purpose")
    if text:
        return str(text)
    detail = str(item.get("detail") or "")
    action = item.get("action")
    if detail.startswith("actor="):
        who = detail[len("actor=") :]
        return t("audit.detail.actor_all") if who in ("*", "") else t("audit.detail.actor", actor=who)
    if action == "denied":
        permission = detail.split(";")[-1].strip() if ";" in detail else ""
        if permission and has(f"permission.{permission}"):
            return t("audit.detail.denied_permission", permission=t(f"permission.{permission}"))
        return t("audit.detail.denied")
    if action in ("list", "search"):
        count = detail.split(";")[-1].strip()
        if count.isdigit():
            return t("audit.detail.count", count=count)
    return detail


def day_off_text(calendar, when: datetime) -> str:
    """The warning for an appointment set on a weekend, a public holiday of the office's Land or an office
    day off (domain/days_off.py), "" on a working day: saved all the same (people do meet on a Saturday),
    but never unnoticed. One text for the TUI's toast and the CLI's stderr line."""
    from wbtui.domain.days_off import HOLIDAY, WEEKEND, day_off
    from wbtui.i18n import get_language

    local = when.astimezone()
    found = day_off(calendar, local.date(), get_language())
    if found is None:
        return ""
    kind, name = found
    day = date_text(local.date())
    if kind == WEEKEND:
        return t("ux.appt.day_off.weekend", day=day, weekday=t("ux.weekday." + name))
    if kind == HOLIDAY and name:
        return t("ux.appt.day_off.holiday", day=day, name=name)
    return t("ux.appt.day_off." + ("holiday_plain" if kind == HOLIDAY else "office"), day=day)
