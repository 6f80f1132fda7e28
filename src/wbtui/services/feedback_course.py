"""What the feedback file (version 2) adds to the return channel: the reasons of a decline or dropout and the
voucher and course details (README "Return channel without a shared server", "Reason codes", "Voucher and course
details"), written by the Agentur and taken by the Jobcenter's import (:mod:`wbtui.services.feedback`).

A reason and an exam result travel as their code with the German label beside it (the file is read by people
too; the importer uses only the code). What the Jobcenter's copy takes follows the permission table
(:mod:`wbtui.domain.permissions`): the fields the Agentur keeps (decline reason, voucher details, provider,
course, KURSNET id, planned dates) are taken as reported; the fields both offices record (dropout reason, the
course as it ran, the exams) only fill what the Jobcenter has not recorded itself, so a file never overwrites
the Jobcenter's own entry. A file never empties a field.
"""

from __future__ import annotations

from datetime import date

from wbtui.i18n import translate

# catalog prefix of the German label of each coded field (the same keys the pick lists show)
LABELS = {
    "decline_reason": "choice.decline_reason.",
    "dropout_reason": "choice.dropout_reason.",
    "interim_exam": "choice.exam_result.",
    "final_exam": "choice.exam_result.",
}
VOUCHER = {"number": "voucher_number", "training_goal": "training_goal", "duration_months": "duration_months",
           "region": "region", "valid_until": "voucher_valid_until"}  # fmt: skip
COURSE = {"provider_name": "provider_name", "course_title": "course_title", "kursnet_id": "kursnet_id",
          "qualification_2y": "qualification_2y", "planned_start": "course_start", "planned_end": "course_planned_end",
          "actual_start": "course_actual_start", "actual_end": "course_actual_end", "interim_exam": "interim_exam",
          "final_exam": "final_exam"}  # fmt: skip
CASE_COLUMNS = tuple(dict.fromkeys(("decline_reason", "dropout_reason", *VOUCHER.values(), *COURSE.values())))
# written by both offices (permission table): the file fills them only where the Jobcenter has none
SHARED = frozenset({"dropout_reason", "course_actual_start", "course_actual_end", "interim_exam", "final_exam"})
DATES = frozenset({"voucher_valid_until", "course_start", "course_planned_end", "course_actual_start",
                   "course_actual_end"})  # fmt: skip


def _coded(column: str, code: object) -> dict | None:
    if not code:
        return None
    return {"code": code, "label": translate("de", LABELS[column] + str(code), {})}


def _plain(column: str, value: object) -> object:
    if column in LABELS:
        return _coded(column, value)
    if column == "qualification_2y":
        return None if value is None else bool(value)
    if isinstance(value, str) and column not in DATES:
        from wbtui.domain.text import clean

        return clean(value)[:200] or None
    return value


def blocks(con, case_id: str) -> dict:
    """The ``reasons``, ``voucher`` and ``course`` blocks of one case from the Agentur's store."""
    row = con.execute(f"SELECT {', '.join(CASE_COLUMNS)} FROM fbw_case WHERE id = ?", (case_id,)).fetchone()
    values = dict(zip(CASE_COLUMNS, row, strict=True))
    voucher = {key: _plain(col, values[col]) for key, col in VOUCHER.items()}
    course = {key: _plain(col, values[col]) for key, col in COURSE.items()}
    reasons = {key: _coded(key, values[key]) for key in ("decline_reason", "dropout_reason")}
    return {
        "reasons": {k: v for k, v in reasons.items() if v is not None},
        "voucher": voucher if any(v is not None for v in voucher.values()) else None,
        "course": course if any(v is not None for v in course.values()) else None,
    }


def apply(case, block: dict) -> bool:
    """Take a case block's reasons and details into the Jobcenter's copy; True when something changed."""
    reported: dict[str, object] = {}
    for key, item in (block.get("reasons") or {}).items():
        if isinstance(item, dict):
            reported[key] = item["code"]
    for section, columns in (("voucher", VOUCHER), ("course", COURSE)):
        for key, column in columns.items():
            value = (block.get(section) or {}).get(key)
            reported[column] = value["code"] if isinstance(value, dict) else value
    changed = False
    for column, value in reported.items():
        if value is None:
            continue  # a file never empties a field
        if column in DATES:
            value = date.fromisoformat(str(value))
        current = getattr(case, column)
        if column in SHARED and current not in (None, ""):
            continue  # the Jobcenter's own entry stays
        if current != value:
            setattr(case, column, value)
            changed = True
    return changed
