"""Issue 12: a rejection vanished when its response was lost. Real devices sync through a TCP proxy
that cuts requests, drops responses after the server committed and truncates them, on SQLite and
PostgreSQL: a rejected change stays rejected on every retry, nothing is counted as sent that the server
refused, and every device still converges."""

from __future__ import annotations

import sqlite3

from fault_proxy import FaultProxy

from common import COMPLETE_CASE, JC_CONFIG
from server_helpers import PEPPER, provision
from sync_helpers import office, q, sync


def _outbox(store) -> dict[str, int]:
    con = sqlite3.connect(store.path)
    try:
        return dict(con.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
    finally:
        con.close()


def test_a_rejected_change_whose_answer_was_lost_counted_as_sent__now_it_stays_rejected_through_every_fault(
    server, tmp_path
):
    from wbtui.server.admin import add_user, issue_token
    from wbtui.sync.client import SyncError, enable

    url, engine = server
    tokens = provision(engine)
    add_user(engine, "ifk.ina", "Jobcenter Musterstadt", "jc_ifk")
    tokens["ifk.ina"] = issue_token(engine, PEPPER, "ifk.ina", ["read", "push"], 30)[1]
    proxy = FaultProxy(int(url.rsplit(":", 1)[1]))
    try:
        one_store, one = office(tmp_path, "one", JC_CONFIG, url)
        two_store, two = office(tmp_path, "two", JC_CONFIG.replace("ifk.ida", "ifk.ina"), proxy.url)
        for store in (one_store, two_store):
            enable(store)
        case_id = one.create_case(COMPLETE_CASE)
        assert sync(one_store, url, tokens["ifk.ida"]).rejected == 0
        assert sync(two_store, proxy.url, tokens["ifk.ina"]).rejected == 0
        one.add_obstacle(case_id, "R-KIN")
        two.add_obstacle(case_id, "R-KIN", note="Kita ab März")  # the server will refuse this one
        assert sync(one_store, url, tokens["ifk.ida"]).rejected == 0

        outcomes = []
        for fault in ("cut_request", "drop_response", "truncate_response", "drop_response"):
            proxy.inject("ok", fault)  # hello passes; the push meets the fault
            try:
                outcomes.append(sync(two_store, proxy.url, tokens["ifk.ina"]))
            except SyncError:
                outcomes.append(None)
            assert _outbox(two_store).get("sent", 0) == _sent_before(two_store), "a refused change counted as sent"
        final = sync(two_store, proxy.url, tokens["ifk.ina"])
        assert all(o is None for o in outcomes), outcomes  # every fault was noticed, none taken as success
        assert final.rejected >= 1 and "duplicate" in " ".join(final.reasons)
        assert final.pushed == 0  # nothing of the refused transaction counted as sent
        assert _outbox(two_store).get("pending", 0) == 0
        again = sync(two_store, proxy.url, tokens["ifk.ina"])
        assert again.rejected == 0 and again.pushed == 0  # settled: not sent again, not lost
        kinds = q(two_store, "SELECT kind, lost_value FROM sync_conflict")
        assert [k for k, _ in kinds] and {k for k, _ in kinds} == {"rejected_write"}, kinds  # kept for review
        assert sum("Kita ab März" in (v or "") for _, v in kinds) == 1  # the local value, once
        assert q(two_store, "SELECT code, note FROM obstacle") == [("R-KIN", None)]  # the server's version
        sync(one_store, url, tokens["ifk.ida"])
        assert q(one_store, "SELECT code, note FROM obstacle") == [("R-KIN", None)]
        with engine.connect() as conn:
            from sqlalchemy import text

            codes = conn.execute(
                text("SELECT COUNT(*) FROM srv_field WHERE entity = 'obstacle' AND field = 'code'")
            ).scalar()
        assert codes == 1
        assert {f for _, f in proxy.seen} >= {"cut_request", "drop_response", "truncate_response"}
    finally:
        proxy.close()


def _sent_before(store) -> int:
    """Changes answered applied before the faults: the case's initial upload and pulls (none of two's)."""
    con = sqlite3.connect(store.path)
    try:
        return con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND entity != 'obstacle'").fetchone()[0]
    finally:
        con.close()
