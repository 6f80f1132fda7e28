"""Snapshot bootstrap (README "Snapshot bootstrap"): a device without a cursor loads its organisation's
snapshot and ends exactly where a device replaying the whole feed ends — same rows, same fields, same
events, same conflicts — on the SQLite and on the PostgreSQL server; the consent projection holds (no
Art. 9 data without `gesundheit`, nothing of a revoked handover or of another office); an interrupted
snapshot resumes after the last case it stored and still ends in the same state. A device that asks for
the older wire form (form 1) ends there too."""

from __future__ import annotations

import httpx
import pytest

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import PEPPER, provision
from sync_helpers import office, q, sync, synced_state

OTHER_JC = JC_CONFIG.replace("Jobcenter Musterstadt", "Jobcenter Nordland").replace("ifk.ida", "ifk.nora")


def new_device(tmp_path, name: str, config: str, url: str, token: str, *, snapshot: bool, transport=None):
    """A fresh store of the office, synced once (with the snapshot, or replaying the feed)."""
    from wbtui.sync.client import SyncClient, enable

    store, _services = office(tmp_path, name, config, url)
    enable(store)
    client = SyncClient(store, url, token, snapshot=snapshot, transport=transport)
    try:
        summary = client.sync()
    finally:
        client.close()
    return store, summary


def conflicts(store) -> list:
    return q(
        store, "SELECT conflict_id, entity, row_id, field, kind, kept_value, lost_value FROM sync_conflict ORDER BY 1"
    )


def handover(jc, case_id, groups: list[str]) -> None:
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=groups, given_on=TODAY)
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)


def build_offices(tmp_path, url, engine) -> dict:
    """Two Jobcenters and the Agentur with what a pull must cut: demo cases uploaded from a store that
    worked without sync, handovers with and without consent for `gesundheit`, a health obstacle, a
    revoked handover, a revoked consent, another office's case, and a free-text conflict."""
    from wbtui.server.admin import add_user, issue_token, open_upload_window
    from wbtui.services import demo

    tokens = provision(engine)
    open_upload_window(engine, "ifk.ida", 1)  # the demo store holds both offices' work (a shared store)
    add_user(engine, "ifk.ina", "Jobcenter Musterstadt", "jc_ifk")
    tokens["ifk.ina"] = issue_token(engine, PEPPER, "ifk.ina", ["read", "push"], 30)[1]
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    two_store, two = office(tmp_path, "jc2", JC_CONFIG.replace("ifk.ida", "ifk.ina"), url)
    aa_store, aa = office(tmp_path, "aa", AA_CONFIG, url)
    nord_store, nord = office(tmp_path, "nord", OTHER_JC, url)
    jc.actor  # noqa: B018  (the office and user the demo cases are filed under)
    con = jc_store.raw(readonly=False)
    demo.generate(con, 24, seed=5, today=TODAY, home_login="ifk.ida")
    con.close()

    no_health = jc.create_case({**COMPLETE_CASE, "kundennummer": "111A111111", "family_name": "Ohnegesund"})
    jc.add_obstacle(no_health, "L-GES", status="in_bearbeitung")
    jc.add_obstacle(no_health, "R-KIN", status="in_bearbeitung")
    jc.update_fields(no_health, {"health_limits_summary": "nur sitzende Tätigkeit"})
    handover(jc, no_health, ["stammdaten", "hemmnisse"])
    health = jc.create_case({**COMPLETE_CASE, "kundennummer": "222B222222", "family_name": "Mitgesund"})
    jc.add_obstacle(health, "L-PSY", status="in_bearbeitung")
    handover(jc, health, ["stammdaten", "hemmnisse", "gesundheit"])
    revoked = jc.create_case({**COMPLETE_CASE, "kundennummer": "333C333333", "family_name": "Zurueckgezogen"})
    handover(jc, revoked, ["stammdaten"])
    narrowed = jc.create_case({**COMPLETE_CASE, "kundennummer": "444D444444", "family_name": "Widerrufen"})
    jc.add_obstacle(narrowed, "R-FAM", status="in_bearbeitung")
    handover(jc, narrowed, ["stammdaten", "hemmnisse", "gesundheit"])
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).grants >= 4
    from datetime import UTC, datetime

    aa.ack_handover(health, appointment_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    jc.revoke_handover(revoked)
    consent = q(jc_store, "SELECT c.id FROM consent c JOIN fbw_case f ON f.person_id = c.person_id WHERE f.id = ?",
                narrowed.hex)[0][0]  # fmt: skip
    jc.revoke_consent(narrowed, consent[:8])
    sync(jc_store, url, tokens["ifk.ida"])
    # a free-text conflict between two devices of the Jobcenter
    sync(two_store, url, tokens["ifk.ina"])
    jc.update_fields(no_health, {"availability": "vormittags"})
    two.update_fields(no_health, {"availability": "nur Dienstag"})
    sync(jc_store, url, tokens["ifk.ida"])
    sync(two_store, url, tokens["ifk.ina"])
    sync(aa_store, url, tokens["aa.anton"])
    nord.create_case({**COMPLETE_CASE, "kundennummer": "555E555555", "family_name": "Nordlicht"})
    assert sync(nord_store, url, tokens["ifk.nora"]).rejected == 0
    return {"tokens": tokens, "no_health": no_health, "health": health, "revoked": revoked, "narrowed": narrowed}


def test_snapshot_bootstrap_ends_where_replaying_the_feed_ends_for_every_office(server, tmp_path):
    from wbtui.sync import protocol

    url, engine = server
    world = build_offices(tmp_path, url, engine)
    tokens = world["tokens"]
    for name, config, token in (
        ("jc", JC_CONFIG, "ifk.ida"),
        ("aa", AA_CONFIG, "aa.anton"),
        ("nord", OTHER_JC, "ifk.nora"),
    ):
        replay, by_feed = new_device(tmp_path, f"{name}-replay", config, url, tokens[token], snapshot=False)
        fresh, by_snapshot = new_device(tmp_path, f"{name}-snap", config, url, tokens[token], snapshot=True)
        assert by_feed.snapshot == 0 and by_snapshot.snapshot > 0, name
        assert by_snapshot.quarantined == 0 == by_feed.quarantined
        assert synced_state(fresh) == synced_state(replay), name
        assert conflicts(fresh) == conflicts(replay), name
        with pytest.MonkeyPatch.context() as patch:  # a device of the version before form 2: the server answers form 1
            patch.setattr(protocol, "SNAPSHOT_FORM", 1)
            older, _ = new_device(tmp_path, f"{name}-form1", config, url, tokens[token], snapshot=True)
        assert synced_state(older) == synced_state(replay) and conflicts(older) == conflicts(replay), name
        # and the device goes on from the snapshot's cursor: nothing more, nothing twice
        from wbtui.sync.client import SyncClient

        client = SyncClient(fresh, url, tokens[token])
        again = client.sync()
        client.close()
        assert again.snapshot == 0 and synced_state(fresh) == synced_state(replay), name
        if name == "jc":
            assert len(conflicts(fresh)) >= 1  # the free-text conflict reached the new device
            assert q(fresh, "SELECT COUNT(*) FROM fbw_case")[0][0] >= 28
    aa_fresh = office(tmp_path, "aa-snap", AA_CONFIG, url)[0]
    cases = {r[0] for r in q(aa_fresh, "SELECT id FROM fbw_case")}
    assert world["revoked"].hex not in cases and world["no_health"].hex in cases
    assert not q(aa_fresh, "SELECT 1 FROM person WHERE kundennummer = '555E555555'")  # another office's case
    # no Art. 9 data without a consent naming `gesundheit` (§ 76 SGB X); with one, the health obstacle travels
    codes = lambda case: {r[0] for r in q(aa_fresh, "SELECT code FROM obstacle WHERE case_id = ?", case.hex)}  # noqa: E731
    assert codes(world["no_health"]) == {"R-KIN"} and codes(world["health"]) == {"L-PSY"}
    assert q(aa_fresh, "SELECT health_limits_summary FROM fbw_case WHERE id = ?", world["no_health"].hex) == [(None,)]
    assert codes(world["narrowed"]) == set()  # the consent was revoked: the obstacles were retracted


class CutAfter(httpx.BaseTransport):
    """Real HTTP, but the connection drops on the n-th snapshot request (the device goes offline)."""

    def __init__(self, n: int) -> None:
        self.inner, self.n, self.snapshots = httpx.HTTPTransport(), n, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/v1/snapshot":
            self.snapshots.append(dict(request.url.params))
            if len(self.snapshots) == self.n:
                raise httpx.ReadTimeout("injected: connection lost", request=request)
        return self.inner.handle_request(request)


def test_interrupted_snapshot_resumes_after_the_last_stored_case_and_ends_in_the_same_state(
    server, tmp_path, monkeypatch
):
    from wbtui.sync import bootstrap
    from wbtui.sync.client import SyncClient, SyncError, enable

    url, engine = server
    world = build_offices(tmp_path, url, engine)
    tokens = world["tokens"]
    monkeypatch.setattr(bootstrap, "PAGE", 7)  # 28+ cases: several pages
    store, _services = office(tmp_path, "jc-cut", JC_CONFIG, url)
    enable(store)
    cut = CutAfter(3)
    client = SyncClient(store, url, tokens["ifk.ida"], transport=cut)
    with pytest.raises(SyncError):
        client.sync()
    client.close()
    assert q(store, "SELECT COUNT(*) FROM fbw_case")[0][0] == 14  # two pages stored, the third lost
    stored_after = q(store, "SELECT value FROM sync_meta WHERE key = 'snapshot_after'")[0][0]
    assert q(store, "SELECT COUNT(*) FROM sync_meta WHERE key = 'cursor'")[0][0] == 0
    # meanwhile the office goes on working: a case on a stored page and one on a page still to come change
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    ids = sorted(r[0] for r in q(jc_store, "SELECT id FROM fbw_case WHERE stage <> 'closed'"))  # closed take no edits
    import uuid

    for case_hex in (ids[0], ids[-1]):
        jc.update_fields(uuid.UUID(case_hex), {"max_commute_km": "77"})
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0

    client = SyncClient(store, url, tokens["ifk.ida"], transport=cut)
    summary = client.sync()
    client.close()
    assert cut.snapshots[3].get("after") == stored_after  # resumed, not started again
    assert summary.snapshot == q(store, "SELECT COUNT(*) FROM fbw_case")[0][0] - 14
    replay, _ = new_device(tmp_path, "jc-replay", JC_CONFIG, url, tokens["ifk.ida"], snapshot=False)
    assert synced_state(store) == synced_state(replay)
    assert q(store, "SELECT max_commute_km FROM fbw_case WHERE id IN (?, ?)", ids[0], ids[-1]) == [(77,), (77,)]
