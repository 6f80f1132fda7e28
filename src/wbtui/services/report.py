"""Steering figures for the team lead: stages, funnel, step durations, dropouts, timers, by month.

Computed from the append-only timeline, so every figure can be traced to events. Exports
suppress counts below 3 (statistical confidentiality) and neutralise spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime

FUNNEL = ("need_identified", "handed_over", "counselled", "voucher_issued", "in_training", "completed", "integrated")
STEPS = (("handed_over", "counselled"), ("counselled", "voucher_issued"), ("voucher_issued", "in_training"))
MIN_CELL = 3


def _day(text: str) -> date:
    return datetime.fromisoformat(text[:19]).date() if len(text) > 10 else date.fromisoformat(text)


def nearest_rank(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def compute(con, engine) -> dict:
    stages = dict(con.execute("SELECT stage, COUNT(*) FROM fbw_case GROUP BY stage").fetchall())
    first: dict[tuple[str, str], str] = {}
    for case_id, stage, at in con.execute(
        "SELECT case_id, to_stage, MIN(at) FROM case_event WHERE type IN ('stage_changed', 'case_created') AND to_stage IS NOT NULL GROUP BY case_id, to_stage"
    ):
        first[(case_id, stage)] = at
    cases = {case_id for case_id, _ in first}
    funnel = {stage: sum(1 for c in cases if (c, stage) in first) for stage in FUNNEL}
    durations = {}
    for src, dst in STEPS:
        days = [
            (_day(first[(c, dst)]) - _day(first[(c, src)])).days
            for c in cases
            if (c, src) in first and (c, dst) in first
        ]
        durations[f"{src}->{dst}"] = {"n": len(days), "median": nearest_rank(days, 0.5), "p90": nearest_rank(days, 0.9)}
    started = funnel["in_training"]
    dropped = sum(1 for c in cases if (c, "dropped_out") in first)
    months: dict[str, dict[str, int]] = {}
    for (_c, stage), at in first.items():
        if stage in ("need_identified", "handed_over", "in_training"):
            months.setdefault(at[:7], {"need_identified": 0, "handed_over": 0, "in_training": 0})[stage] += 1
    from wbtui.data.queries import overdue_cases

    overdue: dict[str, int] = {}
    for row in overdue_cases(con, engine):
        overdue[row["rule"]] = overdue.get(row["rule"], 0) + 1
    offices = dict(
        con.execute(
            "SELECT COALESCE(o.name, '–'), COUNT(*) FROM fbw_case c LEFT JOIN organisation o ON o.id = c.jobcenter_org_id GROUP BY 1"
        ).fetchall()
    )
    return {
        "stages": stages,
        "funnel": funnel,
        "durations_days": durations,
        "dropout": {
            "started": started,
            "dropped_out": dropped,
            "share": round(dropped / started, 3) if started else None,
        },
        "overdue_by_rule": overdue,
        "by_month": dict(sorted(months.items())),
        "cases_by_office": offices,
    }


def suppressed(figures: dict) -> dict:
    """Copy for export: counts of 1-2 become "<3"; durations from fewer than 3 cases are withheld."""

    def cell(value):
        return "<3" if isinstance(value, int) and 0 < value < MIN_CELL else value

    out = {
        "stages": {k: cell(v) for k, v in figures["stages"].items()},
        "funnel": {k: cell(v) for k, v in figures["funnel"].items()},
        "durations_days": {
            k: (v if v["n"] >= MIN_CELL else {"n": cell(v["n"]), "median": None, "p90": None})
            for k, v in figures["durations_days"].items()
        },
        "dropout": dict(figures["dropout"]),
        "overdue_by_rule": {k: cell(v) for k, v in figures["overdue_by_rule"].items()},
        "by_month": {m: {k: cell(v) for k, v in row.items()} for m, row in figures["by_month"].items()},
        "cases_by_office": {k: cell(v) for k, v in figures["cases_by_office"].items()},
    }
    d = out["dropout"]
    if isinstance(d["started"], int) and (0 < d["started"] < MIN_CELL or 0 < d["dropped_out"] < MIN_CELL):
        out["dropout"] = {"started": cell(d["started"]), "dropped_out": cell(d["dropped_out"]), "share": None}
    return out


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection, CWE-1236)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r", "\0"):
        return "'" + text
    return text


def to_csv(figures: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(["section", "key", "month", "value"])
    for section in ("stages", "funnel", "overdue_by_rule", "cases_by_office"):
        for key, value in figures[section].items():
            writer.writerow([section, safe_cell(key), "", safe_cell(value)])
    for key, spec in figures["durations_days"].items():
        for stat in ("n", "median", "p90"):
            writer.writerow(["durations_days", f"{key}:{stat}", "", safe_cell(spec[stat])])
    for key, value in figures["dropout"].items():
        writer.writerow(["dropout", key, "", safe_cell(value)])
    for month, row in figures["by_month"].items():
        for key, value in row.items():
            writer.writerow(["by_month", key, month, safe_cell(value)])
    return out.getvalue()
