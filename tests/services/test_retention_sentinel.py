"""Retention leaves no trace (issue #13): after ``retention run --apply`` a sentinel planted in every
piece of free text and in the person's name and Kundennummer is found in no file wbtui wrote — the store,
its WAL and SHM, the documents folder (also the default target of prints and exports), the logs, the
keys — and the audit trail still verifies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY, run_cli, write_config
from wbtui.domain.process import TransitionInput

SENTINEL = "ZZSENTINEL4711"
KDNR = "987Z654321"
DSB = '[office]\nname = "Jobcenter Musterstadt"\nkind = "jobcenter_ge"\n[user]\nlogin = "dsb.dora"\nrole = "dsb"\n'


def _files_with(root, needles: tuple[bytes, ...]) -> list[str]:
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(".toml") and not path.name.startswith("input-"):
            data = path.read_bytes() + str(path).encode()  # the file's name counts too
            hits += [f"{path.relative_to(root)}: {n.decode()}" for n in needles if n in data]
    return hits


def _services(store, tmp_path, text, name):
    from wbtui.config import load
    from wbtui.services import Services

    return Services(store, load(write_config(tmp_path, text, name)), today=TODAY)


def test_retention_leaves_no_trace_in_any_file_wbtui_writes(store, tmp_path):
    from wbtui import paths
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import documents
    from wbtui.sync.client import enable

    enable(store)  # the outbox, field clocks and conflict records hold values too
    jc = _services(store, tmp_path, JC_CONFIG.format(lang="de"), "jc.toml")
    aa = _services(store, tmp_path, AA_CONFIG.format(lang="de"), "aa.toml")
    dsb = _services(store, tmp_path, DSB, "dsb.toml")
    engine = TimerEngine(TODAY, jc.config.timers, jc.config.calendar())
    case_id = jc.create_case(
        {**COMPLETE_CASE, "kundennummer": KDNR, "family_name": SENTINEL, "address": f"Weg 1 {SENTINEL}"}
    )
    jc.record_contact(case_id, f"Notiz {SENTINEL}")
    jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
    jc.add_task(case_id, f"Anruf {SENTINEL}", None, TODAY)
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY)
    jc.add_conference(
        case_id,
        variant="fallbesprechung",
        participants=[(SENTINEL, "jc_ifk", "Jobcenter")],
        decisions=[("adjust_training", "ifk.ida", TODAY)],
        dissent=SENTINEL,
    )
    jc.read_case(case_id, engine, purpose=f"Termin mit {SENTINEL}")  # a purpose is free text
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    aa.move(case_id, "counselled", TransitionInput(outcome="foerderfaehig"))
    aa.move(case_id, "voucher_issued", TransitionInput(valid_until=date(2027, 1, 31)))
    aa.move(case_id, "enrolment_approved", TransitionInput(course_start=date(2027, 1, 4), note=f"Kurs {SENTINEL}"))
    dsb.open_break_glass(case_id, f"Beschwerde von {SENTINEL}")  # a break-glass reason is free text
    from wbtui.services import privacy

    privacy.hold(dsb, KDNR, f"Widerspruch {SENTINEL}")  # and a hold reason
    privacy.release(dsb, KDNR)
    printed = documents.save(jc, case_id, kind="handover", target=paths.documents_dir() / f"Uebergabebogen-{KDNR}.md")
    loose = paths.documents_dir() / f"Export-{KDNR}-alt.json"  # written by hand or an older version: unregistered
    loose.write_text(json.dumps({"name": SENTINEL}), encoding="utf-8")
    keep = jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000099", "family_name": "Bleibt"})
    con = store.raw(readonly=False)
    closed = (datetime.now(UTC) - timedelta(days=400)).isoformat(sep=" ")
    con.execute("UPDATE fbw_case SET stage = 'closed', closed_at = ? WHERE id = ?", (closed, case_id.hex))
    con.close()
    store.close()
    needles = (SENTINEL.encode(), KDNR.encode())
    assert _files_with(tmp_path, needles)  # planted: the store, the outbox, the documents
    assert printed.exists() and SENTINEL in printed.read_text(encoding="utf-8")

    done = run_cli("retention", "run", "--apply", "--json", env={"WBTUI_CONFIG": str(tmp_path / "dsb.toml")})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted_cases"] == 1

    assert _files_with(tmp_path, needles) == []
    assert not printed.exists() and not loose.exists()
    con = store.raw()
    assert con.execute("SELECT COUNT(*) FROM course").fetchone()[0] == 0  # the orphaned course (title from a note)
    assert con.execute("SELECT COUNT(*) FROM audit_note").fetchone()[0] == 0
    assert [r[0] for r in con.execute("SELECT id FROM fbw_case")] == [keep.hex]
    purge = [
        json.loads(r[0])
        for r in con.execute("SELECT payload FROM outbox WHERE op = 'command' AND case_id = ?", (case_id.hex,))
    ]
    con.close()
    assert [p["name"] for p in purge] == ["case.purge"]  # a DSB's run asks the server to erase it too
    assert run_cli("audit", "verify", env={"WBTUI_CONFIG": str(tmp_path / "dsb.toml")}).returncode == 0


def test_the_audit_trail_keeps_purposes_and_reasons_as_codes_and_their_text_only_while_the_case_exists(store, tmp_path):
    from wbtui.data import audit

    jc = _services(store, tmp_path, JC_CONFIG.format(lang="de"), "jc.toml")
    dsb = _services(store, tmp_path, DSB, "dsb.toml")
    case_id = jc.create_case(COMPLETE_CASE)
    dsb.open_break_glass(case_id, f"Beschwerde von {SENTINEL}")
    con = store.raw()
    columns = con.execute("SELECT reason, purpose, detail FROM audit_log").fetchall()
    shown = [e for e in audit.entries(con) if e["action"] == "break_glass"]
    con.close()
    assert all(SENTINEL not in (value or "") for row in columns for value in row)  # the chained entries
    assert shown[0]["reason_code"] == "note" and shown[0]["reason"] == f"Beschwerde von {SENTINEL}"


def test_a_dsb_retention_run_queued_no_server_purge__now_it_does_and_the_admin_s_does_not(store, tmp_path):
    from wbtui.services.privacy import purges_on_server

    assert purges_on_server(_services(store, tmp_path, DSB, "dsb.toml").config)
    assert purges_on_server(_services(store, tmp_path, JC_CONFIG.format(lang="de"), "jc.toml").config)
    admin = DSB.replace('"dsb"', '"admin"').replace("dsb.dora", "adm.ali")
    assert not purges_on_server(_services(store, tmp_path, admin, "adm.toml").config)  # the server refuses its push
    assert not purges_on_server(_services(store, tmp_path, AA_CONFIG.format(lang="de"), "aa.toml").config)
