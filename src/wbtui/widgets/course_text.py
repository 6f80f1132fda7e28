"""The voucher and course details of a case and what § 87a SGB III gives for them, as label/value lines
for the TUI's case view and ``wbtui case show`` alike (README "Voucher and course details").

Pure (no Textual): the rule is :func:`wbtui.domain.benefits.entitlements`; this module only words it.
"""

from __future__ import annotations

from wbtui.i18n import t
from wbtui.widgets import labels

COURSE_FIELDS = (
    "voucher_number", "training_goal", "duration_months", "region", "voucher_valid_until", "provider_name",
    "course_title", "kursnet_id", "qualification_2y", "course_start", "course_planned_end", "course_actual_start",
    "course_actual_end", "interim_exam", "final_exam",
)  # fmt: skip
REASON_FIELDS = ("decline_reason", "dropout_reason", "non_integration_reason", "close_reason")
_DATES = ("voucher_valid_until", "course_start", "course_planned_end", "course_actual_start", "course_actual_end")
_CODED = {"interim_exam": "interim_exam", "final_exam": "final_exam", "qualification_2y": "bool",
          **{name: name for name in REASON_FIELDS}}  # fmt: skip


def value_text(name: str, value: object) -> str:
    if name in _DATES:
        return labels.date_text(value)
    if name in _CODED:
        return labels.label(_CODED[name], bool(value) if name == "qualification_2y" else value)
    return "" if value is None else str(value)


def course_lines(case: dict) -> list[tuple[str, str]]:
    """``(label, text)`` for every course detail that is known, then the § 87a SGB III lines."""
    out = [
        (t("field." + name), value_text(name, case.get(name)))
        for name in COURSE_FIELDS
        if case.get(name) not in (None, "")
    ]
    out += benefit_lines(case)
    return out


def reason_lines(case: dict) -> list[tuple[str, str]]:
    return [(t("field." + name), value_text(name, case.get(name))) for name in REASON_FIELDS if case.get(name)]


def benefit_lines(case: dict) -> list[tuple[str, str]]:
    """What § 87a SGB III gives (domain/benefits.py), in words; nothing while the course is unknown."""
    from wbtui.domain import benefits

    if case.get("qualification_2y") is None:
        return []
    got = benefits.entitlements(case)
    if not got.qualifies:
        return [(t("benefit.title"), t("benefit.none"))]
    if not got.funded:
        return [(t("benefit.title"), t("benefit.in_principle", monthly=benefits.MONTHLY_ALLOWANCE_EUR))]
    lines = [(t("benefit.allowance"), t("benefit.allowance_text", monthly=got.allowance_monthly))]
    for exam, amount, earned in (
        ("interim", benefits.INTERIM_PREMIUM_EUR, got.interim_premium),
        ("final", benefits.FINAL_PREMIUM_EUR, got.final_premium),
    ):
        key = "benefit.earned" if earned else "benefit.open"
        lines.append((t("benefit." + exam), t(key, amount=_grouped(amount))))
    return lines


def _grouped(amount: int) -> str:
    """Thousands grouped as the reader's language writes them: 1.000 in German, 1,000 in English."""
    from wbtui.i18n import get_language

    return f"{amount:,}" if get_language() == "en" else f"{amount:,}".replace(",", ".")
