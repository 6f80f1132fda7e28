"""The pipelined push (issue 16): a device sends its next push while the server works on the one before,
naming that one's last change; the server applies it only after that change (server.pipeline), so a
device's pushes are applied in order. A push whose predecessor never arrives — or arrived for another
office — is not applied but answered 409, and the client sends it again on its own."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx

from common import JC_CONFIG
from server_helpers import pg_database, provision, running_server
from sync_helpers import office, q

NORD_CONFIG = JC_CONFIG.replace("Jobcenter Musterstadt", "Jobcenter Nordland").replace(
    'name = "Ida Ifk"\nlogin = "ifk.ida"', 'name = "Nora Ifk"\nlogin = "ifk.nora"'
)


class Recording(httpx.BaseTransport):
    """Real HTTP; notes each push's predecessor (``after``) and its answer's status."""

    def __init__(self) -> None:
        self.inner, self.pushes = httpx.HTTPTransport(), []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == "/sync/v1/push":
            body = request.read()
            if request.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            self.pushes.append((json.loads(body).get("after"), response.status_code))
        return response


def _upload(tmp_path, url, token, name, config, login, cases, seed):
    from wbtui.services import demo
    from wbtui.sync.client import SyncClient, enable

    class Small(SyncClient):
        def _hello(self) -> dict:
            hello = super()._hello()
            self.batch = self.limit = 30  # a small store in several pushes
            return hello

    store, services = office(tmp_path, name, config, url)
    services.actor  # noqa: B018  (the office and user the demo cases are filed under)
    con = store.raw(readonly=False)
    demo.generate(con, cases, seed=seed, today=services.today(), home_login=login)
    con.close()
    enable(store)
    wire = Recording()
    client = Small(store, url, token, transport=wire)
    try:
        return store, wire, client.sync()
    finally:
        client.close()


def test_pushes_go_early_are_applied_in_order_and_a_missing_predecessor_is_answered_409(tmp_path, monkeypatch):
    from wbtui.server import pipeline
    from wbtui.server.admin import open_upload_window

    with pg_database() as db_url, running_server(db_url) as (url, engine):
        tokens = provision(engine)
        for login in ("ifk.ida", "ifk.nora"):  # the demo stores hold both offices' work (a shared store)
            open_upload_window(engine, login, 1)
        store, wire, summary = _upload(tmp_path, url, tokens["ifk.ida"], "jc", JC_CONFIG, "ifk.ida", 4, 11)
        changes = q(store, "SELECT COUNT(*) FROM outbox")[0][0]
        # every push after the first went before the answer to the one before it, naming its last change,
        # and every change was applied: a case whose person came in the push before found the person
        # (the answers may come back in either order: noted as each comes)
        assert len(wire.pushes) >= 3 and [after for after, _status in wire.pushes].count(None) == 1
        assert all(status == 200 for _after, status in wire.pushes)
        assert summary.rejected == 0 and summary.pushed == changes
        assert q(store, "SELECT COUNT(*) FROM outbox WHERE state != 'sent'")[0][0] == 0
        with engine.connect() as conn:
            from sqlalchemy import text

            assert conn.execute(text("SELECT COUNT(*) FROM srv_applied")).scalar() == changes
            one_of_ida = conn.execute(text("SELECT change_id FROM srv_applied LIMIT 1")).scalar()

        # a predecessor that never arrived, or arrived for another office: nothing applied, 409
        monkeypatch.setattr(pipeline, "WAIT", 0.2)
        change = {"change_id": uuid.uuid4().hex, "entity": "case", "row_id": uuid.uuid4().hex,
                  "case_id": uuid.uuid4().hex, "op": "set", "hlc": "0000000000000000-0000-x", "fields": {}}  # fmt: skip
        for after, token in ((uuid.uuid4().hex, tokens["ifk.ida"]), (one_of_ida, tokens["ifk.nora"])):
            body = {"device_id": "d", "batch_id": "b", "schema_version": 3, "changes": [change], "after": after}
            answer = httpx.post(f"{url}/sync/v1/push", json=body, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 409 and answer.json() == pipeline.NOT_YET
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM srv_applied")).scalar() == changes

        # a server that never sees the predecessor in time: every early push is sent again alone
        monkeypatch.setattr(pipeline, "predecessor_applied", lambda *_args: False)
        other, wire, summary = _upload(tmp_path, url, tokens["ifk.nora"], "nord", NORD_CONFIG, "ifk.nora", 2, 12)
        assert [status for after, status in wire.pushes if after is not None] == [409] * (len(wire.pushes) // 2)
        assert summary.rejected == 0 and summary.pushed == q(other, "SELECT COUNT(*) FROM outbox")[0][0]
