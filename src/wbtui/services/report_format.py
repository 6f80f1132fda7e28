"""How the steering figures read (README "Reports"): a text table, CSV with column names and labels in the
user's language, both from the protected figures of :mod:`wbtui.services.report` only.

Every code is shown with its label from the catalog (stages, timer rules, reason codes); durations are
given in working days first (the office's calendar), calendar days next to them.
"""

from __future__ import annotations

import csv
import io

from wbtui.domain.text import clean
from wbtui.i18n import has, t

SECTIONS = (
    "stages", "funnel", "durations_workdays", "durations_days", "dropout", "reasons", "overdue_by_rule",
    "by_team", "by_caseworker", "by_month", "cases_by_office",
)  # fmt: skip
REASON_PREFIX = {
    "decline": "choice.decline_reason.",
    "dropout": "choice.dropout_reason.",
    "non_integration": "choice.non_integration_reason.",
    "close": "choice.close_reason.",
}


def _label(prefix: str, code: str) -> str:
    return t(prefix + code) if has(prefix + code) else code


def _step(key: str) -> str:
    src, _, dst = key.partition("->")
    return f"{_label('stage.', src)} → {_label('stage.', dst)}"


def who_label(name: str, section: str = "by_caseworker", *, short: bool = False) -> str:
    """A caseworker ('' : nobody holds the case, the team inbox) or a team ('': no team named)."""
    if name:
        from wbtui.services.logins import shown_login

        return shown_login(name, short=short) if section == "by_caseworker" else name
    return t("ux.team.inbox_name") if section == "by_caseworker" else t("report.no_team")


def _in_process_order(counts: dict) -> list:
    from wbtui.domain.process import Stage

    order = [s.value for s in Stage]
    return sorted(counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value * 100:.1f} %".replace(".", ",")
    return str(value)


def rows(figures: dict) -> list[tuple[str, str, str, str, str]]:
    """``(section label, key, month, value, label)`` for every figure, in reading order."""
    out: list[tuple[str, str, str, str, str]] = []

    def add(section: str, key: str, value, label: str, month: str = "") -> None:
        out.append((t("report.section." + section), key, month, _cell(value), label))

    for key, value in _in_process_order(figures.get("stages", {})):
        add("stages", key, value, _label("stage.", key))
    for key, value in figures.get("funnel", {}).items():
        add("funnel", key, value, _label("stage.", key))
    for section in ("durations_workdays", "durations_days"):
        for key, spec in figures.get(section, {}).items():
            for stat in ("n", "median", "p90"):
                add(section, f"{key}:{stat}", spec[stat], f"{_step(key)} ({t('report.stat.' + stat)})")
    for key, value in figures.get("dropout", {}).items():
        add("dropout", key, value, t("report.dropout." + key))
    for kind, counts in figures.get("reasons", {}).items():
        for key, value in counts.items():
            add("reasons", f"{kind}:{key}", value, f"{t('report.reason.' + kind)}: {_label(REASON_PREFIX[kind], key)}")
    for key, value in figures.get("overdue_by_rule", {}).items():
        add("overdue_by_rule", key, value, _label("rule.", key))
    for section in ("by_team", "by_caseworker"):
        for name, counts in figures.get(section, {}).items():
            for key, value in counts.items():
                add(section, f"{name}:{key}", value, f"{who_label(name, section)}: {t('report.col.' + key)}")
    for month, counts in figures.get("by_month", {}).items():
        for key, value in counts.items():
            add("by_month", key, value, _label("stage.", key), month)
    for key, value in figures.get("cases_by_office", {}).items():
        add("cases_by_office", key, value, key)
    return out


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection, CWE-1236)."""
    raw = "" if value is None else str(value)
    if raw and raw[0] in ("=", "+", "-", "@", "\t", "\r", "\0"):
        return "'" + clean(raw)
    text = clean(raw)
    if text and text[0] in ("=", "+", "-", "@"):
        return "'" + text
    return text


def to_csv(figures: dict) -> str:
    """CSV (``;``, CRLF) with column names in the user's language; every cell neutralised against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_cell(t("report.csv." + c)) for c in ("section", "key", "month", "value", "label")])
    for row in rows(figures):
        writer.writerow([safe_cell(c) for c in row])
    return buffer.getvalue()


def _table(headers: list[str], body: list[list[str]]) -> list[str]:
    """A plain text table: columns as wide as their content, numbers right-aligned."""
    from wbtui.domain.text import clean

    body = [[clean(c) for c in row] for row in body]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]

    def line(cells: list[str], header: bool = False) -> str:
        parts = []
        for i, cell in enumerate(cells):
            numeric = not header and (cell in ("–", "<3") or cell.replace(",", "").replace(" %", "").isdigit())
            parts.append(cell.rjust(widths[i]) if numeric else cell.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    return [line(headers, True), "  ".join("-" * w for w in widths)] + [line(r) for r in body]


def to_text(figures: dict) -> str:
    """The figures as text tables, one per section (what ``wbtui report`` prints on a terminal)."""
    out: list[str] = [t("report.title"), ""]

    def section(name: str, headers: list[str], body: list[list[str]]) -> None:
        if not body:
            return
        out.append(t("report.section." + name))
        out.extend(_table(headers, body))
        out.append("")

    count = t("report.col.count")
    section("stages", [t("report.col.stage"), count],
            [[_label("stage.", k), _cell(v)] for k, v in _in_process_order(figures.get("stages", {}))])  # fmt: skip
    section("funnel", [t("report.col.stage"), count],
            [[_label("stage.", k), _cell(v)] for k, v in figures.get("funnel", {}).items()])  # fmt: skip
    work, cal = figures.get("durations_workdays", {}), figures.get("durations_days", {})
    section(
        "durations_workdays",
        [t("report.col.step"), t("report.stat.n"), t("report.col.median_work"), t("report.col.p90_work"),
         t("report.col.median_days")],
        [[_step(k), _cell(v["n"]), _cell(v["median"]), _cell(v["p90"]), _cell(cal.get(k, {}).get("median"))]
         for k, v in work.items()],
    )  # fmt: skip
    dropout = figures.get("dropout", {})
    section("dropout", [t("report.col.figure"), count],
            [[t("report.dropout." + k), _cell(v)] for k, v in dropout.items()])  # fmt: skip
    reasons = [
        [t("report.reason." + kind), _label(REASON_PREFIX[kind], code), _cell(v)]
        for kind, counts in figures.get("reasons", {}).items()
        for code, v in counts.items()
    ]
    section("reasons", [t("report.col.kind"), t("report.col.reason"), count], reasons)
    section("overdue_by_rule", [t("report.col.rule"), count],
            [[_label("rule.", k), _cell(v)] for k, v in figures.get("overdue_by_rule", {}).items()])  # fmt: skip
    cols = ["open", "overdue", "dropped_out", "integrated", "closed"]
    for name in ("by_team", "by_caseworker"):
        section(
            name,
            [t("report.col." + ("team" if name == "by_team" else "caseworker"))] + [t("report.col." + c) for c in cols],
            [
                [who_label(who, name)] + [_cell(counts.get(c)) for c in cols]
                for who, counts in figures.get(name, {}).items()
            ],
        )
    months = figures.get("by_month", {})
    keys = ["need_identified", "handed_over", "in_training"]
    section("by_month", [t("report.col.month")] + [_label("stage.", k) for k in keys],
            [[m] + [_cell(row.get(k)) for k in keys] for m, row in months.items()])  # fmt: skip
    section("cases_by_office", [t("report.col.office"), count],
            [[k, _cell(v)] for k, v in figures.get("cases_by_office", {}).items()])  # fmt: skip
    out.append(t("report.footnote"))
    return "\n".join(out) + "\n"
