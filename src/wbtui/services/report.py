"""Steering figures for the team lead: stages, funnel, step durations (calendar and working days),
dropouts, reason codes, timers, by month, by team and by caseworker.

Computed from the append-only timeline, so every figure can be traced to events, over the cases of
the user's own office (the read policy's organisation wall; counts only, no persons).

Every output format (text, JSON, CSV, on screen or to a file) carries the protected figures
(:func:`suppressed`): counts of 1 and 2 show as ``<3`` (primary suppression) and every other count is
rounded to a multiple of 5, so that two exports differenced (before and after one person's step, or one
suppressed cell against a total) reveal no one; durations, which are one person's value at the median,
need 10 cases. CSV cells are neutralised against spreadsheet formulas.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from wbtui.services import report_format

FUNNEL = ("need_identified", "handed_over", "counselled", "voucher_issued", "in_training", "completed", "integrated")
STEPS = (("handed_over", "counselled"), ("counselled", "voucher_issued"), ("voucher_issued", "in_training"))
MIN_CELL = 3
ROUND_TO = 5  # every shown count is a multiple of this (differencing two exports reveals no single case)
PROTECTED = "protected"  # set on figures that went through suppressed() (every caller gets only those)
MIN_DURATION_CASES = 10  # a median of fewer cases is close to one person's own duration


def _day(text: str) -> date:
    return datetime.fromisoformat(text[:19]).date() if len(text) > 10 else date.fromisoformat(text)


def nearest_rank(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def compute(con, engine, *, scope: tuple[str, list] | None = None) -> dict:
    """The exact figures over the cases within ``scope`` (an SQL condition on ``fbw_case c``; None: all).

    Exact counts are for the screen of the office's own steering; every export goes through :func:`suppressed`."""
    where, params = scope if scope is not None else ("1", [])
    stages = dict(
        con.execute(f"SELECT c.stage, COUNT(*) FROM fbw_case c WHERE {where} GROUP BY c.stage", params).fetchall()
    )
    first: dict[tuple[str, str], str] = {}
    for case_id, stage, at in con.execute(
        "SELECT e.case_id, e.to_stage, MIN(e.at) FROM case_event e JOIN fbw_case c ON c.id = e.case_id"
        f" WHERE e.type IN ('stage_changed', 'case_created') AND e.to_stage IS NOT NULL AND {where}"
        " GROUP BY e.case_id, e.to_stage",
        params,
    ):
        first[(case_id, stage)] = at
    cases = {case_id for case_id, _ in first}
    funnel = {stage: sum(1 for c in cases if (c, stage) in first) for stage in FUNNEL}
    durations, workdays = {}, {}
    calendar = getattr(engine, "calendar", None)
    for src, dst in STEPS:
        pairs = [
            (_day(first[(c, src)]), _day(first[(c, dst)])) for c in cases if (c, src) in first and (c, dst) in first
        ]
        days = [(b - a).days for a, b in pairs]
        durations[f"{src}->{dst}"] = {"n": len(days), "median": nearest_rank(days, 0.5), "p90": nearest_rank(days, 0.9)}
        # working days (README "Timers": weekends, the Land's and the office's holidays left out)
        work = [calendar.between(a, b) for a, b in pairs] if calendar is not None else days
        workdays[f"{src}->{dst}"] = {"n": len(work), "median": nearest_rank(work, 0.5), "p90": nearest_rank(work, 0.9)}
    started = funnel["in_training"]
    dropped = sum(1 for c in cases if (c, "dropped_out") in first)
    months: dict[str, dict[str, int]] = {}
    for (_c, stage), at in first.items():
        if stage in ("need_identified", "handed_over", "in_training"):
            months.setdefault(at[:7], {"need_identified": 0, "handed_over": 0, "in_training": 0})[stage] += 1
    from wbtui.data.queries import overdue_cases

    overdue: dict[str, int] = {}
    for row in overdue_cases(con, engine, scope=scope):
        overdue[row["rule"]] = overdue.get(row["rule"], 0) + 1
    offices = dict(
        con.execute(
            "SELECT COALESCE(o.name, '–'), COUNT(*) FROM fbw_case c LEFT JOIN organisation o ON o.id = c.jobcenter_org_id"
            f" WHERE {where} GROUP BY 1",
            params,
        ).fetchall()
    )
    reasons: dict[str, dict[str, int]] = {}
    for kind, column in REASON_COLUMNS.items():
        reasons[kind] = dict(
            con.execute(
                f"SELECT c.{column}, COUNT(*) FROM fbw_case c WHERE c.{column} IS NOT NULL AND {where}"
                f" GROUP BY c.{column} ORDER BY 2 DESC, 1",
                params,
            ).fetchall()
        )
    return {
        "stages": stages,
        "funnel": funnel,
        "durations_days": durations,
        "durations_workdays": workdays,
        "reasons": reasons,
        "by_team": _breakdown(con, "COALESCE(c.owner_team, '')", where, params, engine),
        "by_caseworker": _breakdown(con, "COALESCE(c.owner_login, '')", where, params, engine),
        "dropout": {
            "started": started,
            "dropped_out": dropped,
            "share": round(dropped / started, 3) if started else None,
        },
        "overdue_by_rule": overdue,
        "by_month": dict(sorted(months.items())),
        "cases_by_office": offices,
    }


def amount(value) -> float:
    """A protected count as a number for bars and ordering (``<3`` counts as 1), never shown as such."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return 1 if value else 0


REASON_COLUMNS = {  # steering kind -> case column (domain/process.py REASON_FIELDS)
    "decline": "decline_reason",
    "dropout": "dropout_reason",
    "non_integration": "non_integration_reason",
    "close": "close_reason",
}
BREAKDOWN = ("open", "overdue", "dropped_out", "integrated", "closed")


def _breakdown(con, key: str, where: str, params: list, engine) -> dict[str, dict[str, int]]:
    """Per team or caseworker (``key``; '' = nobody, the team inbox): open, overdue, dropped out, integrated
    and closed cases. Counts of cases, never persons; protected like every other count on export."""
    out: dict[str, dict[str, int]] = {}
    for name, stage, n in con.execute(
        f"SELECT {key}, c.stage, COUNT(*) FROM fbw_case c WHERE {where} GROUP BY 1, 2", params
    ).fetchall():
        row = out.setdefault(name, dict.fromkeys(BREAKDOWN, 0))
        if stage == "closed":
            row["closed"] += n
        else:
            row["open"] += n
        if stage == "dropped_out":
            row["dropped_out"] += n
        if stage == "integrated":
            row["integrated"] += n
    if engine is not None and out:
        pred, pparams = engine.predicate(("overdue",))
        for name, n in con.execute(
            f"SELECT {key}, COUNT(*) FROM fbw_case c WHERE {where} AND c.stage != 'closed' AND ({pred}) GROUP BY 1",
            list(params) + list(pparams),
        ).fetchall():
            out.setdefault(name, dict.fromkeys(BREAKDOWN, 0))["overdue"] = n
    return dict(sorted(out.items()))


def protect(value):
    """One count as it may leave the office: 0 stays 0, 1-2 become ``<3``, the rest the nearest multiple of 5."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return value
    if value < MIN_CELL:
        return "<3"
    return max(ROUND_TO, int(ROUND_TO * math.floor(value / ROUND_TO + 0.5)))


def suppressed(figures: dict) -> dict:
    """The figures as every output shows them: counts protected (:func:`protect`), durations only from
    at least 10 cases, the dropout share from the protected counts. Figures already protected (as
    :meth:`wbtui.services.reads.Reader.steering` returns them) are returned as they are."""
    if figures.get(PROTECTED):
        return figures
    cell = protect
    out = {
        "stages": {k: cell(v) for k, v in figures["stages"].items()},
        "funnel": {k: cell(v) for k, v in figures["funnel"].items()},
        "durations_days": {
            k: (
                {"n": cell(v["n"]), "median": v["median"], "p90": v["p90"]}
                if v["n"] >= MIN_DURATION_CASES
                else {"n": cell(v["n"]), "median": None, "p90": None}
            )
            for k, v in figures["durations_days"].items()
        },
        "durations_workdays": {
            k: (
                {"n": cell(v["n"]), "median": v["median"], "p90": v["p90"]}
                if v["n"] >= MIN_DURATION_CASES
                else {"n": cell(v["n"]), "median": None, "p90": None}
            )
            for k, v in figures.get("durations_workdays", {}).items()
        },
        "reasons": {kind: {k: cell(v) for k, v in row.items()} for kind, row in figures.get("reasons", {}).items()},
        "by_team": {n: {k: cell(v) for k, v in row.items()} for n, row in figures.get("by_team", {}).items()},
        "by_caseworker": {
            n: {k: cell(v) for k, v in row.items()} for n, row in figures.get("by_caseworker", {}).items()
        },
        "overdue_by_rule": {k: cell(v) for k, v in figures["overdue_by_rule"].items()},
        "by_month": {m: {k: cell(v) for k, v in row.items()} for m, row in figures["by_month"].items()},
        "cases_by_office": {k: cell(v) for k, v in figures["cases_by_office"].items()},
    }
    started, dropped = cell(figures["dropout"]["started"]), cell(figures["dropout"]["dropped_out"])
    share = round(dropped / started, 3) if isinstance(started, int) and isinstance(dropped, int) and started else None
    out["dropout"] = {"started": started, "dropped_out": dropped, "share": share}
    return out


def to_csv(figures: dict) -> str:
    """CSV of the figures as given (pass :func:`suppressed` ones): German column names and labels
    (services/report_format.py); every cell neutralised against formulas."""
    return report_format.to_csv(figures)


def render(figures: dict, fmt: str) -> str:
    """The report in ``fmt`` (text, json, csv): the protected figures in every format."""
    import json

    protected = suppressed(figures)
    if fmt == "csv":
        return to_csv(protected)
    if fmt == "text":
        return report_format.to_text(protected)
    return json.dumps(protected, ensure_ascii=False, indent=2)
