"""Issue #13 ("Data protection that holds on the device"): each defect found as a new user and as an
attacker, with a test named after it. Read paths: test_read_policy.py; audit damage: test_audit_tamper.py;
retention: test_retention_sentinel.py; imports: test_exchange_schema.py, test_csv_import.py; reports:
test_report.py."""

from __future__ import annotations

import json
import os
import stat

import pytest

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY, make_store, run_cli, write_config
from wbtui.domain.access import AccessDenied

NORD = 'team = "Team Nord"\n'
SUED = 'team = "Team Süd"\n'


def _services(store, tmp_path, text: str, name: str):
    from wbtui.config import load
    from wbtui.services import Services

    return Services(store, load(write_config(tmp_path, text, name)), today=TODAY)


def _jc(login="ifk.ida", role="jc_ifk", team=NORD) -> str:
    return JC_CONFIG.format(lang="de").replace("ifk.ida", login).replace("jc_ifk", role) + team


def _engine(services):
    from wbtui.domain.timers import TimerEngine

    return TimerEngine(TODAY, services.config.timers, services.config.calendar())


# -- ownership travels with the case ----------------------------------------------------------------


def test_team_scopes_vanish_after_sync__now_owner_and_team_travel_within_the_office(server, tmp_path):
    from server_helpers import PEPPER, provision
    from sync_helpers import office, q, sync
    from wbtui.server.admin import add_user, issue_token
    from wbtui.sync.client import enable

    url, engine = server
    tokens = provision(engine)
    add_user(engine, "ifk.ole", "Jobcenter Musterstadt", "jc_ifk")
    tokens["ifk.ole"] = issue_token(engine, PEPPER, "ifk.ole", ["read", "push"], 30)[1]
    ida_store, ida = office(tmp_path, "ida", _jc(), url)
    ole_store, ole = office(tmp_path, "ole", _jc("ifk.ole", team=SUED), url)
    aa_store, _aa = office(tmp_path, "aa", AA_CONFIG, url)
    for store in (ida_store, ole_store, aa_store):
        enable(store)
    case_id = ida.create_case(COMPLETE_CASE)
    ida.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    ida.add_consent(
        case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY
    )
    ida.move(case_id, "ready_for_handover")
    ida.send_handover(case_id)
    assert sync(ida_store, url, tokens["ifk.ida"]).rejected == 0
    sync(ole_store, url, tokens["ifk.ole"])
    sync(aa_store, url, tokens["aa.anton"])

    # on the colleague's device the case keeps its owner and team: another team needs a reason
    assert q(ole_store, "SELECT owner_login, owner_team FROM fbw_case") == [("ifk.ida", "Team Nord")]
    with pytest.raises(AccessDenied) as info:
        ole.read_case(case_id, _engine(ole), show_art9=True)
    assert info.value.break_glass
    assert (
        ole.reads.cases(__import__("wbtui.data.queries", fromlist=["CaseFilter"]).CaseFilter(), _engine(ole))[0] == []
    )
    # and never to another office: the Agentur holds the case without who in the Jobcenter works on it
    assert q(aa_store, "SELECT owner_login, owner_team FROM fbw_case") == [(None, None)]
    with engine.connect() as conn:
        from sqlalchemy import text

        payloads = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT payload FROM srv_feed WHERE org_id != (SELECT id FROM srv_org WHERE name = 'Jobcenter Musterstadt')"
                )
            )
        ]
    assert not any("owner_login" in (p or "") for p in payloads)


def test_an_ownerless_case_opened_for_every_team__now_only_for_the_team_lead(store, tmp_path):
    ida = _services(store, tmp_path, _jc(), "ida.toml")
    ole = _services(store, tmp_path, _jc("ifk.ole", team=SUED), "ole.toml")
    lead = _services(store, tmp_path, _jc("tl.tom", "jc_teamlead", SUED), "tom.toml")
    case_id = ida.create_case(COMPLETE_CASE)
    con = store.raw(readonly=False)
    con.execute("UPDATE fbw_case SET owner_login = NULL, owner_team = NULL")  # e.g. synced from an older device
    con.close()
    with pytest.raises(AccessDenied):
        ole.read_case(case_id, _engine(ole), show_art9=False)
    assert lead.read_case(case_id, _engine(lead))["id"] == case_id.hex


# -- Art. 15, Art. 9 and writes by the same rules ---------------------------------------------------


def test_art15_export_gave_a_team_lead_of_another_team_the_art9_data__now_scope_and_art9_read(store, tmp_path):
    from wbtui.services.subject_access import export

    ida = _services(store, tmp_path, _jc(), "ida.toml")
    lead = _services(store, tmp_path, _jc("tl.tom", "jc_teamlead", SUED), "tom.toml")
    case_id = ida.create_case(COMPLETE_CASE)
    ida.add_obstacle(case_id, "L-GES", status="offen")
    ida.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    with pytest.raises(AccessDenied) as info:
        export(lead, "123A456789")
    assert info.value.break_glass
    lead.open_break_glass(case_id, "Auskunftsersuchen der Person vom 20.11.")
    data = export(lead, "123A456789")
    case = data["cases"][0]
    assert case["health_limits_summary"] is None and [o["code"] for o in case["obstacle"]] == []
    assert data["art9_withheld"] >= 2
    assert "kein schweres Heben" not in json.dumps(data, ensure_ascii=False, default=str)


def test_a_team_lead_could_set_the_health_summary__now_refused_and_audited(store, tmp_path):
    from wbtui.data import audit

    ida = _services(store, tmp_path, _jc(), "ida.toml")
    lead = _services(store, tmp_path, _jc("tl.tina", "jc_teamlead"), "tina.toml")
    case_id = ida.create_case(COMPLETE_CASE)
    with pytest.raises(AccessDenied):
        lead.update_fields(case_id, {"health_limits_summary": "kein Heben"})
    con = store.raw()
    assert con.execute("SELECT health_limits_summary FROM fbw_case").fetchone()[0] is None
    denied = [e for e in audit.entries(con) if e["action"] == "denied"]
    con.close()
    assert denied and denied[0]["actor"] == "tl.tina" and "health_limits_summary" in denied[0]["detail"]


@pytest.mark.parametrize("role", ["admin", "dsb", "aa_beratung"])
def test_admin_and_dsb_could_create_cases__now_refused(store, tmp_path, role):
    text = (AA_CONFIG.format(lang="de") if role.startswith("aa") else _jc("x.y", role, "")).replace("aa_beratung", role)
    services = _services(store, tmp_path, text, f"{role}.toml")
    with pytest.raises(AccessDenied):
        services.create_case(COMPLETE_CASE)
    store.close()
    res = run_cli(
        "case", "new", "-k", "123A456789", "-n", "X", "-g", "Y", env={"WBTUI_CONFIG": str(tmp_path / f"{role}.toml")}
    )
    assert res.returncode == 5 and len(res.stderr.strip().splitlines()) == 1
    con = store.raw()
    assert con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0] == 0
    con.close()


# -- every view of personal data audited once --------------------------------------------------------


def test_followups_inbox_csv_dry_run_and_handover_check_were_not_audited__now_once_per_view(store, tmp_path):
    from wbtui.data import audit
    from wbtui.screens.handover import FEEDBACK
    from wbtui.services.csv_import import run

    ida = _services(store, tmp_path, _jc(team=""), "ida.toml")
    case_id = ida.create_case(COMPLETE_CASE)

    def newest() -> list[dict]:
        con = store.raw()
        try:
            return audit.entries(con, limit=3)
        finally:
            con.close()

    reader = ida.reads
    reader.followups(_engine(ida), team=False)
    assert (newest()[0]["action"], newest()[0]["object_type"]) == ("list", "followups")
    reader.inbox(TODAY, FEEDBACK)
    assert (newest()[0]["action"], newest()[0]["object_type"]) == ("list", "inbox")
    csv_path = tmp_path / "k.csv"
    csv_path.write_text("Kundennummer;Nachname;Vorname\n123A456789;Beispiel;Berta\n", encoding="utf-8")
    run(ida, csv_path, dry_run=True)
    entry = newest()[0]
    assert (entry["action"], entry["object_type"]) == ("import", "csv") and entry["detail"].startswith("dry_run")
    assert "123A456789" not in json.dumps(newest())
    ida.handover_check(case_id)
    entry = newest()[0]
    assert (entry["action"], entry["object_type"], entry["case_id"]) == ("read", "handover", case_id.hex)


def test_a_csv_dry_run_told_anyone_whether_a_case_exists__now_only_who_may_open_cases(store, tmp_path):
    from wbtui.services.csv_import import run

    admin = _services(store, tmp_path, _jc("adm.ali", "admin", ""), "adm.toml")
    csv_path = tmp_path / "k.csv"
    csv_path.write_text("Kundennummer;Nachname;Vorname\n123A456789;Beispiel;Berta\n", encoding="utf-8")
    with pytest.raises(AccessDenied):
        run(admin, csv_path, dry_run=True)


# -- paths and configuration ---------------------------------------------------------------------------


def test_db_in_a_shared_directory_chmods_it__now_never_a_foreign_directory(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml"))}
    res = run_cli("--db", str(shared / "wbtui.db"), "demo", "--cases", "3", "-q", env=env)
    assert res.returncode == 4 and "für andere beschreibbar" in res.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777 and not (shared / "wbtui.db").exists()
    # a private subdirectory of it is fine, and made 0700
    res = run_cli("--db", str(shared / "mine" / "wbtui.db"), "demo", "--cases", "3", "-q", env=env)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE((shared / "mine").stat().st_mode) == 0o700
    # an existing directory others may read is used as it is, never tightened
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o750)
    assert run_cli("--db", str(team / "wbtui.db"), "demo", "--cases", "3", "-q", env=env).returncode == 0
    assert stat.S_IMODE(team.stat().st_mode) == 0o750 and stat.S_IMODE((team / "wbtui.db").stat().st_mode) == 0o600


def test_a_mistyped_db_silently_created_a_store__now_only_creating_commands_make_one(tmp_path):
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml"))}
    typo = tmp_path / "tpyo" / "wbtui.db"
    for args in (("case", "list"), ("overdue",), ("task", "list"), ("report",), ("audit", "verify")):
        res = run_cli("--db", str(typo), *args, env=env)
        assert res.returncode == 4 and str(typo) in res.stderr, (args, res.stderr)
    assert not typo.parent.exists()
    made = run_cli("--db", str(typo), "case", "new", "-k", "123A456789", "-n", "Neu", "-g", "Nina", env=env)
    assert made.returncode == 0 and typo.exists()


def test_a_mistyped_wbtui_config_fell_back_to_the_default_role__now_an_error(tmp_path):
    make_store(tmp_path)
    res = run_cli("case", "list", env={"WBTUI_CONFIG": str(tmp_path / "tpyo.toml")})
    assert res.returncode == 4 and "tpyo.toml" in res.stderr and "config init" in res.stderr
    made = run_cli("config", "init", env={"WBTUI_CONFIG": str(tmp_path / "neu.toml")})
    assert made.returncode == 0 and (tmp_path / "neu.toml").exists()


# -- where the role comes from ---------------------------------------------------------------------------


def test_role_from_a_file_the_user_edits__now_pinned_by_the_server_at_sync_login(server, tmp_path):
    from server_helpers import provision

    url, engine = server
    tokens = provision(engine)
    config = write_config(tmp_path, JC_CONFIG.format(lang="de") + f'[sync]\nurl = "{url}"\n', "jc.toml")
    env = {"WBTUI_CONFIG": str(config)}
    login = run_cli("sync", "login", env=env, input=tokens["ifk.ida"] + "\n")
    assert login.returncode == 0, login.stderr
    assert "ifk.ida" in login.stdout
    assert run_cli("case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", env=env).returncode == 0
    # the user raises their own role in the file: the server's word stands
    config.write_text(config.read_text().replace('role = "jc_ifk"', 'role = "dsb"').replace("ifk.ida", "ich.selbst"))
    refused = run_cli("audit", "list", env=env)
    assert refused.returncode == 5
    listed = json.loads(run_cli("case", "list", "--json", env=env).stdout)
    assert listed["total"] == 1  # still the caseworker ifk.ida, with their own caseload
    from wbtui.data import audit
    from wbtui.data.store import open_store

    store = open_store(tmp_path / "data" / "wbtui.db")
    con = store.raw()
    actors = {e["actor"] for e in audit.entries(con)}
    con.close()
    store.close()
    assert "ich.selbst" not in actors and "ifk.ida" in actors


def test_without_a_server_the_configuration_file_says_who_works_here(tmp_path):
    make_store(tmp_path)
    dsb = write_config(tmp_path, '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n', "dsb.toml")
    assert (
        run_cli("audit", "verify", env={"WBTUI_CONFIG": str(dsb)}).returncode == 0
    )  # README: the OS account is the boundary


def test_json_output_echoed_control_and_bidi_characters__now_every_string_is_cleaned(store, jc, tmp_path):
    jc.create_case(COMPLETE_CASE)
    con = store.raw(readonly=False)  # a store written by an older version, or edited by hand
    con.execute("UPDATE person SET family_name = 'Evil\u202e\x1b]0;t\x07\x9b31mName'")
    con.close()
    store.close()
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml"))}
    for args in (("case", "list", "--json"), ("case", "show", "123A456789", "--json"), ("overdue", "--json")):
        out = run_cli(*args, env=env).stdout
        for bad in ("\u202e", "\x1b", "\x07", "\x9b", "\\u202e", "\\u001b", "\\u0007", "\\u009b"):
            assert bad not in out, (args, repr(bad))
    assert "EvilName" in run_cli("case", "list", "--json", env=env).stdout.replace("]0;t", "").replace("31m", "")
