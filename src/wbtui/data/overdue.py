"""The "nobody gets lost" list (``wbtui overdue``, the follow-up screen, the steering figures) as SQL.

The rules and their predicates are :mod:`wbtui.domain.timers`' own (``TimerRule.sql()``); this module
only decides how SQLite reaches the rows, so that ``overdue --limit 50`` on 100,000 cases reads a few
hundred rows instead of evaluating every rule on every open case (issue #16):

- the list is ordered urgent rules first, then "stalled"; with a limit the stalled rule is asked only
  when the urgent ones leave room;
- with a limit, each rule (and each stage of a rule watching several) takes its own first rows in
  ``stage_since`` order: a walk of ``ix_case_stage_since`` that stops early, as the final order is
  ``stage_since``, case id (then the rule's place in ``RULES``) across the rules;
- a rule measuring the earliest planned appointment starts from the planned appointments before its
  bound (partial index ``ix_appointment_planned``, migration 0019) instead of looking up every case's;
- names and dates are read for the rows kept only.
"""

from __future__ import annotations

import sqlite3

from wbtui.domain.timers import RULES, TimerEngine, TimerRule

KEYS = (
    "rule",
    "kind",
    "id",
    "family_name",
    "given_names",
    "kundennummer",
    "stage",
    "stage_since",
    "updated_at",
    "voucher_valid_until",
    "course_start",
)
ORDER = "stage_since, id, rule_no"
# a case fires "planned_appointment_at < bound" only if one of its planned appointments starts before the
# bound (MIN < bound): this narrows the cases to look at; the rule's own predicate still decides
RANGE_INDEX = {"updated_at": "ix_case_updated"}
NARROWED = ("planned_appointment_at", *RANGE_INDEX)  # rules read by another way than stage by stage
PLANNED_BEFORE = "c.id IN (SELECT a.case_id FROM appointment a WHERE a.status = 'geplant' AND a.starts_at < ?)"


def _part(no: int, rule: TimerRule, bound: str, scope, stage: str | None, limit: int | None) -> tuple[str, list]:
    """The keys of the cases ``rule`` fires on (of one ``stage`` when given), first ``limit`` in order."""
    where, params = [rule.sql()], [bound]
    if rule.fields == ("planned_appointment_at",):
        where.append(PLANNED_BEFORE)
        params.append(bound)
    if "stage_since" in rule.fields and len(rule.fields) > 1:
        # the latest of several dates, stage_since among them (never null), is before the bound only if
        # stage_since is: the index range of the stage stops there
        where.append("c.stage_since < ?")
        params.append(bound)
    if stage is not None:
        where.append("c.stage = ?")
        params.append(stage)
    if scope is not None:
        where.append(scope[0])
        params += list(scope[1])
    # a rule measuring one indexed case column (stalled: updated_at) reads that column's range: its stages
    # are most of the open cases, the cases past the bound a few of them
    table = f"fbw_case c INDEXED BY {RANGE_INDEX[rule.fields[0]]}" if rule.fields[0] in RANGE_INDEX else "fbw_case c"
    sql = f"SELECT {no} AS rule_no, c.rowid AS rid, c.stage_since, c.id FROM {table} WHERE " + " AND ".join(where)
    if limit is None:
        return sql, params
    return f"SELECT * FROM ({sql} ORDER BY c.stage_since, c.id LIMIT {int(limit)})", params


def _fired(con, engine: TimerEngine, rules: list[tuple[int, TimerRule]], limit: int | None, scope) -> list[tuple]:
    """(rule number, case rowid) of the first ``limit`` (all: None) rows the rules fire, in list order."""
    parts, params = [], []
    for no, rule in rules:
        bound = engine.bounds[rule.id]
        # with a limit, a rule over several stages is read stage by stage, each in stage_since order (the
        # index serves one stage at a time); the appointment rule is narrowed by its appointments instead
        split = limit is not None and len(rule.stages) > 1 and rule.fields[0] not in NARROWED
        for stage in rule.stages if split else (None,):
            sql, more = _part(no, rule, bound, scope, stage, limit)
            parts.append(sql)
            params += more
    if not parts:
        return []
    sql = "SELECT rule_no, rid FROM (" + " UNION ALL ".join(parts) + ") ORDER BY " + ORDER
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return con.execute(sql, params).fetchall()


def overdue_cases(
    con: sqlite3.Connection,
    engine: TimerEngine,
    *,
    kinds=("overdue", "warning", "stalled"),
    limit: int | None = None,
    scope: tuple[str, list] | None = None,
) -> list[dict]:
    """One row per (case, rule) that fires, most urgent first: the urgent rules (overdue, warning) before
    "stalled", each part by the time in stage, then case id, then the rule's place in ``RULES``."""
    chosen = [(no, rule) for no, rule in enumerate(RULES) if rule.kind in kinds]
    limit = int(limit) if limit else None
    began = not con.in_transaction
    if began:
        con.execute("BEGIN")  # both parts and the names from one snapshot
    try:
        keys = _fired(con, engine, [x for x in chosen if x[1].kind != "stalled"], limit, scope)
        if limit is None or len(keys) < limit:
            rest = None if limit is None else limit - len(keys)
            keys += _fired(con, engine, [x for x in chosen if x[1].kind == "stalled"], rest, scope)
        rows = _rows(con, {rid for _, rid in keys})
    finally:
        if began:
            con.execute("COMMIT")
    return [{"rule": RULES[no].id, "kind": RULES[no].kind, **rows[rid]} for no, rid in keys if rid in rows]


def _rows(con, rowids: set[int]) -> dict[int, dict]:
    """The listed columns of the given cases by rowid (in chunks: SQLite's parameter limit)."""
    out: dict[int, dict] = {}
    ids = sorted(rowids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        sql = (
            "SELECT c.rowid, c.id, p.family_name, p.given_names, p.kundennummer, c.stage, c.stage_since,"
            " c.updated_at, c.voucher_valid_until, c.course_start FROM fbw_case c JOIN person p ON p.id = c.person_id"
            f" WHERE c.rowid IN ({','.join('?' * len(chunk))})"
        )
        for row in con.execute(sql, chunk):
            out[row[0]] = dict(zip(KEYS[2:], row[1:]))
    return out
