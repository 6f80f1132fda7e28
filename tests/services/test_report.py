"""Steering figures checked against values computed by hand on a small fixture."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from common import COMPLETE_CASE, run_cli
from wbtui.domain.process import TransitionInput


def at(day: str):
    return date.fromisoformat(day)


def walk(
    store,
    jc_config,
    aa_config,
    kdnr,
    created,
    handover=None,
    counselled=None,
    voucher=None,
    training=None,
    dropout=None,
):
    from wbtui.services import Services

    def jc(day):
        return Services(store, jc_config, today=at(day))

    def aa(day):
        return Services(store, aa_config, today=at(day))

    case_id = jc(created).create_case({**COMPLETE_CASE, "kundennummer": kdnr})
    if not handover:
        return case_id
    jc(created).add_consent(
        case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=at(created)
    )
    jc(handover).move(case_id, "ready_for_handover")
    jc(handover).send_handover(case_id)
    aa(handover).ack_handover(case_id, appointment_at=datetime.fromisoformat(counselled + "T09:00").replace(tzinfo=UTC))
    day_before = datetime.fromisoformat(counselled + "T09:00").replace(tzinfo=UTC)
    aa(counselled).move(case_id, "counselled", TransitionInput(outcome="foerderfaehig", appointment_at=day_before))
    aa(voucher).move(
        case_id, "voucher_issued", TransitionInput(valid_until=at(voucher).replace(month=at(voucher).month + 2))
    )
    aa(voucher).move(case_id, "enrolment_approved", TransitionInput(course_start=at(training)))
    aa(training).move(case_id, "in_training")
    if dropout:
        jc(dropout).move(case_id, "dropped_out", TransitionInput(reason="abbruch_motivation"))
    return case_id


def test_figures_match_hand_computed_values(store, jc_config, aa_config):
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import report

    walk(
        store, jc_config, aa_config, "123A000001", "2026-01-05", "2026-01-10", "2026-01-20", "2026-01-25", "2026-02-01"
    )
    walk(
        store,
        jc_config,
        aa_config,
        "123A000002",
        "2026-01-06",
        "2026-01-15",
        "2026-01-27",
        "2026-02-05",
        "2026-02-10",
        dropout="2026-03-01",
    )
    walk(
        store, jc_config, aa_config, "123A000003", "2026-02-03", "2026-02-10", "2026-02-24", "2026-03-10", "2026-03-15"
    )
    walk(store, jc_config, aa_config, "123A000004", "2026-02-04")
    con = store.raw()
    figures = report.compute(con, TimerEngine(date(2026, 3, 20), jc_config.timers, jc_config.calendar()))
    con.close()
    assert figures["funnel"] == {
        "need_identified": 4,
        "handed_over": 3,
        "counselled": 3,
        "voucher_issued": 3,
        "in_training": 3,
        "completed": 0,
        "integrated": 0,
    }
    assert figures["durations_days"] == {
        "handed_over->counselled": {"n": 3, "median": 12, "p90": 14},
        "counselled->voucher_issued": {"n": 3, "median": 9, "p90": 14},
        "voucher_issued->in_training": {"n": 3, "median": 5, "p90": 7},
    }
    assert figures["dropout"] == {"started": 3, "dropped_out": 1, "share": 0.333}
    assert figures["by_month"] == {
        "2026-01": {"need_identified": 2, "handed_over": 2, "in_training": 0},
        "2026-02": {"need_identified": 2, "handed_over": 1, "in_training": 2},
        "2026-03": {"need_identified": 0, "handed_over": 0, "in_training": 1},
    }
    assert figures["stages"] == {"in_training": 2, "dropped_out": 1, "need_identified": 1}
    exported = report.suppressed(figures)
    assert exported["dropout"] == {"started": 5, "dropped_out": "<3", "share": None}  # 3 rounds to 5
    assert exported["stages"] == {"in_training": "<3", "dropped_out": "<3", "need_identified": "<3"}
    assert exported["by_month"]["2026-03"]["in_training"] == "<3" and exported["funnel"]["handed_over"] == 5
    assert exported["durations_days"]["handed_over->counselled"] == {"n": 5, "median": None, "p90": None}


def test_T5_csv_export_is_safe_against_formulas():
    from wbtui.services import report

    figures = {
        "stages": {"=cmd|' /C calc'!A0": 5, "+1": 4, "-2": 3, "@SUM(A1)": 7, "\tx": 8, "plain": 9},
        "funnel": {},
        "overdue_by_rule": {},
        "cases_by_office": {"Jobcenter =Musterstadt": 12},
        "durations_days": {},
        "dropout": {"started": 0, "dropped_out": 0, "share": None},
        "by_month": {},
    }
    rows = list(csv.reader(io.StringIO(report.to_csv(figures)), delimiter=";"))
    keys = [r[1] for r in rows[1:]]
    for key in keys[:5]:
        assert key.startswith("'"), key
    assert "plain" in keys and "Jobcenter =Musterstadt" in keys


def test_protect_rounds_every_count_and_suppresses_small_ones():
    from wbtui.services.report import protect

    assert [protect(n) for n in (0, 1, 2, 3, 4, 7, 8, 12, 13, 200)] == [0, "<3", "<3", 5, 5, 5, 10, 10, 15, 200]


def test_report_o_file_in_text_format_writes_exact_counts_of_1__now_protected(tmp_path, store, jc):
    jc.create_case(COMPLETE_CASE)
    store.close()
    from common import LEAD_CONFIG, write_config

    env = {"WBTUI_CONFIG": str(write_config(tmp_path, LEAD_CONFIG.format(lang="de")))}
    for fmt in ("text", "json", "csv"):
        out = tmp_path / f"r.{fmt}"
        assert run_cli("report", "--format", fmt, "-o", str(out), env=env).returncode == 0
        body = out.read_text(encoding="utf-8")
        assert "<3" in body, fmt
        if fmt == "csv":
            counts = [row[3] for row in csv.reader(io.StringIO(body), delimiter=";")][1:]
            assert "1" not in counts
        else:
            assert ": 1," not in body and ": 1\n" not in body, fmt
        screen = run_cli("report", "--format", fmt, env=env).stdout
        assert "<3" in screen and ": 1," not in screen


def test_two_suppressed_exports_differenced_reveal_single_persons__now_not(store, jc_config, aa_config):
    """One more case between two exports: no exported count moves by one (or two)."""
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import Services, report

    services = Services(store, jc_config, today=at("2026-03-20"))
    for i in range(11):
        services.create_case({**COMPLETE_CASE, "kundennummer": f"123A{i:06d}"})
    engine = TimerEngine(date(2026, 3, 20), jc_config.timers, jc_config.calendar())

    def export() -> dict:
        con = store.raw()
        try:
            return report.suppressed(report.compute(con, engine))
        finally:
            con.close()

    def cells(figures: dict) -> dict:
        out = {}
        for section in ("stages", "funnel", "overdue_by_rule", "cases_by_office"):
            out.update({(section, k): v for k, v in figures[section].items()})
        for month, row in figures["by_month"].items():
            out.update({("by_month", month, k): v for k, v in row.items()})
        return out

    for step in range(8):  # one person at a time, as an observer comparing daily exports would see it
        before = cells(export())
        services.create_case({**COMPLETE_CASE, "kundennummer": f"124A{step:06d}"})
        after = cells(export())
        for key in before.keys() | after.keys():
            a, b = before.get(key, 0), after.get(key, 0)
            if isinstance(a, int) and isinstance(b, int):
                assert abs(b - a) in (0, report.ROUND_TO), (key, a, b)


def test_csv_month_column_is_not_protected_against_formulas__now_every_cell_is():
    from wbtui.services import report

    figures = {
        "stages": {}, "funnel": {}, "overdue_by_rule": {}, "cases_by_office": {}, "durations_days": {},
        "dropout": {"started": 0, "dropped_out": 0, "share": None},
        "by_month": {"=1+1": {"need_identified": 5}, "@x": {"-3": 5}},
    }  # fmt: skip
    rows = list(csv.reader(io.StringIO(report.to_csv(figures)), delimiter=";"))
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", row


def test_report_cli_json_and_csv(tmp_path):
    from common import JC_CONFIG, LEAD_CONFIG, write_config

    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de")))}
    assert run_cli("demo", "--cases", "200", "-q", env=env).returncode == 0
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, LEAD_CONFIG.format(lang="de"), "lead.toml"))}
    data = json.loads(run_cli("report", "--format", "json", env=env).stdout)
    assert data["funnel"]["need_identified"] == 200
    out = tmp_path / "steuerung.csv"
    res = run_cli("report", "--format", "csv", "-o", str(out), env=env)
    assert res.returncode == 0 and out.read_text(encoding="utf-8").startswith(
        "Bereich;Schlüssel;Monat;Wert;Bezeichnung"
    )
    assert (out.stat().st_mode & 0o077) == 0
