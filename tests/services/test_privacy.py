"""Sozialdatenschutz: audit trail, roles and scopes, break-glass, retention, subject access.

Tests carry the threat or requirement they prove in their name (T… threats, R… requirements of the data-protection review).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from common import COMPLETE_CASE, TODAY, run_cli, run_cli_process, write_config
from wbtui.i18n import describe

SENTINEL = "ZZSENTINEL4711"


def _services(
    store,
    tmp_path,
    *,
    role="jc_ifk",
    login="ifk.ida",
    team=None,
    office="Jobcenter Musterstadt",
    kind="jobcenter_ge",
    name=None,
):
    from wbtui.config import load
    from wbtui.services import Services

    team_line = f'team = "{team}"\n' if team else ""
    text = (
        f'[office]\nname = "{office}"\nkind = "{kind}"\npartner_agentur = "Agentur für Arbeit Musterstadt"\n'
        f'[user]\nname = "{name or login}"\nlogin = "{login}"\nrole = "{role}"\n{team_line}'
    )
    return Services(store, load(write_config(tmp_path, text, f"{login}.toml")), today=TODAY)


def _audit(store) -> list[dict]:
    from wbtui.data import audit

    con = store.raw()
    try:
        return list(reversed(audit.entries(con)))
    finally:
        con.close()


def _engine(services):
    from wbtui.domain.timers import TimerEngine

    return TimerEngine(TODAY, services.config.timers, services.config.calendar())


# -- audit trail ------------------------------------------------------------------------------------


def test_R09_every_write_is_audited_with_field_names_and_groups_never_values(store, tmp_path):
    jc = _services(store, tmp_path)
    case_id = jc.create_case({**COMPLETE_CASE, "family_name": SENTINEL})
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung")
    jc.update_fields(case_id, {"health_limits_summary": f"kein Heben {SENTINEL}"})
    entries = _audit(store)
    creates = {e["object_type"] for e in entries if e["action"] == "create"}
    assert {"person", "fbw_case", "obstacle", "case_event"} <= creates
    obstacle = next(e for e in entries if e["object_type"] == "obstacle")
    assert (
        obstacle["data_groups"] == ["gesundheit"]
        and obstacle["case_id"] == case_id.hex
        and obstacle["actor"] == "ifk.ida"
    )
    update = next(
        e
        for e in entries
        if e["action"] == "update" and e["object_type"] == "fbw_case" and "health_limits_summary" in e["fields"]
    )
    assert update["data_groups"] == ["gesundheit"]
    dump = json.dumps(entries, ensure_ascii=False)
    assert SENTINEL not in dump and "Heben" not in dump  # names and health content never enter the audit trail


def test_R10_reads_lists_searches_prints_and_reveals_are_audited_before_data_is_returned(store, tmp_path):
    jc = _services(store, tmp_path)
    case_id = jc.create_case(COMPLETE_CASE)
    before = len(_audit(store))
    jc.read_case(case_id, _engine(jc), purpose="Beratungstermin")
    jc.read_case(case_id, _engine(jc), show_art9=True)
    jc.audit_list("fbw_case", 3, search="Beispiel")
    jc.audit_list("fbw_case", 1, search="123A456789")
    new = _audit(store)[before:]
    assert [e["action"] for e in new] == ["read", "read", "reveal_art9", "search", "search"]
    assert new[0]["purpose"] == "Beratungstermin" and new[2]["data_groups"] == ["gesundheit"]
    assert new[3]["detail"] == "name; 3" and new[4]["detail"] == "kundennummer; 1"  # the kind of search, never its text
    assert "Beispiel" not in json.dumps(new)


def test_audit_chain_detects_tampering_and_the_table_refuses_changes(store, tmp_path):
    from wbtui.data import audit

    jc = _services(store, tmp_path)
    jc.create_case(COMPLETE_CASE)
    con = store.raw(readonly=False)
    assert audit.verify(con).ok
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("UPDATE audit_log SET actor = 'jemand' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("DELETE FROM audit_log WHERE seq = 2")
    # someone with file access drops the triggers and rewrites an entry: the chain shows it
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'jemand' WHERE seq = 3")
    con.commit()
    result = audit.verify(con)
    assert not result.ok and result.first_bad_seq == 3
    con.close()


def test_R09_audit_failure_fails_the_action_closed(store, tmp_path):
    from wbtui.data.audit import AuditFailed

    jc = _services(store, tmp_path)
    case_id = jc.create_case(COMPLETE_CASE)
    con = store.raw(readonly=False)
    con.execute(
        "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
    )
    con.close()
    with pytest.raises(AuditFailed):
        jc.read_case(case_id, _engine(jc))
    with pytest.raises(AuditFailed):
        jc.update_fields(case_id, {"target_title": "Neu"})
    con = store.raw()
    assert (
        con.execute("SELECT target_title FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0] != "Neu"
    )  # nothing written
    con.close()


def test_audit_cli_is_for_the_dsb_only_and_reading_it_is_audited(store, jc, tmp_path):
    jc.create_case(COMPLETE_CASE)
    store.close()
    refused = run_cli("audit", "list")  # default role jc_ifk
    assert refused.returncode == 5 and "Berechtigung" in refused.stderr
    dsb = write_config(tmp_path, '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n', "dsb.toml")
    env = {"WBTUI_CONFIG": str(dsb)}
    listing = run_cli("audit", "list", "--json", "--limit", "500", env=env)
    assert listing.returncode == 0, listing.stderr
    items = json.loads(listing.stdout)
    assert items[0]["action"] == "read" and items[0]["object_type"] == "audit_log" and items[0]["actor"] == "dsb.dora"
    verify = run_cli("audit", "verify", env=env)
    assert verify.returncode == 0 and "unverändert" in verify.stdout
    target = tmp_path / "audit.jsonl"
    exported = run_cli("audit", "export", "-o", str(target), env=env)
    assert exported.returncode == 0 and (target.stat().st_mode & 0o777) == 0o600
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines and all(len(line["hash"]) == 64 for line in lines)


# -- roles, scopes, break-glass ------------------------------------------------------------------


@pytest.fixture
def team_store(store, tmp_path):
    """Two teams in one Jobcenter; a case owned by each."""
    ida = _services(store, tmp_path, login="ifk.ida", team="Team Nord")
    ole = _services(store, tmp_path, login="ifk.ole", team="Team Süd")
    mine = ida.create_case(COMPLETE_CASE)
    theirs = ole.create_case({**COMPLETE_CASE, "kundennummer": "123A456790", "family_name": "Süd"})
    con = store.raw()
    owners = dict(con.execute("SELECT id, owner_login || '/' || owner_team FROM fbw_case").fetchall())
    con.close()
    assert owners == {mine.hex: "ifk.ida/Team Nord", theirs.hex: "ifk.ole/Team Süd"}  # set by the intake
    return ida, ole, mine, theirs


def test_T14_scope_own_team_needs_break_glass_with_reason_outside_and_it_is_audited(store, tmp_path, team_store):
    from wbtui.domain.access import AccessDenied

    ida, _ole, mine, theirs = team_store
    assert ida.read_case(mine, _engine(ida))["person"]["family_name"] == "Beispiel"
    with pytest.raises(AccessDenied) as info:
        ida.read_case(theirs, _engine(ida))
    assert info.value.break_glass
    with pytest.raises(AccessDenied):
        ida.update_fields(theirs, {"target_title": "heimlich"})
    with pytest.raises(AccessDenied):
        ida.open_break_glass(theirs, "weil")  # a reason of substance is required
    ida.open_break_glass(theirs, "Vertretung Herr Ole, Termin heute")
    assert ida.read_case(theirs, _engine(ida))["person"]["family_name"] == "Süd"
    glass = [e for e in _audit(store) if e["action"] == "break_glass"]
    assert (
        len(glass) == 1
        and glass[0]["reason"] == "Vertretung Herr Ole, Termin heute"
        and glass[0]["case_id"] == theirs.hex
    )


def test_break_glass_expires_after_two_hours(store, tmp_path, team_store):
    from wbtui.data import access

    ida, _ole, _mine, theirs = team_store
    con = store.raw(readonly=False)
    subject = ida.subject
    past = datetime.now(UTC) - timedelta(hours=3)
    access.open_break_glass(con, subject, theirs.hex, "Vertretung vor drei Stunden", ida.who, now=past)
    assert not access.break_glass_active(con, subject.login, theirs.hex)
    assert access.break_glass_active(con, subject.login, theirs.hex, now=past + timedelta(minutes=119))
    con.close()


def test_T14_other_organisation_and_unhanded_cases_stay_closed_even_with_a_reason(store, tmp_path):
    from wbtui.domain.access import AccessDenied

    jc = _services(store, tmp_path)
    other = _services(store, tmp_path, login="ifk.nord", office="Jobcenter Nordkreis")
    aa = _services(
        store, tmp_path, login="aa.anton", role="aa_beratung", office="Agentur für Arbeit Musterstadt", kind="agentur"
    )
    case_id = jc.create_case(COMPLETE_CASE)
    for services in (other, aa):
        with pytest.raises(AccessDenied) as info:
            services.read_case(case_id, _engine(services))
        assert not info.value.break_glass
        with pytest.raises(AccessDenied):
            services.open_break_glass(case_id, "Ich möchte das bitte sehen")


def test_R04_art9_needs_its_own_permission(store, tmp_path):
    from wbtui.domain.access import AccessDenied

    jc = _services(store, tmp_path)
    lead = _services(store, tmp_path, login="tl.tina", role="jc_teamlead")
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_obstacle(case_id, "L-GES", status="offen")
    jc.update_fields(case_id, {"health_limits_summary": "kein schweres Heben"})
    detail = lead.read_case(case_id, _engine(lead))
    assert detail["case"]["health_limits_summary"] is None and detail["art9_hidden"] == 1
    with pytest.raises(AccessDenied):
        lead.read_case(case_id, _engine(lead), show_art9=True)
    with pytest.raises(AccessDenied):
        lead.add_obstacle(case_id, "L-SUC")
    assert jc.read_case(case_id, _engine(jc), show_art9=True)["obstacles"][0]["code"] == "L-GES"


def test_dsb_and_admin_see_no_case_content_the_dsb_only_by_break_glass(store, tmp_path):
    from wbtui.domain.access import AccessDenied

    jc = _services(store, tmp_path)
    dsb = _services(store, tmp_path, login="dsb.dora", role="dsb")
    admin = _services(store, tmp_path, login="adm.ali", role="admin")
    case_id = jc.create_case(COMPLETE_CASE)
    with pytest.raises(AccessDenied) as info:
        dsb.read_case(case_id, _engine(dsb))
    assert info.value.break_glass
    with pytest.raises(AccessDenied) as info:
        admin.read_case(case_id, _engine(admin))
    assert not info.value.break_glass
    dsb.open_break_glass(case_id, "Prüfung Beschwerde vom 20.11.")
    assert dsb.read_case(case_id, _engine(dsb))["person"]["kundennummer"] == "123A456789"
    with pytest.raises(AccessDenied):
        dsb.update_fields(case_id, {"target_title": "x"})  # reading is not writing


def test_T14_policy_table_role_by_permission():
    from wbtui.domain import access as policy

    ref = policy.CaseRef("jc1", "aa1", "u-other", "Team B", True, True)
    expected = {
        ("jc_ifk", "Team A"): "break_glass",
        ("jc_ifk", None): "allow",
        ("jc_teamlead", "Team A"): "break_glass",
        ("jc_teamlead", "Team B"): "allow",
        ("dsb", None): "break_glass",
        ("admin", None): "deny",
    }
    for (role, team), verdict in expected.items():
        subject = policy.Subject("x", role, "jc1", "u-me", team)
        assert policy.decide(subject, ref) == verdict, (role, team)
    aa = policy.Subject("a", "aa_beratung", "aa1", "u-a", None)
    assert policy.decide(aa, ref, policy.CASE_WRITE) == "allow"
    assert policy.decide(policy.Subject("a", "aa_beratung", "aa2", "u-a", None), ref) == "deny"
    not_handed = policy.CaseRef("jc1", None, None, None, True, False)
    assert policy.decide(aa, not_handed) == "deny"
    assert policy.decide(policy.Subject("x", "jc_ifk", "jc2", "u", None), ref) == "deny"


# -- retention and erasure -------------------------------------------------------------------------


def _close_long_ago(store, case_id, days: int) -> None:
    con = store.raw(readonly=False)
    closed = (datetime.now(UTC) - timedelta(days=days)).isoformat(sep=" ")
    con.execute("UPDATE fbw_case SET stage = 'closed', closed_at = ? WHERE id = ?", (closed, case_id.hex))
    con.close()


def _sentinel_hits(db_path) -> int:
    hits = 0
    for suffix in ("", "-wal", "-shm"):
        path = db_path.parent / (db_path.name + suffix)
        if path.exists():
            hits += path.read_bytes().count(SENTINEL.encode())
    return hits


def test_T9_retention_deletes_due_cases_so_nothing_is_recoverable_and_keeps_held_and_recent(store, tmp_path):
    from wbtui.services import retention
    from wbtui.sync.client import enable

    enable(store)  # the outbox holds values too: it must go with the case
    jc = _services(store, tmp_path)
    dsb = _services(store, tmp_path, login="dsb.dora", role="dsb")
    due = jc.create_case({**COMPLETE_CASE, "family_name": SENTINEL})
    jc.record_contact(due, f"Notiz {SENTINEL}")
    jc.add_task(due, f"Anruf {SENTINEL}", None, TODAY)
    jc.add_conference(
        due,
        variant="fallbesprechung",
        participants=[(SENTINEL, "jc_ifk", "Jobcenter")],
        decisions=[("adjust_training", "ifk.ida", TODAY)],
        dissent=SENTINEL,
    )
    held = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A456790"})
    recent = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A456791"})
    _close_long_ago(store, due, 400)
    _close_long_ago(store, held, 400)
    _close_long_ago(store, recent, 100)
    retention.hold(store, dsb.who, held.hex, "Widerspruchsverfahren")
    assert _sentinel_hits(store.path) > 0

    dry = retention.run(store, dsb.who, today=date.today(), days=365)
    assert (dry.as_dict()["due"], dry.as_dict()["held"], dry.applied) == (1, 1, False)
    assert _sentinel_hits(store.path) > 0  # a dry run deletes nothing

    result = retention.run(store, dsb.who, today=date.today(), days=365, apply=True)
    assert result.deleted_cases == 1 and result.deleted_persons == 1 and not result.checkpoint_busy
    con = store.raw()
    assert {r[0] for r in con.execute("SELECT id FROM fbw_case")} == {held.hex, recent.hex}
    assert con.execute("SELECT COUNT(*) FROM outbox WHERE case_id = ?", (due.hex,)).fetchone()[0] == 0
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert _sentinel_hits(store.path) == 0
    tombstones = [e for e in _audit(store) if e["action"] == "retention"]
    assert any(e["case_id"] == due.hex for e in tombstones)
    con = store.raw()
    from wbtui.data import audit

    assert audit.verify(con).ok
    con.close()


def test_retention_cli_dry_run_first_and_only_for_dsb_or_admin(store, jc, tmp_path):
    case_id = jc.create_case(COMPLETE_CASE)
    _close_long_ago(store, case_id, 800)
    store.close()
    assert run_cli("retention", "run").returncode == 5
    admin = write_config(
        tmp_path, '[user]\nlogin = "adm.ali"\nrole = "admin"\n[retention]\nclosed_case_days = 730\n', "admin.toml"
    )
    env = {"WBTUI_CONFIG": str(admin)}
    dry = run_cli("retention", "run", env=env)
    assert dry.returncode == 0 and "Probelauf: 1" in dry.stdout
    done = run_cli("retention", "run", "--apply", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted_cases"] == 1


# -- subject access -------------------------------------------------------------------------------------


def test_art15_subject_access_export_has_everything_recipients_and_accesses(store, tmp_path):
    from wbtui.services.subject_access import export

    jc = _services(store, tmp_path)
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_obstacle(case_id, "L-GES", status="in_bearbeitung")
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "hemmnisse"],
        given_on=TODAY,
    )
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    jc.read_case(case_id, _engine(jc), purpose="Beratung")
    from wbtui.domain.access import AccessDenied

    with pytest.raises(AccessDenied):
        export(jc, "123A456789")  # a caseworker does not answer Art. 15 requests alone
    dsb = _services(store, tmp_path, login="dsb.dora", role="dsb")
    with pytest.raises(AccessDenied) as info:
        export(dsb, "123A456789")  # the DSB sees case content only by break-glass, Art. 15 included
    assert info.value.break_glass
    dsb.open_break_glass(case_id, "Auskunftsersuchen vom 20.11.2026")
    data = export(dsb, "123A456789")
    assert data["format"] == "wbtui-auskunft" and data["person"]["kundennummer"] == "123A456789"
    case = data["cases"][0]
    assert {o["code"] for o in case["obstacle"]} == {"R-KIN"}  # Art. 9 only with art9.read
    assert data["art9_withheld"] >= 1 and data["cases_withheld"] == 0
    assert (
        case["recipients"] == ["Agentur für Arbeit Musterstadt"] and data["consents"][0]["purpose"] == "fbw_uebergabe"
    )
    reads = [a for a in case["accesses"] if a["action"] == "read"]
    assert (
        reads
        and reads[0]["role"] == "jc_ifk"
        and reads[0]["office"] == "Jobcenter Musterstadt"
        and reads[0]["purpose"] == "Beratung"
    )
    assert "actor" not in reads[0]  # staff logins are not part of the Auskunft
    assert any(e["action"] == "subject_access" for e in _audit(store))


def test_cli_person_export_writes_0600_json(store, jc, tmp_path):
    jc.create_case(COMPLETE_CASE)
    store.close()
    dsb = write_config(tmp_path, '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n', "dsb.toml")
    target = tmp_path / "auskunft.json"
    refused = run_cli("person", "export", "123A456789", "-o", str(target), env={"WBTUI_CONFIG": str(dsb)})
    assert refused.returncode == 5 and "--reason" in refused.stderr and not target.exists()
    result = run_cli(
        "person", "export", "123A456789", "-o", str(target), "--reason", "Auskunftsersuchen vom 20.11.",
        env={"WBTUI_CONFIG": str(dsb)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (target.stat().st_mode & 0o777) == 0o600 and json.loads(target.read_text())["person"][
        "family_name"
    ] == "Beispiel"


def test_cli_case_show_outside_caseload_needs_reason(store, tmp_path, team_store):
    _ida, _ole, _mine, theirs = team_store
    store.close()
    cfg = write_config(tmp_path, '[user]\nlogin = "ifk.ida"\nrole = "jc_ifk"\nteam = "Team Nord"\n', "ida-cli.toml")
    env = {"WBTUI_CONFIG": str(cfg)}
    refused = run_cli("case", "show", theirs.hex[:8], env=env)
    assert refused.returncode == 5 and "--reason" in refused.stderr and "Süd" not in refused.stdout
    opened = run_cli("case", "show", theirs.hex[:8], "--reason", "Vertretung laut Plan", "--json", env=env)
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout)["person"]["family_name"] == "Süd"


# -- local store protection -------------------------------------------------------------------------

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
fileserver:/export/home {home} nfs4 rw,vers=4.2 0 0
//nas/share {share} cifs rw 0 0
tmpfs {home}/local\\040dir tmpfs rw 0 0
"""


def test_T8_network_filesystem_detection_from_the_mount_table(tmp_path):
    from wbtui import paths

    home, share = tmp_path / "home", tmp_path / "share"
    mounts = MOUNTS.format(home=home, share=share)
    assert paths.is_network_fs(home / "ida" / "wbtui", mounts) == "nfs4"
    assert paths.is_network_fs(share / "x.db", mounts) == "cifs"
    assert paths.is_network_fs(home / "local dir" / "wbtui", mounts) is None  # a local mount inside the NFS home
    assert paths.filesystem_type(tmp_path / "elsewhere", mounts) == "ext4"
    assert paths.is_network_fs(tmp_path) is None  # this machine's real table: the test dir is local


def test_T8_store_on_a_network_filesystem_is_refused(tmp_path, monkeypatch):
    from wbtui import paths
    from wbtui.data.store import open_store
    from wbtui.domain.errors import StoreError

    table = tmp_path / "mounts"
    table.write_text(f"/dev/sda1 / ext4 rw 0 0\nserver:/home {tmp_path / 'nfs'} nfs rw 0 0\n", encoding="utf-8")
    monkeypatch.setattr(paths, "MOUNTS_FILE", str(table))
    with pytest.raises(StoreError) as info:
        open_store(tmp_path / "nfs" / "wbtui.db")
    assert "Netzlaufwerk (nfs)" in describe(info.value)
    assert not (tmp_path / "nfs" / "wbtui.db").exists()
    open_store(tmp_path / "local" / "wbtui.db").close()


def test_T8_a_second_session_on_the_same_store_exits_with_a_clear_message(store, tmp_path):
    import subprocess
    import sys

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom wbtui.data.store import SessionLock\n"
            "lock = SessionLock(Path(sys.argv[1])).acquire()\nprint('held', flush=True)\ntime.sleep(60)",
            str(store.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        second = run_cli_process()  # the TUI: a real process, it would take over the terminal
        assert second.returncode == 4
        assert "bereits in einer anderen wbtui-Sitzung" in second.stderr and str(holder.pid) in second.stderr
        assert "Traceback" not in second.stderr
        apply = run_cli(
            "retention",
            "run",
            "--apply",
            env={"WBTUI_CONFIG": str(write_config(tmp_path, '[user]\nrole = "admin"\n', "a.toml"))},
        )
        assert apply.returncode == 4 and "bereits" in apply.stderr
    finally:
        holder.kill()
        holder.wait()
    from wbtui.data.store import SessionLock

    with SessionLock(store.path):  # released when the holder died, even by SIGKILL
        pass


# -- encryption at rest (SQLCipher) ------------------------------------------------------------------

ENC_CONFIG = '[store]\nencryption = "sqlcipher"\n[user]\nlogin = "ifk.ida"\nrole = "jc_ifk"\n'


def test_encrypted_store_holds_no_plaintext_and_a_wrong_key_is_a_clean_error(tmp_path):
    from wbtui.config import load
    from wbtui.data import encryption
    from wbtui.data.store import open_store
    from wbtui.domain.errors import StoreError
    from wbtui.services import Services

    db = tmp_path / "enc" / "wbtui.db"
    encryption.register(db, "korrekt pferd batterie")
    try:
        store = open_store(db)
        jc = Services(store, load(write_config(tmp_path, ENC_CONFIG, "enc.toml")), today=TODAY)
        case_id = jc.create_case({**COMPLETE_CASE, "family_name": SENTINEL})
        jc.record_contact(case_id, f"Notiz {SENTINEL}")
        assert jc.read_case(case_id, _engine(jc))["person"]["family_name"] == SENTINEL
        raw = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith("wbtui.db"))
        assert SENTINEL.encode() not in raw and not db.read_bytes().startswith(b"SQLite format 3")
        assert (db.stat().st_mode & 0o777) == 0o600 and (
            tmp_path / "enc" / "wbtui.db.salt"
        ).stat().st_mode & 0o777 == 0o600
        store.close()
    finally:
        encryption.forget(db)
    with pytest.raises(StoreError) as info:  # no key: refused with a clear message, not "file is not a database"
        open_store(db)
    assert "verschlüsselt" in describe(info.value)
    encryption.register(db, "falsch")
    try:
        with pytest.raises(StoreError) as info:
            open_store(db)
        assert "falsch" in describe(info.value)
    finally:
        encryption.forget(db)


def test_cli_with_encrypted_store_takes_the_key_from_the_environment_never_argv(tmp_path):
    cfg = write_config(tmp_path, ENC_CONFIG, "enc-cli.toml")
    env = {"WBTUI_CONFIG": str(cfg), "WBTUI_DB_KEY": "geheim-aber-lang"}
    made = run_cli("case", "new", "-k", "123A456789", "-n", SENTINEL, "-g", "Berta", env=env)
    assert made.returncode == 0, made.stderr
    listed = run_cli("case", "list", "--json", env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout)["cases"][0]["family_name"] == SENTINEL
    wrong = run_cli("case", "list", env={**env, "WBTUI_DB_KEY": "daneben"})
    assert wrong.returncode == 4 and "falsch" in wrong.stderr and "Traceback" not in wrong.stderr
    assert "ERROR" not in wrong.stderr  # SQLCipher's own log lines are silenced
    missing = run_cli("case", "list", env={"WBTUI_CONFIG": str(cfg)})
    assert missing.returncode == 4 and "WBTUI_DB_KEY" in missing.stderr


def test_existing_plaintext_store_is_encrypted_in_place_keeping_every_row(tmp_path):
    plain_cfg = write_config(tmp_path, '[user]\nlogin = "ifk.ida"\n', "plain.toml")
    assert run_cli("demo", "--cases", "40", "-q", env={"WBTUI_CONFIG": str(plain_cfg)}).returncode == 0
    before = json.loads(
        run_cli("case", "list", "--json", "--limit", "100", env={"WBTUI_CONFIG": str(plain_cfg)}).stdout
    )
    enc_cfg = write_config(tmp_path, ENC_CONFIG, "enc2.toml")
    env = {"WBTUI_CONFIG": str(enc_cfg), "WBTUI_DB_KEY": "neuer schluessel"}
    refused = run_cli("case", "list", env=env)
    assert refused.returncode == 4 and "store encrypt" in refused.stderr
    done = run_cli("store", "encrypt", env=env)
    assert done.returncode == 0, done.stderr
    after = json.loads(run_cli("case", "list", "--json", "--limit", "100", env=env).stdout)
    assert after["total"] == before["total"] > 20 and after["cases"] == before["cases"]
    db = tmp_path / "data" / "wbtui.db"
    assert not db.read_bytes().startswith(b"SQLite format 3")
    assert (
        run_cli(
            "audit",
            "verify",
            env={**env, "WBTUI_CONFIG": str(write_config(tmp_path, ENC_CONFIG.replace("jc_ifk", "dsb"), "d.toml"))},
        ).returncode
        == 0
    )


def test_tui_asks_for_the_key_on_the_terminal_before_it_starts(tmp_path):
    import os
    import sys

    cfg = write_config(tmp_path, ENC_CONFIG, "enc-tui.toml")
    env = dict(os.environ, WBTUI_CONFIG=str(cfg), WBTUI_DB_KEY="tui-schluessel-123")
    assert run_cli("demo", "--cases", "5", "-q", env=env).returncode == 0
    env.pop("WBTUI_DB_KEY")
    env["TERM"] = "xterm-256color"
    # the prompt comes first; the key typed there opens the store and the board appears
    import pty
    import time

    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "wbtui"], env)
    seen = b""
    try:
        deadline = time.time() + 20
        while b"Schl" not in seen and time.time() < deadline:
            seen += os.read(fd, 4096)
        os.write(fd, b"tui-schluessel-123\r")
        while b"Kunde" not in seen and time.time() < deadline:
            seen += os.read(fd, 65536)
        assert b"Kunde" in seen
        assert b"tui-schluessel-123" not in seen  # not echoed
        os.write(fd, b"\x11")
        time.sleep(1)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
