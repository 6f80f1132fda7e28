"""``audit verify`` on a synced caseworker's store (issue #13 retest, defect 5): the check reveals no content,
so every user of the store may run it (the caseworker whose role the server pinned, the DSB on a copy), and
the server's anchor catches what no local check can: an older backup restored together with its local
anchor. Real server on loopback, real stores, the CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3

from common import JC_CONFIG, run_cli, write_config


def _ok(*args, env, input=None):
    res = run_cli(*args, env=env, input=input)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res


def _backup(source, target) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_audit_verify_was_refused_on_a_synced_caseworkers_store__now_open_and_the_server_anchor_checked(
    server, tmp_path
):
    from server_helpers import provision

    url, engine = server
    tokens = provision(engine)
    keys = tmp_path / "keys"
    config = write_config(tmp_path, JC_CONFIG.format(lang="de") + f'[sync]\nurl = "{url}"\n', "jc.toml")
    env = {"WBTUI_CONFIG": str(config), "WBTUI_KEY_DIR": str(keys)}
    _ok("sync", "login", env=env, input=tokens["ifk.ida"] + "\n")
    _ok("case", "new", "-k", "123A456789", "-n", "Beispiel", "-g", "Berta", env=env)
    _ok("sync", env=env)
    checked = json.loads(_ok("audit", "verify", "--json", env=env).stdout)  # the pinned jc_ifk: no exit 5
    assert checked["ok"] and checked["server"] == "checked"

    # a backup of the store and its local anchor, taken now ...
    db = tmp_path / "data" / "wbtui.db"
    _backup(db, tmp_path / "backup.db")
    anchors = {p.name: p.read_bytes() for p in keys.glob("*.head")}
    assert anchors
    # ... then more work, which the server's anchor sees at the next sync
    _ok("case", "show", "123A456789", env=env)
    _ok("case", "list", env=env)
    _ok("sync", env=env)
    # the older backup restored with its anchor: consistent locally, but the server knows the newer head
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / "data" / f"wbtui.db{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", db)
    for name, body in anchors.items():
        (keys / name).write_bytes(body)
    res = run_cli("audit", "verify", "--json", env=env)
    found = json.loads(res.stdout)
    assert res.returncode == 1 and not found["ok"] and found["witness"] == "server", found
    line = run_cli("audit", "verify", env=env)
    assert line.returncode == 1 and "der Server" in line.stdout

    # the DSB verifies a copy of the store (with the store's key directory): no refusal, no change to it
    copy = tmp_path / "copy.db"
    _backup(db, copy)
    before = copy.read_bytes()
    dsb = write_config(tmp_path, '[user]\nlogin = "dsb.dora"\nrole = "dsb"\n', "dsb.toml")
    dsb_env = {"WBTUI_CONFIG": str(dsb), "WBTUI_KEY_DIR": str(keys)}
    on_copy = run_cli("--db", str(copy), "audit", "verify", "--json", env=dsb_env)
    assert on_copy.returncode == 0, on_copy.stderr  # locally consistent: only the server could tell
    assert json.loads(on_copy.stdout)["server"] == "not_configured"
    assert copy.read_bytes() == before
