"""Schema versions: a client at schema n-1 and one at n share a
case; fields the old client does not know survive its round trips, it keeps them with their
clocks, and after its update they are in their column. Outside the server's window a client is
told to update and keeps its outbox.

The old client is this code speaking schema 1 on a store migrated only as far as the release
before schema 2 (no ``kursnet_id`` column): what it writes, it writes with raw SQL and the change
recorder, as an old release's ORM would."""

from __future__ import annotations

import sqlite3
import uuid

import httpx
import pytest

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG
from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync, synced_state, to_voucher
from wbtui.sync.client import enable
from wbtui.sync.protocol import SCHEMA_RANGE, SCHEMA_VERSION

OLD_SCHEMA, OLD_MIGRATION = 1, 7  # schema 2 arrived with migration 8 (fbw_case.kursnet_id)


def old_store(path):
    from wbtui.data.store import Store, migrate

    migrate(path, target=OLD_MIGRATION)
    return Store(path)


def old_sync(store, url, token, *, version=OLD_SCHEMA):
    from wbtui.sync.client import SyncClient, enable

    enable(store)
    client = SyncClient(store, url, token, schema_version=version)
    try:
        return client.sync()
    finally:
        client.close()


def old_edit(store, case_id: str, field: str, value) -> None:
    """A local edit on the old release: the row, its field clock and the outbox in one transaction."""
    from wbtui.sync.recorder import enqueue, load_clock, save_clock

    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE fbw_case SET {field} = ? WHERE id = ?", (value, case_id))
        clock = load_clock(conn)
        base = conn.exec_driver_sql(
            "SELECT hlc FROM field_clock WHERE entity = 'case' AND row_id = ? AND field = ?", (case_id, field)
        ).fetchone()
        enqueue(conn, clock, "case", case_id, case_id, "set", {field: {"v": value, "base": base[0] if base else None}})
        save_clock(conn, clock)


def columns(store, table: str) -> set[str]:
    con = sqlite3.connect(store.path)
    try:
        return {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
    finally:
        con.close()


def test_property_19_fields_unknown_to_an_older_client_survive_its_round_trips(server, tmp_path):
    url, engine = server
    tokens = provision(engine)
    new_store, new = office(tmp_path, "new", JC_CONFIG, url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)  # the KURSNET id is the Agentur's (approved course)
    old = old_store(tmp_path / "old.db")
    assert "kursnet_id" not in columns(old, "fbw_case") and "kursnet_id" in columns(new_store, "fbw_case")

    enable(new_store)
    enable(aa_store)
    case_id = handed_over_case(new, new_store, aa_store, url, tokens, "Kursnetz")
    to_voucher(aa, case_id)
    aa.update_fields(case_id, {"kursnet_id": "1234-567.89"})
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert sync(new_store, url, tokens["ifk.ida"]).rejected == 0

    # the old client receives the case; the field it does not know is kept aside with its clock
    assert old_sync(old, url, tokens["ifk.ida"]).rejected == 0
    assert q(old, "SELECT target_title FROM fbw_case WHERE id = ?", case_id.hex) == [("Berufskraftfahrerin",)]
    assert q(old, "SELECT field, value FROM sync_extra WHERE row_id = ? AND field = 'kursnet_id'", case_id.hex) == [
        ("kursnet_id", '"1234-567.89"')
    ]  # (the case owner, schema 3, waits there too)

    # both edit the same case; the old one only what it knows
    old_edit(old, case_id.hex, "target_title", "Fachkraft Lagerlogistik")
    aa.update_fields(case_id, {"kursnet_id": "9999-1"})
    assert old_sync(old, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert sync(new_store, url, tokens["ifk.ida"]).rejected == 0
    assert old_sync(old, url, tokens["ifk.ida"]).rejected == 0
    assert q(new_store, "SELECT target_title, kursnet_id FROM fbw_case") == [("Fachkraft Lagerlogistik", "9999-1")]
    assert q(old, "SELECT value FROM sync_extra WHERE field = 'kursnet_id'") == [('"9999-1"',)]  # newest value, by HLC

    # an old client cannot write a field of a newer schema, even by hand: refused as 'schema', nothing changes
    push = {
        "device_id": "d",
        "batch_id": uuid.uuid4().hex,
        "schema_version": OLD_SCHEMA,
        "changes": [
            {
                "change_id": uuid.uuid4().hex,
                "entity": "case",
                "row_id": case_id.hex,
                "case_id": case_id.hex,
                "op": "set",
                "hlc": f"{int(__import__('time').time() * 1000) + 5:016d}-0000-nold",
                "fields": {"kursnet_id": {"v": "X", "base": None}},
            }
        ],
    }
    answer = httpx.post(
        f"{url}/sync/v1/push", json=push, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"}
    ).json()
    assert answer["results"][0]["status"] == "rejected" and answer["results"][0]["reason"] == "schema"

    # the old device is updated: migrations first, then its next sync moves the kept field into its column
    from wbtui.data.store import migrate

    migrate(old.path)
    # (the updated device speaks the newest schema: since schema 3 the case owner travels as well)
    assert old_sync(old, url, tokens["ifk.ida"], version=SCHEMA_VERSION).rejected == 0
    assert q(old, "SELECT kursnet_id, target_title FROM fbw_case") == [("9999-1", "Fachkraft Lagerlogistik")]
    assert q(old, "SELECT COUNT(*) FROM sync_extra") == [(0,)]
    assert q(old, "SELECT COUNT(*) FROM field_clock WHERE field = 'kursnet_id'") == [(1,)]
    assert synced_state(old) == synced_state(new_store)
    # and it now takes the field like any other
    aa.update_fields(case_id, {"kursnet_id": "2025-77"})
    sync(aa_store, url, tokens["aa.anton"])
    assert old_sync(old, url, tokens["ifk.ida"], version=SCHEMA_VERSION).pulled >= 1
    assert q(old, "SELECT kursnet_id FROM fbw_case") == [("2025-77",)]


@pytest.mark.parametrize("version", [0, SCHEMA_RANGE[1] + 1])
def test_a_client_outside_the_window_is_told_to_update_and_keeps_its_outbox(server, tmp_path, version):
    from wbtui.sync.client import SyncClient, SyncError, enable

    url, engine = server
    tokens = provision(engine)
    store, services = office(tmp_path, "jc", JC_CONFIG, url)
    enable(store)
    services.create_case(COMPLETE_CASE)
    pending = q(store, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'")[0][0]
    client = SyncClient(store, url, tokens["ifk.ida"], schema_version=version)
    with pytest.raises(SyncError) as caught:
        client.sync()
    client.close()
    assert caught.value.key == "err.sync_upgrade"
    assert q(store, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == [(pending,)] and pending > 0
    # a push that skips the handshake is refused the same way (426), nothing applied
    push = {"device_id": "d", "batch_id": uuid.uuid4().hex, "schema_version": version, "changes": []}
    response = httpx.post(f"{url}/sync/v1/push", json=push, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"})
    assert response.status_code == 426 and response.json()["action"] == "upgrade_required"


def test_the_kursnet_id_is_checked_where_it_is_typed(jc):
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.fields import parse_field

    assert parse_field("kursnet_id", " 123 456-7 ") == "123456-7"
    with pytest.raises(WbtuiError) as caught:
        parse_field("kursnet_id", "<b>x</b>")
    assert caught.value.key == "err.bad_kursnet"
    case_id = jc.create_case(COMPLETE_CASE)
    from wbtui.domain.access import AccessDenied

    with pytest.raises(AccessDenied) as refused:  # the approved course is the Agentur's record
        jc.update_fields(case_id, {"kursnet_id": "4711"})
    assert refused.value.params["reason"] == "perm.side"
    assert q(jc.store, "SELECT kursnet_id FROM fbw_case WHERE id = ?", case_id.hex) == [(None,)]
