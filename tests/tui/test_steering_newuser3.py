"""New-user findings (third round), the pure text parts: steering at 80 columns, English money and wording."""

from __future__ import annotations


def _figures() -> dict:
    step = {"n": 120, "median": 35, "p90": 60}
    return {
        "stages": {},
        "funnel": {},
        "durations_workdays": dict.fromkeys(("handed_over->counselled", "counselled->voucher_issued", "voucher_issued->in_training"), step),
        "durations_days": {},
        "dropout": {"share": None, "dropped_out": 0, "started": 0},
        "reasons": {},
        "by_team": {},
        "by_caseworker": {"local": {"open": 30, "overdue": 1, "closed": 0}},
        "overdue_by_rule": {},
        "by_month": {},
        "cases_by_office": {},
    }  # fmt: skip


def test_steering_steps_readable_at_80_columns():
    from wbtui.screens.team import render_figures

    text = render_figures(_figures(), 76).plain  # the screen's body at 80 columns
    assert "Übergeben → Beraten " in text
    assert "Beraten → Gutschein " in text
    assert "Gutschein → In Maßnahme " in text
    assert "local" not in text and "nicht eingerichtet" in text


def test_english_money_and_wording():
    from wbtui.i18n import set_language, t
    from wbtui.widgets.course_text import _grouped

    assert _grouped(1000) == "1.000"
    set_language("en")
    assert t("benefit.open", amount=_grouped(1000)) == "€1,000 once the exam is passed"
    assert t("ux.participant_role.person") == "the person"
    assert len(t("tui.conf.variant.fallbesprechung")) <= 42
