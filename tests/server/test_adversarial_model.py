"""Issue 12: a Hypothesis state machine with an adversarial device next to honest ones, against the real
server over HTTP on loopback, on SQLite and PostgreSQL, with real device stores.

Honest: two Jobcenter devices (edits, obstacles, a health obstacle) and the Agentur's device (contacts),
each syncing at any time. Adversarial: raw pushes with the Agentur's token and with a Jobcenter token —
arbitrary field writes, malformed rows, forged per-field clocks, duplicate unique keys, JSON with
hostile keys. Invariants: honest devices never stop syncing and converge; nothing the permission table
refuses is ever applied; no Art. 9 value on the Agentur's device (its consent lacks ``gesundheit``);
every value the server acknowledged to an honest device survives unless a newer one wins."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
from authz_helpers import stamp
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import text

from common import AA_CONFIG, COMPLETE_CASE, JC_CONFIG, TODAY
from server_helpers import PEPPER, pg_database, running_server
from wbtui.sync.protocol import SCHEMA_VERSION

ESC = "\x1b]52;c;ZWNobyBoaQ==\x07"
HOSTILE_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from([ESC, "a\u202eb", "x" * 600, "", "Zeile\nzwei"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.none(),
    st.dictionaries(st.sampled_from([ESC, "k", "\u202e"]), st.integers(0, 3), max_size=2),
    st.lists(st.sampled_from(["agentur", "stammdaten", ESC]), max_size=3),
)
ENTITY_FIELDS = [
    ("case", "stage"), ("case", "availability"), ("case", "counselling_outcome"), ("case", "health_limits_summary"),
    ("case", "close_reason"), ("case", "person_id"), ("person", "family_name"), ("person", "kundennummer"),
    ("obstacle", "status"), ("obstacle", "note"), ("consent", "recipients"), ("consent", "data_groups"),
    ("handover", "package"), ("handover", "status"), ("task", "title"), ("voucher", "status"),
]  # fmt: skip
EDIT_VALUES = ("vormittags", "nachmittags", "nur Dienstag", "abends")


class Adversary(RuleBasedStateMachine):
    env: dict = {}  # set by the test: url, engine, tokens, org ids

    def __init__(self) -> None:
        super().__init__()
        from wbtui.config import load
        from wbtui.data.store import open_store
        from wbtui.services import Services
        from wbtui.sync.client import enable

        self.tmp = Path(tempfile.mkdtemp(prefix="wbtui-adv-"))
        env = self.env
        self.url, self.engine, self.tokens = env["url"], env["engine"], env["tokens"]
        self.devices = {}
        self.acknowledged: dict[tuple, str] = {}  # (entity, row, field) -> highest clock acknowledged honestly
        self.adversary_applied: list[tuple] = []
        for name, config, login in (
            ("jc1", JC_CONFIG, "ifk.ida"),
            ("jc2", JC_CONFIG, "ifk.ina"),
            ("aa", AA_CONFIG, "aa.anton"),
        ):
            path = self.tmp / f"{name}.toml"
            path.write_text(
                config.format(lang="de").replace("ifk.ida", login) + f'\n[sync]\nurl = "{self.url}"\n', encoding="utf-8"
            )
            store = open_store(self.tmp / f"{name}.db")
            enable(store)
            self.devices[name] = {"store": store, "services": Services(store, load(path), today=TODAY), "token": self.tokens[login]}  # fmt: skip
        jc = self.devices["jc1"]["services"]
        kundennummer = f"{uuid.uuid4().int % 1000:03d}A{uuid.uuid4().int % 10**6:06d}"
        self.case_id = jc.create_case(
            {**COMPLETE_CASE, "kundennummer": kundennummer, "health_limits_summary": "Rücken"}
        )
        jc.add_consent(self.case_id, purpose="fbw_uebergabe", recipients=["agentur"],
                       data_groups=["stammdaten", "hemmnisse"], given_on=TODAY)  # fmt: skip
        jc.add_obstacle(self.case_id, "L-GES", status="in_bearbeitung", note="Bandscheibe")
        jc.move(self.case_id, "ready_for_handover")
        jc.send_handover(self.case_id)
        for name in ("jc1", "jc2", "aa", "jc1", "jc2"):
            self._sync(name)

    # -- honest devices -------------------------------------------------------------------------------
    def _sync(self, name: str) -> None:
        from wbtui.sync.client import SyncClient

        device = self.devices[name]
        before = self._pending_clocks(device["store"])
        client = SyncClient(device["store"], self.url, device["token"])
        try:
            summary = client.sync()  # never raises: one bad row never stops an office
        finally:
            client.close()
        sent = self._sent(device["store"])
        for key, hlc in before.items():
            if key in sent:
                self.acknowledged[key] = max(self.acknowledged.get(key, ""), hlc)
        assert summary.quarantined == 0 or name == "aa", summary

    @staticmethod
    def _pending_clocks(store) -> dict:
        con = sqlite3.connect(store.path)
        try:
            out = {}
            for entity, row_id, payload, hlc in con.execute(
                "SELECT entity, row_id, payload, hlc FROM outbox WHERE state = 'pending' AND op = 'set'"
            ):
                for name in json.loads(payload):
                    out[(entity, row_id, name)] = max(out.get((entity, row_id, name), ""), hlc)
            return out
        finally:
            con.close()

    @staticmethod
    def _sent(store) -> set:
        con = sqlite3.connect(store.path)
        try:
            out = set()
            for entity, row_id, payload in con.execute(
                "SELECT entity, row_id, payload FROM outbox WHERE state = 'sent' AND op = 'set'"
            ):
                out |= {(entity, row_id, name) for name in json.loads(payload)}
            return out
        finally:
            con.close()

    def _holds(self, name: str) -> bool:
        con = sqlite3.connect(self.devices[name]["store"].path)
        try:
            return con.execute("SELECT COUNT(*) FROM fbw_case WHERE id = ?", (self.case_id.hex,)).fetchone()[0] == 1
        finally:
            con.close()

    @rule(who=st.sampled_from(["jc1", "jc2"]), value=st.sampled_from(EDIT_VALUES))
    def honest_edit(self, who, value):
        if self._holds(who):
            self.devices[who]["services"].update_fields(self.case_id, {"availability": value})

    @rule(who=st.sampled_from(["jc1", "jc2"]), code=st.sampled_from(["R-KIN", "R-MOB", "L-PSY"]))
    def honest_obstacle(self, who, code):
        from wbtui.domain.errors import WbtuiError

        if self._holds(who):
            try:
                self.devices[who]["services"].add_obstacle(self.case_id, code, note=f"von {who}")
            except WbtuiError:
                pass  # already there on this device: refused locally, as a caseworker would see

    @rule()
    def agentur_contact(self):
        if self._holds("aa"):
            self.devices["aa"]["services"].record_contact(self.case_id, "Anruf")

    @rule(who=st.sampled_from(["jc1", "jc2", "aa"]))
    def sync(self, who):
        self._sync(who)

    # -- the adversary --------------------------------------------------------------------------------
    def _rows(self) -> dict[str, list[str]]:
        con = sqlite3.connect(self.devices["jc1"]["store"].path)
        try:
            rows = {"case": [self.case_id.hex]}
            rows["person"] = [r for (r,) in con.execute("SELECT person_id FROM fbw_case")]
            for entity, table in (("obstacle", "obstacle"), ("consent", "consent"), ("handover", "handover"),
                                  ("task", "task"), ("voucher", "voucher")):  # fmt: skip
                rows[entity] = [r for (r,) in con.execute(f"SELECT id FROM {table}")] or [uuid.uuid4().hex]
            return rows
        finally:
            con.close()

    def _attack(self, token_of: str, changes: list[dict]) -> None:
        import httpx

        body = {"device_id": "evil", "batch_id": uuid.uuid4().hex, "schema_version": SCHEMA_VERSION, "changes": changes}
        answer = httpx.post(f"{self.url}/sync/v1/push", json=body, timeout=60,
                            headers={"Authorization": f"Bearer {self.tokens[token_of]}"})  # fmt: skip
        assert answer.status_code in (200, 400), answer.text  # never a 500
        if answer.status_code == 200:
            for change, result in zip(changes, answer.json()["results"], strict=True):
                if result["status"] != "rejected":
                    self.adversary_applied.append((token_of, change, result))

    @rule(token_of=st.sampled_from(["aa.anton", "ifk.nora", "ifk.ida"]), what=st.sampled_from(ENTITY_FIELDS),
          value=HOSTILE_VALUES, new_row=st.booleans(), forge=st.sampled_from(["none", "field_clock", "future"]))  # fmt: skip
    def arbitrary_write(self, token_of, what, value, new_row, forge):
        entity, name = what
        row_id = uuid.uuid4().hex if new_row else self._rows()[entity][0]
        hlc = stamp("evil", ahead_ms=3_600_000 if forge == "future" else 0)
        spec = {"v": value, "base": None}
        if forge == "field_clock":
            spec["hlc"] = stamp("evil", ahead_ms=10**10)
        change = {"change_id": uuid.uuid4().hex, "entity": entity, "row_id": row_id, "case_id": self.case_id.hex,
                  "op": "set", "hlc": hlc, "fields": {name: spec}}  # fmt: skip
        self._attack(token_of, [change])

    @rule(token_of=st.sampled_from(["aa.anton", "ifk.ida"]), code=st.sampled_from(["R-KIN", "L-GES", "R-MOB"]))
    def duplicate_unique_key(self, token_of, code):
        row = {"case_id": self.case_id.hex, "code": code, "status": "offen", "art9": code == "L-GES",
               "created_at": "2026-11-25 10:00:00", "updated_at": "2026-11-25 10:00:00"}  # fmt: skip
        change = {"change_id": uuid.uuid4().hex, "entity": "obstacle", "row_id": uuid.uuid4().hex,
                  "case_id": self.case_id.hex, "op": "set", "hlc": stamp("evil"),
                  "fields": {k: {"v": v, "base": None} for k, v in row.items()}}  # fmt: skip
        self._attack(token_of, [change])

    @rule(
        token_of=st.sampled_from(["aa.anton", "ifk.ida"]),
        junk=st.sampled_from(["no_fields", "unknown", "bad_op", "no_id"]),
    )
    def malformed_row(self, token_of, junk):
        change = {"change_id": uuid.uuid4().hex, "entity": "task", "row_id": uuid.uuid4().hex,
                  "case_id": self.case_id.hex, "op": "set", "hlc": stamp("evil"),
                  "fields": {"title": {"v": "x", "base": None}}}  # fmt: skip
        if junk == "no_fields":
            change["fields"] = {}
        elif junk == "unknown":
            change["fields"] = {"__class__": {"v": 1}}
        elif junk == "bad_op":
            change["op"] = "delete"
        else:
            change["row_id"] = "../../etc"
        self._attack(token_of, [change])

    # -- invariants -----------------------------------------------------------------------------------
    @invariant()
    def no_art9_on_the_agenturs_device(self):
        con = sqlite3.connect(self.devices["aa"]["store"].path)
        try:
            assert con.execute("SELECT COUNT(*) FROM obstacle WHERE code IN ('L-GES', 'L-PSY')").fetchone()[0] == 0
            assert (
                con.execute("SELECT COUNT(*) FROM fbw_case WHERE health_limits_summary IS NOT NULL").fetchone()[0] == 0
            )
        finally:
            con.close()

    @invariant()
    def nothing_outside_the_table_was_applied(self):
        from wbtui.domain.entities import check_value

        for token_of, change, _result in self.adversary_applied:
            assert token_of != "ifk.nora", change  # another Jobcenter holds nothing of this case
            for name, spec in (change.get("fields") or {}).items():
                assert check_value(change["entity"], name, spec["v"]) is None, change  # valid values only
                if token_of == "aa.anton":
                    from wbtui.domain.permissions import rule_for

                    assert "agentur" in (rule_for(change["entity"], name).create | rule_for(change["entity"], name).update), change  # fmt: skip
        with self.engine.connect() as conn:
            values = [v for (v,) in conn.execute(text("SELECT value FROM srv_field WHERE value IS NOT NULL"))]
        assert not any("\\u001b" in v or "\\u202e" in v for v in values)

    def teardown(self):
        try:
            for _round in range(3):
                for name in ("jc1", "jc2", "aa"):
                    self._sync(name)
            states = {}
            for name in ("jc1", "jc2", "aa"):
                con = sqlite3.connect(self.devices[name]["store"].path)
                try:
                    states[name] = (
                        con.execute("SELECT id, stage, availability FROM fbw_case ORDER BY id").fetchall(),
                        sorted(
                            con.execute(
                                "SELECT case_id, code, status FROM obstacle WHERE code NOT LIKE 'L-%'"
                            ).fetchall()
                        ),
                        con.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0],
                    )
                finally:
                    con.close()
            assert states["jc1"] == states["jc2"], states  # the honest Jobcenter devices converge
            assert states["aa"][0] == states["jc1"][0], states  # the Agentur holds the same process state
            assert all(s[2] == 0 for s in states.values()), states
            with self.engine.connect() as conn:
                held = {
                    (e, r, f): h
                    for e, r, f, h in conn.execute(text("SELECT entity, row_id, field, hlc FROM srv_field"))
                }
            for key, hlc in self.acknowledged.items():  # no acknowledged value replaced by an older one
                if key in held:
                    assert held[key] >= hlc, (key, held[key], hlc)
        finally:
            for device in self.devices.values():
                device["store"].close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_adversarial_device_next_to_honest_ones_breaks_nothing(backend, tmp_path):
    import contextlib

    from server_helpers import provision
    from wbtui.server.admin import add_user, issue_token

    with contextlib.ExitStack() as stack:
        db = f"sqlite:///{tmp_path / 'adv.db'}" if backend == "sqlite" else stack.enter_context(pg_database())
        url, engine = stack.enter_context(running_server(db))
        tokens = provision(engine)
        add_user(engine, "ifk.ina", "Jobcenter Musterstadt", "jc_ifk")
        tokens["ifk.ina"] = issue_token(engine, PEPPER, "ifk.ina", ["read", "push"], 30)[1]
        Adversary.env = {"url": url, "engine": engine, "tokens": tokens}
        run_state_machine_as_test(
            Adversary,
            settings=settings(
                max_examples=2,
                stateful_step_count=8,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),  # fmt: skip
        )
