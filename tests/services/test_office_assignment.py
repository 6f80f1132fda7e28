"""Issue 15 item 3: Vertretung and reassignment — cases and follow-ups handed on (single and bulk), the team
inbox, absences that route new work, every step audited; real SQLite store and the CLI in process."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from common import COMPLETE_CASE, JC_CONFIG, TODAY, make_store, run_cli, write_config
from wbtui.domain.access import AccessDenied

NORD = 'team = "Team Nord"\n'


def _jc(login="ifk.ida", role="jc_ifk", name="Ida Ifk") -> str:
    text = JC_CONFIG.format(lang="de").replace("ifk.ida", login).replace("jc_ifk", role).replace("Ida Ifk", name)
    # the colleagues work may go to (README "Vertretung": an unknown login is refused)
    return text.replace("partner_agentur", 'colleagues = ["ifk.ole", "ifk.max", "tl.tina"]\npartner_agentur') + NORD


def _services(store, tmp_path, text: str, name: str):
    from wbtui.config import load
    from wbtui.services import Services

    return Services(store, load(write_config(tmp_path, text, name)), today=TODAY)


def _case(services, kdnr: str):
    return services.create_case({**COMPLETE_CASE, "kundennummer": kdnr})


def _owner(store, case_id) -> tuple:
    con = store.raw()
    try:
        return con.execute("SELECT owner_login, owner_team FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()
    finally:
        con.close()


def _task_owners(store, case_id) -> list[str]:
    con = store.raw()
    try:
        return [r[0] for r in con.execute("SELECT owner FROM task WHERE case_id = ? ORDER BY title", (case_id.hex,))]
    finally:
        con.close()


def test_cases_could_not_be_handed_to_a_colleague__now_single_and_bulk_with_their_follow_ups(store, tmp_path):
    ida = _services(store, tmp_path, _jc(), "ida.toml")
    first, second = _case(ida, "123A000001"), _case(ida, "123A000002")
    ida.add_task(first, "Nachfrage Kita", None, TODAY + timedelta(days=3))
    handed = ida.reassign([first, second], "ifk.ole")
    assert [h.receiver for h in handed] == ["ifk.ole", "ifk.ole"]
    assert _owner(store, first) == ("ifk.ole", "Team Nord")
    assert _task_owners(store, first) == ["ifk.ole"]  # the follow-up went along
    assert handed[0].tasks == 1


def test_a_reassignment_left_no_trace__now_the_timeline_and_the_audit_trail_name_it(store, tmp_path):
    ida = _services(store, tmp_path, _jc(), "ida.toml")
    case_id = _case(ida, "123A000003")
    ida.reassign([case_id], "ifk.ole")
    con = store.raw()
    try:
        event = con.execute(
            "SELECT payload FROM case_event WHERE case_id = ? AND type = 'case_reassigned'", (case_id.hex,)
        ).fetchone()
        audited = con.execute(
            "SELECT fields FROM audit_log WHERE case_id = ? AND action = 'update' AND object_type = 'fbw_case'",
            (case_id.hex,),
        ).fetchall()
    finally:
        con.close()
    payload = json.loads(event[0])
    assert payload["previous"] == "ifk.ida" and payload["owner"] == "ifk.ole"
    assert any("owner_login" in (row[0] or "") for row in audited)


def test_unassigned_work_had_no_place__now_the_team_inbox_holds_it_until_someone_takes_it(store, tmp_path):
    from wbtui.domain.timers import TimerEngine

    ida = _services(store, tmp_path, _jc(), "ida.toml")
    ole = _services(store, tmp_path, _jc("ifk.ole", name="Ole Ohm"), "ole.toml")
    case_id = _case(ida, "123A000004")
    ida.add_task(case_id, "Unterlagen prüfen", None, TODAY)
    ida.reassign([case_id], None)  # to the team inbox
    assert _owner(store, case_id) == (None, "Team Nord")
    assert _task_owners(store, case_id) == ["@team"]
    engine = TimerEngine(TODAY, ole.config.timers, ole.config.calendar())
    cases, tasks = ole.reads.team_inbox(engine)
    assert [c["id"] for c in cases] == [case_id.hex] and len(tasks) == 1
    ole.take([case_id])
    assert _owner(store, case_id)[0] == "ifk.ole"
    assert ole.reads.team_inbox(engine)[0] == []


def test_new_work_for_an_absent_colleague_was_lost__now_it_goes_to_the_deputy_or_the_team_inbox(store, tmp_path):
    lead = _services(store, tmp_path, _jc("tl.tina", "jc_teamlead", "Tina Lead"), "lead.toml")
    ida = _services(store, tmp_path, _jc(), "ida.toml")
    case_id = _case(ida, "123A000005")
    lead.set_absence("ifk.ole", TODAY - timedelta(days=1), TODAY + timedelta(days=10), "ifk.max")
    handed = ida.reassign([case_id], "ifk.ole")
    assert handed[0].receiver == "ifk.max" and handed[0].via == ("ifk.ole",)
    ida.add_task(case_id, "Rückruf", "ifk.ole", TODAY + timedelta(days=1))
    assert "ifk.max" in _task_owners(store, case_id)
    # the deputy is away too and names nobody: the team inbox
    lead.set_absence("ifk.max", TODAY, TODAY, None)
    assert ida.reassign([case_id], "ifk.ole")[0].receiver is None
    # after the absence, work reaches the colleague again
    lead.end_absence("ifk.max")
    lead.end_absence("ifk.ole")
    assert ida.reassign([case_id], "ifk.ole")[0].receiver == "ifk.ole"


def test_anyone_could_mark_a_colleague_absent__now_only_the_team_lead_or_the_person(store, tmp_path):
    ida = _services(store, tmp_path, _jc(), "ida.toml")
    with pytest.raises(AccessDenied):
        ida.set_absence("ifk.ole", TODAY, TODAY + timedelta(days=2), None)
    ida.set_absence(None, TODAY, TODAY + timedelta(days=2), "ifk.ole")  # the own absence
    assert [a["login"] for a in ida.absences()] == ["ifk.ida"]


def test_the_agentur_could_rewrite_the_jobcenters_caseload__now_refused(store, tmp_path, aa):
    ida = _services(store, tmp_path, _jc(), "ida.toml")
    case_id = _case(ida, "123A000006")
    with pytest.raises(AccessDenied):
        aa.reassign([case_id], "aa.anton")
    assert _owner(store, case_id)[0] == "ifk.ida"


def test_bulk_reassignment_was_half_done_on_a_refusal__now_all_or_nothing(store, tmp_path):
    from wbtui.domain.errors import RuleViolation

    ida = _services(store, tmp_path, _jc(), "ida.toml")
    open_case, closed_case = _case(ida, "123A000007"), _case(ida, "123A000008")
    ida.close(closed_case, "moved")
    with pytest.raises(RuleViolation):
        ida.reassign([open_case, closed_case], "ifk.ole")
    assert _owner(store, open_case)[0] == "ifk.ida"


def test_cli_team_assign_inbox_and_absence_with_json(tmp_path, monkeypatch):
    make_store(tmp_path)
    monkeypatch.setenv("WBTUI_DATA_DIR", str(tmp_path / "data"))
    lead = write_config(tmp_path, _jc("tl.tina", "jc_teamlead", "Tina Lead"), "lead.toml")
    ida = write_config(tmp_path, _jc(), "ida.toml")
    env_ida, env_lead = {"WBTUI_CONFIG": str(ida)}, {"WBTUI_CONFIG": str(lead)}
    for n in (1, 2):
        result = run_cli("case", "new", "-k", f"123A10000{n}", "-n", "Muster", "-g", f"Max{n}", env=env_ida)
        assert result.returncode == 0, result.stderr
    result = run_cli("team", "assign", "--from-owner", "ifk.ida", "--inbox", "--json", env=env_ida)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["count"] == 2
    inbox = json.loads(run_cli("team", "inbox", "--json", env=env_lead).stdout)
    assert len(inbox["cases"]) == 2
    result = run_cli("team", "absent", "--login", "ifk.ole", "--from", "01.01.2026", "--until", "31.12.2030",
                     "--deputy", "ifk.ida", env=env_lead)  # fmt: skip
    assert result.returncode == 0, result.stderr
    result = run_cli("team", "assign", "123A100001", "--to", "ifk.ole", env=env_lead)
    assert "ifk.ole ist abwesend" in result.stdout and result.returncode == 0
    assert run_cli("team", "assign", "123A100001", env=env_lead).returncode == 1  # neither --to nor --inbox
    absences = json.loads(run_cli("team", "absences", "--json", env=env_lead).stdout)
    assert absences["absences"][0]["deputy"] == "ifk.ida"


def test_a_login_with_blanks_or_control_characters_is_refused(store, tmp_path):
    from wbtui.domain.errors import WbtuiError

    ida = _services(store, tmp_path, _jc(), "ida.toml")
    case_id = _case(ida, "123A000009")
    with pytest.raises(WbtuiError):
        ida.reassign([case_id], "ole ohm")
