"""Issue 12 on the device's side: what arrives from a server is trusted no more than a device (a server of an
older version may still hold what today's refuses). A page is applied by the real client path
(``SyncClient._apply_page``) to a real store; what the store cannot take is quarantined and the page goes on;
no escape sequence from a received key or value reaches the terminal; one sync per store at a time."""

from __future__ import annotations

import time
import uuid

import pytest

from common import COMPLETE_CASE, run_cli, write_config
from sync_helpers import q


def _stamp(n: int) -> str:
    return f"{int(time.time() * 1000):016d}-{n:04x}-oldserver"


def _apply(store, changes: list[dict]):
    from wbtui.sync.client import SyncClient
    from wbtui.sync.transport import Summary

    client = SyncClient(store, "http://127.0.0.1:9", "token")
    summary = Summary()
    try:
        client._apply_page({"changes": changes, "cursor": "c1", "has_more": False}, summary)
    finally:
        client.close()
    return summary


def _set(entity: str, row_id: str, case_id: str, fields: dict, n: int) -> dict:
    stamp = _stamp(n)
    return {"kind": "set", "entity": entity, "row_id": row_id, "case_id": case_id,
            "fields": {k: {"v": v, "hlc": stamp} for k, v in fields.items()}}  # fmt: skip


def test_a_row_the_device_cannot_apply_stopped_every_sync__now_quarantined_with_its_reason_and_the_page_goes_on(
    store, jc
):
    from wbtui.sync.client import enable

    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_obstacle(case_id, "R-KIN", status="offen")
    enable(store)  # before the page's clocks are taken: switching sync on stamps the store's rows
    page = [
        # the same obstacle code a second time (a server before issue 12 took both rows)
        _set("obstacle", uuid.uuid4().hex, case_id.hex, {"case_id": case_id.hex, "code": "R-KIN", "status": "offen",
                                                         "art9": False, "created_at": "2026-11-25 12:00:00.000000"}, 1),
        # a row without its required columns
        _set("task", uuid.uuid4().hex, case_id.hex, {"title": "ohne Fall"}, 2),
        # and an ordinary change behind them
        _set("case", case_id.hex, case_id.hex, {"availability": "nachmittags"}, 3),
    ]  # fmt: skip
    summary = _apply(store, page)
    assert summary.quarantined == 2
    assert len(q(store, "SELECT reason FROM sync_quarantine WHERE reason != ''")) == 2
    assert q(store, "SELECT COUNT(*) FROM obstacle") == [(1,)]
    assert q(store, "SELECT availability FROM fbw_case") == [("nachmittags",)]
    assert q(store, "SELECT value FROM sync_meta WHERE key = 'cursor'") == [("c1",)]  # the cursor moved on


def test_json_keys_with_terminal_escapes_reached_case_show__now_refused_or_cleaned_on_receipt(store, jc, tmp_path):
    from common import JC_CONFIG
    from wbtui.sync.client import enable

    case_id = jc.create_case(COMPLETE_CASE)
    enable(store)
    person_id = q(store, "SELECT person_id FROM fbw_case")[0][0]
    osc52, title, link = "\x1b]52;c;ZWNobyBoaQ==\x07", "\x1b]0;Titel\x07", "\x1b]8;;http://x\x1b\\"
    page = [
        _set("consent", uuid.uuid4().hex, case_id.hex, {"person_id": person_id, "purpose": "fbw_uebergabe",
                                                       "recipients": [{osc52: "agentur"}], "data_groups": ["stammdaten"],
                                                       "given_on": "2026-11-25"}, 1),
        _set("person", person_id, case_id.hex, {"family_name": f"Muster{title}{link}mann"}, 3),
    ]  # fmt: skip
    summary = _apply(store, page)
    assert summary.quarantined == 1  # the consent whose recipients hold a key: not a list of recipients
    assert q(store, "SELECT entity, reason FROM sync_quarantine") == [("consent", "consent.recipients: value")]
    stored = q(store, "SELECT family_name FROM person")[0][0]
    assert "\x1b" not in stored and "\x07" not in stored
    store.close()
    env = {"WBTUI_CONFIG": str(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc-show.toml"))}
    shown = run_cli("case", "show", case_id.hex[:8], env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Muster" in shown.stdout and "\x1b" not in shown.stdout and "\x07" not in shown.stdout


def test_two_syncs_on_one_store_ran_at_once__now_the_second_is_told_one_is_running(store, jc):
    from wbtui.sync.client import SyncClient, enable
    from wbtui.sync.transport import SyncError, SyncLock

    jc.create_case(COMPLETE_CASE)
    enable(store)
    client = SyncClient(store, "http://127.0.0.1:9", "token")
    try:
        with SyncLock(store.path), pytest.raises(SyncError) as busy:  # the TUI's background sync holds it
            client.sync()
        assert busy.value.key == "err.sync_running"
        with pytest.raises(SyncError) as offline:  # released: this one runs (and finds no server here)
            client.sync()
        assert offline.value.key == "err.sync_offline"
    finally:
        client.close()
    assert q(store, "SELECT COUNT(*) FROM outbox")[0][0] > 0  # the outbox stays for the next sync
