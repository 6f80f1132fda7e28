"""Issue 15 items 4 and 5: reason codes for decline, dropout, non-integration and closing (counted in the
steering figures) and the voucher and course details with the § 87a SGB III entitlements; real SQLite."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY, make_store, run_cli, write_config
from wbtui.domain.access import AccessDenied
from wbtui.domain.benefits import entitlements
from wbtui.domain.errors import RuleViolation
from wbtui.domain.process import Stage, TransitionInput


def _handed_over(jc, aa, kdnr="123A456789"):
    case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": kdnr})
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.move(case_id, Stage.READY)
    jc.send_handover(case_id)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 24, 9, tzinfo=UTC))
    return case_id


def _field(store, case_id, name):
    con = store.raw()
    try:
        return con.execute(f"SELECT {name} FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
    finally:
        con.close()


def test_a_refusal_carried_no_reason__now_a_coded_reason_is_required_and_kept(store, jc, aa):
    case_id = _handed_over(jc, aa)
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="nicht_foerderfaehig"))
    with pytest.raises(RuleViolation) as refused:
        aa.move(case_id, Stage.DECLINED_BY_AGENCY)
    assert refused.value.reasons[0][0] == "guard.needs_decline_reason"
    aa.move(case_id, Stage.DECLINED_BY_AGENCY, TransitionInput(reason="haushaltsmittel"))
    assert _field(store, case_id, "decline_reason") == "haushaltsmittel"


def _in_training(jc, aa, kdnr="123A456789"):
    case_id = _handed_over(jc, aa, kdnr)
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    aa.update_fields(case_id, {"voucher_number": "BGS-2026-0042", "training_goal": "Berufskraftfahrerin",
                               "duration_months": "24", "region": "Tagespendelbereich Musterstadt"})  # fmt: skip
    aa.move(case_id, Stage.VOUCHER_ISSUED, TransitionInput(valid_until=date(2027, 2, 20)))
    aa.update_fields(case_id, {"provider_name": "Bildungswerk Muster", "course_title": "Umschulung BKF",
                               "kursnet_id": "123456789", "qualification_2y": "ja"})  # fmt: skip
    aa.move(case_id, Stage.ENROLMENT_APPROVED, TransitionInput(course_start=TODAY, course_end=date(2028, 11, 24)))
    aa.move(case_id, Stage.IN_TRAINING)
    return case_id


def test_dropout_and_non_integration_reasons_are_kept_on_the_case(store, jc, aa):
    dropped = _in_training(jc, aa)
    jc.move(dropped, Stage.DROPPED_OUT, TransitionInput(reason="abbruch_betreuung"))
    assert _field(store, dropped, "dropout_reason") == "abbruch_betreuung"
    graduate = _in_training(jc, aa, "123A000777")
    jc.move(graduate, Stage.COMPLETED)
    with pytest.raises(RuleViolation):
        jc.move(graduate, Stage.NOT_YET_INTEGRATED)
    jc.move(graduate, Stage.NOT_YET_INTEGRATED, TransitionInput(reason="keine_passende_stelle"))
    assert _field(store, graduate, "non_integration_reason") == "keine_passende_stelle"


def test_voucher_and_course_details_were_missing__now_kept_and_copied_to_voucher_and_course(store, jc, aa):
    case_id = _in_training(jc, aa)
    con = store.raw()
    try:
        voucher = con.execute(
            "SELECT number, training_goal, max_duration_months, regional_scope FROM voucher WHERE case_id = ?",
            (case_id.hex,),
        ).fetchone()
        course = con.execute(
            "SELECT c.title, c.provider_name, c.kursnet_id, c.leads_to_qualification FROM course c"
            " JOIN enrolment e ON e.course_id = c.id WHERE e.case_id = ?",
            (case_id.hex,),
        ).fetchone()
    finally:
        con.close()
    assert voucher == ("BGS-2026-0042", "Berufskraftfahrerin", 24, "Tagespendelbereich Musterstadt")
    assert course == ("Umschulung BKF", "Bildungswerk Muster", "123456789", 1)
    assert _field(store, case_id, "course_actual_start") == TODAY.isoformat()


def test_the_jobcenter_could_write_the_agenturs_voucher_data__now_refused_by_the_permission_table(store, jc, aa):
    case_id = _handed_over(jc, aa)
    aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="foerderfaehig"))
    with pytest.raises(AccessDenied):
        jc.update_fields(case_id, {"voucher_number": "X-1"})
    with pytest.raises(AccessDenied):  # course data only once the voucher is out
        aa.update_fields(case_id, {"provider_name": "Bildungswerk"})


def test_premium_and_allowance_were_not_shown__now_derived_from_section_87a_sgb_iii():
    base = {"stage": "in_training", "course_start": TODAY, "qualification_2y": True}
    got = entitlements(base)
    assert (got.allowance_monthly, got.interim_premium, got.final_premium) == (150, 0, 0)
    got = entitlements({**base, "interim_exam": "bestanden", "final_exam": "bestanden", "stage": "completed"})
    assert (got.interim_premium, got.final_premium, got.premiums_total) == (1000, 1500, 2500)
    # a partial qualification (Teilqualifizierung) or an approval still pending: nothing yet
    assert entitlements({**base, "qualification_2y": False}).allowance_monthly == 0
    assert entitlements({**base, "stage": "voucher_issued"}).allowance_monthly == 0
    # a failed exam earns no premium
    assert entitlements({**base, "final_exam": "nicht_bestanden"}).final_premium == 0


def test_exam_results_shown_with_the_premium_in_case_show(store, jc, aa, tmp_path):
    case_id = _in_training(jc, aa)
    aa.update_fields(case_id, {"interim_exam": "bestanden"})
    store.close()
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, AA_CONFIG.format(lang="de"), "aa2.toml"))}
    shown = run_cli("case", "show", case_id.hex[:8], env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Prämie Zwischenprüfung (§ 87a Abs. 1 Nr. 1): 1.000 € – Prüfung bestanden" in shown.stdout
    assert "Weiterbildungsgeld (§ 87a Abs. 2/3 SGB III): 150 € monatlich" in shown.stdout
    assert "Nummer des Bildungsgutscheins: BGS-2026-0042" in shown.stdout
    data = json.loads(run_cli("case", "show", case_id.hex[:8], "--json", env=env).stdout)
    assert data["case"]["interim_exam"] == "bestanden"
    assert data["entitlements"]["interim_premium"] == 1000


def test_why_cases_stop_was_invisible_to_the_team_lead__now_reasons_are_counted(store, jc, aa):
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import report

    for n in range(3):
        case_id = _handed_over(jc, aa, f"123A00010{n}")
        aa.move(case_id, Stage.COUNSELLED, TransitionInput(outcome="nicht_foerderfaehig"))
        aa.move(case_id, Stage.DECLINED_BY_AGENCY, TransitionInput(reason="haushaltsmittel"))
    con = store.raw()
    try:
        figures = report.compute(con, TimerEngine(TODAY, jc.config.timers, jc.config.calendar()))
    finally:
        con.close()
    assert figures["reasons"]["decline"] == {"haushaltsmittel": 3}
    text = report.render(figures, "text")
    assert "Haushaltsmittel erschöpft" in text and "Ablehnung" in text


def test_cli_move_takes_a_reason_by_its_german_label(tmp_path):
    make_store(tmp_path)
    jc_env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml")),
              "WBTUI_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    aa_env = {**jc_env, "WBTUI_CONFIG": str(write_config(tmp_path, AA_CONFIG.format(lang="de"), "aa.toml"))}
    assert run_cli("case", "new", "-k", "123A456789", "-n", "Muster", "-g", "Max", "--phone", "0151 1",
                   "--birth-date", "01.01.1990", "--target-kldb", "52122", "--training-type", "Umschulung",
                   "--schedule", "Vollzeit", "--necessity", "integration", env=jc_env).returncode == 0  # fmt: skip
    assert run_cli("consent", "add", "123A456789", "--recipient", "agentur", "--group", "stammdaten",
                   env=jc_env).returncode == 0  # fmt: skip
    for step in (("case", "move", "123A456789", "S3"), ("handover", "send", "123A456789")):
        assert run_cli(*step, env=jc_env).returncode == 0
    assert run_cli("handover", "ack", "123A456789", "--appointment", "20.11.2026 09:00", env=aa_env).returncode == 0
    result = run_cli("case", "move", "123A456789", "S6", "--outcome", "nicht förderfähig", "--date",
                     "20.11.2026 09:00", env=aa_env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    refused = run_cli("case", "move", "123A456789", "S6r", env=aa_env)
    assert refused.returncode == 1 and "Grund der Ablehnung fehlt" in refused.stderr
    result = run_cli("case", "move", "123A456789", "S6r", "--reason", "Haushaltsmittel erschöpft", env=aa_env)
    assert result.returncode == 0, result.stderr
