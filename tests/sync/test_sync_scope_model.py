"""Hypothesis state machine with three organisations:
two Jobcenters and an Agentur, handovers and their withdrawal, edits and faults in any order.

Invariants: a device never holds a case its organisation had no grant for at its last pull
(the other Jobcenter holds nothing, ever); after a withdrawal and a sync the case is gone from
the Agentur's device; an Agentur note is never silently lost — it reached the Jobcenter or it is
kept on the Agentur's device as a conflict. (Checked: with the conflicts dropped together with a
withdrawn case, this machine finds the lost note.)"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import PEPPER, provision
from sync_helpers import FaultyTransport, transport_for

OTHER_JC = JC_CONFIG.replace("Jobcenter Musterstadt", "Jobcenter Nordland").replace("ifk.ida", "ifk.nora")
FAULTS = ("ok", "ok", "ok", "timeout", "5xx", "lost_ack", "truncated")


class ScopeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        from wbtui.config import load
        from wbtui.data.store import open_store
        from wbtui.server.app import create_app
        from wbtui.server.store import init_schema, make_engine
        from wbtui.services import Services
        from wbtui.sync.client import enable

        self.tmp = Path(tempfile.mkdtemp(prefix="wbtui-scope-"))
        self.engine = make_engine(f"sqlite:///{self.tmp / 'server.db'}")
        init_schema(self.engine)
        tokens = provision(self.engine)
        app = create_app(self.engine, PEPPER)
        self.devices = {}
        for name, login, text in (
            ("jc", "ifk.ida", JC_CONFIG),
            ("aa", "aa.anton", AA_CONFIG),
            ("nord", "ifk.nora", OTHER_JC),
        ):
            cfg = self.tmp / f"{name}.toml"
            cfg.write_text(text.format(lang="de"), encoding="utf-8")
            store = open_store(self.tmp / f"{name}.db")
            enable(store)
            self.devices[name] = {
                "store": store,
                "services": Services(store, load(cfg), today=TODAY),
                "token": tokens[login],
                "transport": FaultyTransport(transport_for(app)),
            }
        self.cases: dict[str, bool] = {}  # case id -> handed over and not withdrawn
        self.aa_notes: set[str] = set()
        self.serial = 0

    def _sync(self, name: str, fault: str = "ok") -> bool:
        from wbtui.sync.client import SyncClient, SyncError

        device = self.devices[name]
        device["transport"].mode = fault
        client = SyncClient(device["store"], "http://testserver", device["token"], transport=device["transport"])
        try:
            client.sync()
            return True
        except SyncError:
            return False
        finally:
            client.close()

    def _q(self, name: str, sql: str, *params):
        con = sqlite3.connect(self.devices[name]["store"].path)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    @rule(data=st.data())
    def hand_over_a_new_case(self, data):
        jc = self.devices["jc"]["services"]
        self.serial += 1
        case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": f"123A{self.serial:06d}"})
        jc.add_consent(
            case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY
        )
        jc.move(case_id, "ready_for_handover")
        jc.send_handover(case_id)
        self.cases[case_id.hex] = True
        self._sync("jc", data.draw(st.sampled_from(FAULTS)))  # usually the Agentur picks it up soon after
        self._sync("aa", data.draw(st.sampled_from(FAULTS)))

    @precondition(lambda self: any(self.cases.values()))
    @rule(data=st.data())
    def withdraw(self, data):
        import uuid

        case = data.draw(st.sampled_from(sorted(c for c, granted in self.cases.items() if granted)))
        self.devices["jc"]["services"].revoke_handover(uuid.UUID(case))
        self.cases[case] = False
        self._sync("jc", data.draw(st.sampled_from(FAULTS)))  # usually reaches the server at once

    @precondition(lambda self: bool(self.cases))
    @rule(data=st.data())
    def agentur_notes(self, data):
        import uuid

        held = [r[0] for r in self._q("aa", "SELECT id FROM fbw_case")]
        if not held:
            return
        case = data.draw(st.sampled_from(sorted(held)))
        self.devices["aa"]["services"].record_contact(uuid.UUID(case), "Beratungsnotiz")
        self.aa_notes.add(
            self._q("aa", "SELECT id FROM case_event WHERE type = 'contact' ORDER BY rowid DESC LIMIT 1")[0][0]
        )

    @rule(name=st.sampled_from(("jc", "aa", "nord")), fault=st.sampled_from(FAULTS))
    def sync(self, name, fault):
        self._sync(name, fault)

    @invariant()
    def the_other_jobcenter_holds_nothing(self):
        assert self._q("nord", "SELECT COUNT(*) FROM fbw_case") == [(0,)]
        assert self._q("nord", "SELECT COUNT(*) FROM person") == [(0,)]

    @invariant()
    def the_agentur_holds_only_cases_handed_to_it(self):
        held = {r[0] for r in self._q("aa", "SELECT id FROM fbw_case")}
        assert held <= set(self.cases)

    def teardown(self):
        try:
            for _ in range(3):  # quiescence: fault-free rounds
                for name in ("jc", "aa", "nord"):
                    assert self._sync(name)
            held = {r[0] for r in self._q("aa", "SELECT id FROM fbw_case")}
            assert held == {c for c, granted in self.cases.items() if granted}
            at_jobcenter = {r[0] for r in self._q("jc", "SELECT id FROM case_event WHERE type = 'contact'")}
            kept = {
                r[0]
                for r in self._q(
                    "aa", "SELECT row_id FROM sync_conflict WHERE kind IN ('access_lost', 'rejected_write')"
                )
            }
            lost = self.aa_notes - at_jobcenter - kept
            assert not lost, lost
            assert self._q("aa", "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == [(0,)]
        finally:
            for device in self.devices.values():
                device["store"].close()
            self.engine.dispose()


# 10 runs of 15 steps: the suite's longest test (143 s at 40 runs held the whole parallel run back);
# the adversarial machine in tests/server covers the server's side with its own examples
ScopeMachine.TestCase.settings = settings(
    max_examples=10, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
)
TestScopeModel = ScopeMachine.TestCase
