"""An audit trail that detects tampering (issue #13): one test per kind of damage. ``audit verify`` names
the first bad entry and what is missing; it said "intact" before after the newest entries were deleted,
the table emptied, or an entry edited and the chain recomputed."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3

import pytest

from common import COMPLETE_CASE, JC_CONFIG, TODAY, run_cli, write_config

DSB = '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n'


def _services(store, tmp_path, text: str, name: str):
    from wbtui.config import load
    from wbtui.services import Services

    return Services(store, load(write_config(tmp_path, text, name)), today=TODAY)


def _engine(services):
    from wbtui.domain.timers import TimerEngine

    return TimerEngine(TODAY, services.config.timers, services.config.calendar())


@pytest.fixture
def trail(store, jc, tmp_path):
    """A store with a few dozen audit entries; the DSB's environment for the CLI (the DSB already on record,
    so verifying appends nothing)."""
    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_obstacle(case_id, "R-KIN", status="offen")
    jc.update_fields(case_id, {"target_title": "Fachkraft Lagerlogistik"})
    jc.add_task(case_id, "Rückruf", None, TODAY)
    _ = _services(store, tmp_path, DSB, "dsb.toml").actor
    store.close()
    con = store.raw()
    newest = con.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
    con.close()
    assert newest > 10
    return {"WBTUI_CONFIG": str(tmp_path / "dsb.toml")}, newest


def verify(env) -> tuple[int, dict, str]:
    as_json = run_cli("audit", "verify", "--json", env=env)
    text = run_cli("audit", "verify", env=env)
    return as_json.returncode, json.loads(as_json.stdout), text.stdout + text.stderr


def raw(store) -> sqlite3.Connection:
    con = sqlite3.connect(store.path)
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return con


def test_intact_trail_verifies_and_the_anchor_sits_outside_the_store(store, trail):
    env, newest = trail
    code, result, text = verify(env)
    assert code == 0 and result["ok"] and "unverändert" in text
    from wbtui.data.audit_key import anchor_path, key_path

    con = store.raw()
    store_id = con.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
    con.close()
    for path in (key_path(store_id), anchor_path(store_id)):
        assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
        assert store.path.parent not in path.parents  # not beside the store: a copy of it does not carry them
    assert json.loads(anchor_path(store_id).read_text())["seq"] >= newest


def test_an_edited_entry_is_named(store, trail):
    env, _newest = trail
    con = raw(store)
    con.execute("UPDATE audit_log SET actor = 'jemand' WHERE seq = 5")
    con.commit()
    con.close()
    code, result, text = verify(env)
    assert code == 1 and result["problem"] == "changed" and result["first_bad_seq"] == 5
    assert "Eintrag 5" in text


def test_an_entry_edited_and_the_chain_recomputed_without_the_key_is_found(store, trail):
    """What ``audit verify`` called intact before: the plain SHA-256 chain recomputed after the edit."""
    from wbtui.data.audit import GENESIS, HASHED

    env, _newest = trail
    con = raw(store)
    con.execute("UPDATE audit_log SET actor = 'jemand' WHERE seq = 7")
    prev = GENESIS
    for row in con.execute(f"SELECT seq, {', '.join(HASHED)} FROM audit_log ORDER BY seq").fetchall():
        canonical = json.dumps(list(row[1:]), ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row[0]))
        prev = digest
    con.commit()
    con.close()
    code, result, _text = verify(env)
    assert code == 1 and result["problem"] == "changed" and result["first_bad_seq"] == 1  # keyed from the start


def test_an_entry_edited_and_the_chain_recomputed_with_the_key_is_caught_by_the_anchor(store, trail):
    from wbtui.data import audit_key
    from wbtui.data.audit import GENESIS, HASHED, entry_hash

    env, newest = trail
    con = raw(store)
    store_id = con.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
    key = audit_key.load(store_id)
    con.execute("UPDATE audit_log SET actor = 'jemand' WHERE seq = 7")
    prev = GENESIS
    for row in con.execute(f"SELECT seq, {', '.join(HASHED)} FROM audit_log ORDER BY seq").fetchall():
        digest = entry_hash(prev, dict(zip(HASHED, row[1:])), key)
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row[0]))
        prev = digest
    con.commit()
    con.close()
    code, result, text = verify(env)
    assert code == 1 and result["problem"] == "changed" and result["witness"] == "local"
    assert result["first_bad_seq"] >= newest  # the anchored entry no longer has the hash the anchor keeps


def test_the_newest_five_entries_deleted_are_named(store, trail):
    env, _newest = trail
    code, result, _text = verify(env)  # verifying is itself audited: the newest entries now include those reads
    con = raw(store)
    top = con.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
    con.execute("DELETE FROM audit_log WHERE seq > ?", (top - 5,))
    con.commit()
    con.close()
    code, result, text = verify(env)
    assert code == 1 and result["problem"] == "missing"
    assert (result["missing_from"], result["missing_to"]) == (top - 4, top)
    assert f"{top - 4}–{top}" in text


def test_an_emptied_table_is_named(store, trail):
    env, newest = trail
    con = raw(store)
    con.execute("DELETE FROM audit_log")
    con.commit()
    con.close()
    code, result, text = verify(env)
    assert code == 1 and result["problem"] == "emptied" and result["missing_to"] == newest
    assert "geleert" in text and str(newest) in text


def test_entries_written_after_the_table_was_emptied_do_not_hide_it(store, trail, tmp_path, jc):
    env, newest = trail
    con = raw(store)
    con.execute("DELETE FROM audit_log")
    con.commit()
    con.close()
    jc.create_case({**COMPLETE_CASE, "kundennummer": "123A000077"})  # the trail goes on after the deletion
    code, result, _text = verify(env)
    assert code == 1 and result["problem"] == "emptied" and result["missing_to"] == newest


def test_a_deleted_middle_entry_is_named_as_a_gap(store, trail):
    env, _newest = trail
    con = raw(store)
    con.execute("DELETE FROM audit_log WHERE seq IN (4, 5)")
    con.commit()
    con.close()
    code, result, text = verify(env)
    assert code == 1 and result["problem"] == "gap" and result["first_bad_seq"] == 6
    assert (result["missing_from"], result["missing_to"]) == (4, 5) and "4–5" in text


def test_a_deleted_key_leaves_the_chain_unverifiable_not_intact(store, trail):
    from wbtui.data import audit_key

    env, _newest = trail
    con = store.raw()
    store_id = con.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
    con.close()
    os.unlink(audit_key.key_path(store_id))
    audit_key._KEYS.clear()
    code, result, text = verify(env)
    assert code == 1 and result["problem"] in ("key_missing", "changed")
    assert result["first_bad_seq"] == 1


def test_a_deleted_or_forged_anchor_is_named(store, trail):
    from wbtui.data import audit_key

    env, _newest = trail
    con = store.raw()
    store_id = con.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
    con.close()
    path = audit_key.anchor_path(store_id)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "seq": 1}))  # moved back by hand: the signature no longer fits
    from wbtui.data.audit import verify as verify_chain

    con = store.raw()
    result = verify_chain(con)
    con.close()
    assert not result.ok and result.problem == "anchor_unsigned"
    os.unlink(path)
    con = store.raw()
    result = verify_chain(con)
    con.close()
    assert not result.ok and result.problem == "anchor_missing"


def test_a_store_restored_from_an_older_copy_is_found(store, trail, jc, tmp_path):
    import shutil

    env, _newest = trail
    backup = tmp_path / "backup.db"
    con = sqlite3.connect(store.path)
    con.execute("VACUUM INTO ?", (str(backup),))
    con.close()
    case_id = jc.resolve("123A456789")
    jc.update_fields(case_id, {"target_title": "Noch etwas"})
    jc.read_case(case_id, _engine(jc))
    store.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{store.path}{suffix}"):
            os.unlink(f"{store.path}{suffix}")
    shutil.copy(backup, store.path)
    code, result, text = verify(env)
    assert code == 1 and result["problem"] == "missing" and result["missing_from"] == trail[1] + 1


def test_refused_accesses_are_never_recorded__now_they_are(store, tmp_path, jc):
    from wbtui.data import audit
    from wbtui.domain.access import AccessDenied

    case_id = jc.create_case(COMPLETE_CASE)
    nord = JC_CONFIG.format(lang="de").replace('name = "Jobcenter Musterstadt"', 'name = "Jobcenter Nordkreis"')
    other = _services(store, tmp_path, nord.replace("ifk.ida", "ifk.nora"), "nora.toml")
    lead = _services(
        store,
        tmp_path,
        JC_CONFIG.format(lang="de").replace("jc_ifk", "jc_teamlead").replace("ifk.ida", "tl.tina"),
        "tina.toml",
    )
    with pytest.raises(AccessDenied):
        other.read_case(case_id, _engine(other))
    with pytest.raises(AccessDenied):
        other.update_fields(case_id, {"target_title": "x"})
    with pytest.raises(AccessDenied):
        lead.update_fields(case_id, {"health_limits_summary": "kein Heben"})
    con = store.raw()
    denied = [e for e in audit.entries(con) if e["action"] == "denied"]
    con.close()
    assert {(e["actor"], e["case_id"]) for e in denied} >= {("ifk.nora", case_id.hex), ("tl.tina", case_id.hex)}
    assert all(e["outcome"] == "denied" for e in denied)
    assert any("health_limits_summary" in (e["detail"] or "") for e in denied)
    assert run_cli("audit", "verify", env={"WBTUI_CONFIG": str(write_config(tmp_path, DSB, "d.toml"))}).returncode == 0


def test_the_server_witnesses_the_trail_a_local_rewrite_with_the_key_does_not_fool_it(server, tmp_path):
    """Someone with the OS account deletes the newest entries and moves the local anchor back with the
    key: only the server, which saw the longer trail at the last sync, can tell. It keeps its anchor
    (a shorter report is a regression, recorded on the server) and ``audit verify`` names what is missing."""
    from sqlalchemy import text

    from server_helpers import provision
    from sync_helpers import office
    from wbtui.data import audit_key
    from wbtui.services import sync as sync_service

    url, engine = server
    tokens = provision(engine)
    store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    case_id = jc.create_case(COMPLETE_CASE)
    jc.read_case(case_id, _engine(jc))
    dsb_text = (tmp_path / "jc.toml").read_text().replace("jc_ifk", "dsb").replace("ifk.ida", "dsb.dora")
    _ = _services(store, tmp_path, dsb_text, "dsb-sync.toml").actor  # the office's DSB, on record
    os.environ["WBTUI_TOKEN"] = tokens["ifk.ida"]
    try:
        sync_service.run(store, jc.config)
        con = store.raw()
        store_id = audit_key.store_id_of(con)
        top = con.execute("SELECT MAX(seq) FROM audit_log").fetchone()[0]
        con.close()
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT seq FROM srv_audit_anchor WHERE store_id = :s"), {"s": store_id}).scalar()
                == top
            )

        con = raw(store)
        con.execute("DELETE FROM audit_log WHERE seq > ?", (top - 3,))
        con.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'", (top - 3,))  # no gap left
        con.commit()
        head = audit_key.newest(con)
        con.close()
        key = audit_key.load(store_id)
        audit_key.anchor_path(store_id).unlink()
        audit_key.write_anchor(store_id, key, head)  # the local anchor, moved back with the key
        from wbtui.data.audit import verify as verify_chain

        con = store.raw()
        assert verify_chain(con).ok  # locally nothing shows any more: this is what the server is for
        con.close()

        # the office's DSB checks the trail of this store: signed in with their own token (the server pins the role)
        from server_helpers import PEPPER
        from wbtui.server.admin import add_user, issue_token

        add_user(engine, "dsb.dora", "Jobcenter Musterstadt", "dsb")
        dsb_token = issue_token(engine, PEPPER, "dsb.dora", ["read", "push"], 30)[1]
        dsb = _services(store, tmp_path, dsb_text, "dsb-sync.toml")
        os.environ["WBTUI_TOKEN"] = dsb_token
        _path, pin = sync_service.login(store, dsb.config, dsb_token)
        assert (pin.login, pin.role) == ("dsb.dora", "dsb")
        from wbtui.services import Services, privacy

        dsb = Services(store, dsb.config, today=TODAY)
        result = privacy.verify_trail(dsb)
        assert not result.ok and result.witness == "server" and result.problem == "missing", result
        assert result.missing_to == top and result.server == "checked"
        assert "der Server kennt Eintrag" in privacy.verification_text(result)

        os.environ["WBTUI_TOKEN"] = tokens["ifk.ida"]
        sync_service.run(store, jc.config)  # the shortened trail reported again: the server keeps its anchor
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT seq FROM srv_audit_anchor WHERE store_id = :s"), {"s": store_id}).scalar()
                == top
            )
            kinds = [r[0] for r in conn.execute(text("SELECT kind FROM srv_audit"))]
        assert "anchor_regression" in kinds
    finally:
        os.environ.pop("WBTUI_TOKEN", None)
