"""Hypothesis state machine over the real client and server code:
convergence, no lost update, exactly-once append and crash safety with lost, duplicated and
failed messages. The server app runs in-process behind a fault-injecting transport."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from common import COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import PEPPER, provision
from sync_helpers import FaultyTransport, transport_for

FIELDS = ("availability", "target_title", "schedule", "max_commute_km")
VALUES = {
    "availability": ("vormittags", "nachmittags", "nur Dienstag"),
    "target_title": ("Fahrer", "Pflege", "Lager"),
    "schedule": ("vollzeit", "teilzeit"),
    "max_commute_km": ("10", "25", "50"),
}


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        from wbtui.config import load
        from wbtui.data.store import open_store
        from wbtui.server.app import create_app
        from wbtui.server.store import init_schema, make_engine
        from wbtui.services import Services
        from wbtui.sync.client import enable

        self.tmp = Path(tempfile.mkdtemp(prefix="wbtui-model-"))
        self.engine = make_engine(f"sqlite:///{self.tmp / 'server.db'}")
        init_schema(self.engine)
        from wbtui.server.admin import add_user, issue_token

        tokens = provision(self.engine)
        add_user(self.engine, "ifk.ina", "Jobcenter Musterstadt", "jc_ifk")
        tokens["ifk.ina"] = issue_token(self.engine, PEPPER, "ifk.ina", ["read", "push"], 30)[1]
        app = create_app(self.engine, PEPPER)
        self.clients = []
        for login in ("ifk.ida", "ifk.ina"):
            cfg = self.tmp / f"{login}.toml"
            cfg.write_text(JC_CONFIG.format(lang="de").replace("ifk.ida", login), encoding="utf-8")
            store = open_store(self.tmp / f"{login}.db")
            enable(store)
            self.clients.append(
                {
                    "store": store,
                    "services": Services(store, load(cfg), today=TODAY),
                    "token": tokens[login],
                    "transport": FaultyTransport(transport_for(app)),
                }
            )
        self.case_id = self.clients[0]["services"].create_case(COMPLETE_CASE)
        self.notes: set[str] = set()
        self._sync(0)
        self._sync(1)

    def _sync(self, index: int) -> bool:
        from wbtui.sync.client import SyncClient, SyncError

        c = self.clients[index]
        client = SyncClient(c["store"], "http://testserver", c["token"], transport=c["transport"])
        try:
            client.sync()
            return True
        except SyncError:
            return False
        finally:
            client.close()

    @rule(who=st.integers(0, 1), field=st.sampled_from(FIELDS), data=st.data())
    def edit(self, who, field, data):
        value = data.draw(st.sampled_from(VALUES[field]))
        c = self.clients[who]
        if self._has_case(who):
            c["services"].update_fields(self.case_id, {field: value})

    @rule(who=st.integers(0, 1), title=st.sampled_from(("Anruf", "Brief", "Termin")))
    def note(self, who, title):
        c = self.clients[who]
        if self._has_case(who):
            c["services"].record_contact(self.case_id, title)
            self.notes.add(self._last_event_id(who))

    @rule(who=st.integers(0, 1), fault=st.sampled_from(("ok", "ok", "timeout", "5xx", "lost_ack", "truncated")))
    def sync(self, who, fault):
        self.clients[who]["transport"].mode = fault
        self._sync(who)

    @rule(who=st.integers(0, 1))
    def crash_mid_sync(self, who):
        """The process dies after the push was committed on the server but before anything local."""
        c = self.clients[who]
        c["transport"].mode = "lost_ack"
        self._sync(who)  # push committed server-side, answer lost: outbox stays pending

    def _has_case(self, who: int) -> bool:
        con = sqlite3.connect(self.clients[who]["store"].path)
        try:
            return con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0] == 1
        finally:
            con.close()

    def _last_event_id(self, who: int) -> str:
        con = sqlite3.connect(self.clients[who]["store"].path)
        try:
            return con.execute(
                "SELECT id FROM case_event WHERE type = 'contact' ORDER BY rowid DESC LIMIT 1"
            ).fetchone()[0]
        finally:
            con.close()

    @invariant()
    def outbox_replayable(self):
        # replica invariant, cheap form: every pending change still has its clock stamps
        for c in self.clients:
            con = sqlite3.connect(c["store"].path)
            try:
                assert (
                    con.execute(
                        "SELECT COUNT(*) FROM outbox WHERE state NOT IN ('pending', 'sent', 'rejected')"
                    ).fetchone()[0]
                    == 0
                )
            finally:
                con.close()

    def teardown(self):
        try:
            # quiescence: fault-free rounds until nothing is pending anywhere
            for _ in range(3):
                for i in range(len(self.clients)):
                    self.clients[i]["transport"].mode = "ok"
                    assert self._sync(i)
            states = []
            for c in self.clients:
                con = sqlite3.connect(c["store"].path)
                try:
                    assert con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0] == 0
                    assert con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'").fetchone()[0] == 0
                    row = con.execute(f"SELECT {', '.join(FIELDS)} FROM fbw_case").fetchone()
                    events = {r[0] for r in con.execute("SELECT id FROM case_event WHERE type = 'contact'")}
                    states.append((row, events))
                finally:
                    con.close()
            # convergence
            assert states[0][0] == states[1][0]
            # exactly-once append: every note on every replica, once (ids are primary keys)
            assert states[0][1] == states[1][1] == self.notes
            # the server agrees with the replicas (no lost update)
            from sqlalchemy import text

            with self.engine.connect() as conn:
                server = dict(
                    conn.execute(
                        text("SELECT field, value FROM srv_field WHERE entity = 'case' AND row_id = :r"),
                        {"r": self.case_id.hex},
                    ).fetchall()
                )
            import json

            for field, value in zip(FIELDS, states[0][0]):
                if field in server:
                    assert json.loads(server[field]) == value or str(json.loads(server[field])) == str(value)
        finally:
            for c in self.clients:
                c["store"].close()
            self.engine.dispose()


SyncMachine.TestCase.settings = settings(
    max_examples=12, stateful_step_count=10, deadline=None, suppress_health_check=list(HealthCheck)
)
TestSyncModel = SyncMachine.TestCase
