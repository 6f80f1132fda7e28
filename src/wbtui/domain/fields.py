"""Editable fields of person and case: parsing and validation, shared by CLI and TUI.

Every value typed by a user (or imported) passes :func:`parse_field`, which
cleans control characters and returns the typed value or raises
:class:`~wbtui.domain.errors.WbtuiError` naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from wbtui.domain import process, vocab
from wbtui.domain.errors import WbtuiError
from wbtui.domain.text import clean_opt

_DATE_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_PHONE = re.compile(r"^[+0-9 ()/\-]{4,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BG = re.compile(r"^\d{5}BG\d{7}$")
_KURSNET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$")


def parse_date(text: str | date | None, *, field: str = "date") -> date | None:
    if text is None or isinstance(text, date):
        return text
    text = text.strip()
    if not text:
        return None
    match = _DATE_DE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise WbtuiError("err.bad_date", field=field, value=text) from None


def parse_datetime(text: str | datetime | None, *, field: str = "datetime") -> datetime | None:
    """Parse a local date/time as typed by a user; returns an aware UTC datetime."""
    if text is None:
        return None
    if isinstance(text, datetime):
        return _to_utc(text)
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M"):
        try:
            return _to_utc(datetime.strptime(text, fmt))
        except ValueError:
            pass
    day = parse_date(text, field=field)
    assert day is not None  # text is not blank here, so parse_date returns a date or raises
    return _to_utc(datetime(day.year, day.month, day.day, 9, 0))


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.astimezone()  # naive input is local time
    return value.astimezone(UTC)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    entity: str  # person | case
    kind: str  # text | date | bool | int | choice | kldb | kundennummer | bg | phone | email | cefr
    choices: tuple[str, ...] = ()
    required: bool = False
    multiline: bool = False


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("kundennummer", "person", "kundennummer", required=True),
        FieldSpec("bg_nummer", "person", "bg"),
        FieldSpec("family_name", "person", "text", required=True),
        FieldSpec("given_names", "person", "text", required=True),
        FieldSpec("birth_date", "person", "date"),
        FieldSpec("address", "person", "text"),
        FieldSpec("phone", "person", "phone"),
        FieldSpec("email", "person", "email"),
        FieldSpec("preferred_language", "person", "text"),
        FieldSpec("needs_interpreter", "person", "bool"),
        FieldSpec("german_level_cefr", "person", "choice", vocab.CEFR_LEVELS),
        FieldSpec(
            "school_certificate",
            "person",
            "choice",
            ("keiner", "hauptschule", "mittlerer", "fachhochschulreife", "abitur", "ausland"),
        ),
        FieldSpec("target_kldb", "case", "kldb"),
        FieldSpec("target_title", "case", "text"),
        FieldSpec("training_type", "case", "choice", vocab.TRAINING_TYPES),
        FieldSpec("schedule", "case", "choice", vocab.SCHEDULES),
        FieldSpec("earliest_start", "case", "date"),
        FieldSpec("kooperationsplan_on", "case", "date"),
        FieldSpec("max_commute_km", "case", "int"),
        FieldSpec("necessity_reason", "case", "choice", vocab.NECESSITY_REASONS),
        FieldSpec("legacy_jc_funded", "case", "bool"),
        FieldSpec("care_arranged", "case", "bool"),
        FieldSpec("health_limits_summary", "case", "text", multiline=True),
        FieldSpec("availability", "case", "text"),
        FieldSpec("legal_basis", "case", "choice", vocab.LEGAL_BASES),
        FieldSpec("counselling_outcome", "case", "choice", vocab.COUNSELLING_OUTCOMES),
        FieldSpec("kursnet_id", "case", "kursnet"),
        # voucher and course details (README "Voucher and course details"), the Agentur's
        FieldSpec("voucher_number", "case", "text"),
        FieldSpec("training_goal", "case", "text"),
        FieldSpec("duration_months", "case", "int"),
        FieldSpec("region", "case", "text"),
        FieldSpec("provider_name", "case", "text"),
        FieldSpec("course_title", "case", "text"),
        FieldSpec("qualification_2y", "case", "bool"),
        FieldSpec("course_actual_start", "case", "date"),
        FieldSpec("course_actual_end", "case", "date"),
        FieldSpec("interim_exam", "case", "choice", vocab.EXAM_RESULTS),
        FieldSpec("final_exam", "case", "choice", vocab.EXAM_RESULTS),
    )
}

_TRUE = {"1", "true", "ja", "yes", "j", "y", "x"}
_FALSE = {"0", "false", "nein", "no", "n", ""}


def parse_field(name: str, raw: object, *, today: date | None = None) -> object:
    """Parse a user-typed value for field ``name``; ``""`` clears optional fields.

    The one field rule of every entry path (forms, ``case new/edit``, CSV and handover imports):
    a birth date lies neither ahead of ``today`` nor more than 120 years back (:func:`plausible`)."""
    spec = FIELDS.get(name)
    if spec is None:
        raise WbtuiError("err.unknown_field", field=name, choices=", ".join(FIELDS))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.required:
            raise WbtuiError("err.field_required", field=name)
        return None
    if not isinstance(raw, str):
        return plausible(name, raw, today)
    text = clean_opt(raw, multiline=spec.multiline) or ""
    kind = spec.kind
    if kind == "date":
        return plausible(name, parse_date(text, field=name), today)
    if kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise WbtuiError("err.bad_bool", field=name, value=text)
    if kind == "int":
        if not text.isdigit() or int(text) > 10_000:
            raise WbtuiError("err.bad_int", field=name, value=text)
        return int(text)
    if kind == "choice":
        value = text if text in spec.choices else text.lower()
        if name == "german_level_cefr":
            value = text.upper()
        if value not in spec.choices:
            raise WbtuiError("err.bad_choice", field=name, value=text, choices=", ".join(spec.choices))
        return value
    if kind == "kldb":
        from wbtui.domain import kldb

        if not process.is_valid_kldb(text) or kldb.lookup(text) is None:
            raise WbtuiError("err.bad_kldb", value=text)
        return text
    if kind == "kundennummer":
        value = text.upper().replace(" ", "")
        if not process.KUNDENNUMMER_RE.match(value):
            raise WbtuiError("err.bad_kundennummer", value=text)
        return value
    if kind == "bg":
        value = text.upper().replace(" ", "")
        if not _BG.match(value):
            raise WbtuiError("err.bad_bg", value=text)
        return value
    if kind == "kursnet":
        value = text.replace(" ", "")
        if not _KURSNET.match(value):
            raise WbtuiError("err.bad_kursnet", value=text)
        return value
    if kind == "phone":
        if not _PHONE.match(text):
            raise WbtuiError("err.bad_phone", value=text)
        return text
    if kind == "email":
        if not _EMAIL.match(text):
            raise WbtuiError("err.bad_email", value=text)
        return text
    if len(text) > 500 and not spec.multiline:
        raise WbtuiError("err.too_long", field=name)
    return text


def plausible(name: str, value: object, today: date | None = None) -> object:
    """``value`` unless a person never means it: a birth date in the future or more than 120 years back."""
    if name != "birth_date" or not isinstance(value, date):
        return value
    today = today or date.today()
    day = value.date() if isinstance(value, datetime) else value
    if day > today or day.year < today.year - 120:
        raise WbtuiError("ux.err.birth_date", field="field.birth_date", value=day.strftime("%d.%m.%Y"))
    return value


# The minimum data set a handover carries (README "The process in short"), in the order of the
# exchange file's schema; the Art. 9 health summary only with a consent for ``gesundheit``.
HANDOVER_PERSON_FIELDS = (
    "kundennummer",
    "bg_nummer",
    "family_name",
    "given_names",
    "birth_date",
    "address",
    "phone",
    "email",
    "preferred_language",
    "needs_interpreter",
    "german_level_cefr",
    "school_certificate",
)
HANDOVER_CASE_FIELDS = (
    "target_kldb",
    "target_title",
    "training_type",
    "schedule",
    "earliest_start",
    "max_commute_km",
    "necessity_reason",
    "care_arranged",
    "availability",
    "legacy_jc_funded",
    "legal_basis",
)
HEALTH_SUMMARY_FIELD = "health_limits_summary"

# The person and case fields a case's detail shows, in this order (``wbtui case show``; the detail screen
# follows), each with how it reads: "date" (TT.MM.JJJJ), "datetime" (local time), "text" as stored, or
# the vocabulary of its coded values (their labels: widgets/labels.py). Name, Kundennummer, stage and
# owner head the detail; the course details and reasons are widgets/course_text.py.
DETAIL_PERSON_FIELDS: tuple[tuple[str, str], ...] = (
    ("bg_nummer", "text"),
    ("birth_date", "date"),
    ("address", "text"),
    ("phone", "text"),
    ("email", "text"),
    ("preferred_language", "text"),
    ("needs_interpreter", "bool"),
    ("german_level_cefr", "german_level_cefr"),
    ("school_certificate", "school_certificate"),
)
DETAIL_CASE_FIELDS: tuple[tuple[str, str], ...] = (
    ("target_kldb", "text"),
    ("target_title", "text"),
    ("training_type", "training_type"),
    ("schedule", "schedule"),
    ("earliest_start", "date"),
    ("kooperationsplan_on", "date"),
    ("necessity_reason", "necessity_reason"),
    ("care_arranged", "bool"),
    ("legal_basis", "legal_basis"),
    ("counselling_outcome", "counselling_outcome"),
    ("appointment_at", "datetime"),
    ("voucher_valid_until", "date"),
)
