"""First upload of an existing store (README "The server is the authority"): the store travels in large
gzip-compressed pushes instead of hundreds of small ones, every row still checked by the server's rules,
and a case the server refuses is refused whole — each of its rows answered with the reason and kept on the
device as a conflict — while the rest of the store is taken. Compressed bodies are bounded: a body that inflates beyond the limit, another
encoding or a broken stream is refused without reaching the routes."""

from __future__ import annotations

import gzip
import json

import httpx

from common import JC_CONFIG
from server_helpers import provision, running_server
from sync_helpers import office, q, synced_state


class Counting(httpx.BaseTransport):
    """Real HTTP; notes each push's size on the wire and whether it was compressed."""

    def __init__(self) -> None:
        self.inner, self.pushes = httpx.HTTPTransport(), []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/v1/push":
            body = request.read()
            self.pushes.append((len(body), request.headers.get("content-encoding")))
        return self.inner.handle_request(request)


def test_first_upload_travels_in_few_compressed_pushes_and_a_bad_case_is_refused_alone_row_by_row(server, tmp_path):
    from wbtui.server.admin import open_upload_window
    from wbtui.services import demo
    from wbtui.sync.client import SyncClient, enable

    url, engine = server
    tokens = provision(engine)
    open_upload_window(engine, "ifk.ida", 1)  # the demo store holds both offices' work (a shared store)
    store, services = office(tmp_path, "jc", JC_CONFIG, url)
    services.actor  # noqa: B018  (the office and user the demo cases are filed under)
    con = store.raw(readonly=False)
    demo.generate(con, 60, seed=11, today=services.today(), home_login="ifk.ida")
    # a row the local store holds but the server's rules refuse (no such KldB code)
    bad = con.execute("SELECT id FROM fbw_case ORDER BY id LIMIT 1").fetchone()[0]
    con.execute("UPDATE fbw_case SET target_kldb = '00000' WHERE id = ?", (bad,))
    con.close()
    queued = enable(store)
    changes = q(store, "SELECT COUNT(*) FROM outbox")[0][0]
    assert queued > 60 * 5 and changes >= queued
    wire = Counting()
    client = SyncClient(store, url, tokens["ifk.ida"], transport=wire)
    summary = client.sync()
    client.close()
    # few large pushes instead of one per 500 changes, compressed on the wire
    assert len(wire.pushes) < changes / 500 and any(encoding == "gzip" for _size, encoding in wire.pushes)
    assert all(size <= 1_048_576 for size, _encoding in wire.pushes)
    # the bad case is refused whole — each of its rows answered with the reason and the field, and kept on
    # the device as a conflict — while every other case is taken
    own = q(store, "SELECT COUNT(*) FROM outbox WHERE case_id = ?", bad)[0][0]
    assert summary.rejected == own > 1 and summary.pushed == changes - own
    refused = q(store, "SELECT DISTINCT case_id, entity = 'command', last_error FROM outbox WHERE state = 'rejected'")
    # its rows as invalid; a handover queued for it, if any, as forbidden (the server does not hold the case)
    assert set(refused) <= {(bad, 0, "invalid"), (bad, 1, "forbidden")} and (bad, 0, "invalid") in refused
    invalid = [json.loads(r.split(":", 1)[1]) for r in summary.reasons if r.startswith("invalid:")]
    assert {d["field"] for d in invalid} == {"case.target_kldb"} and len(invalid) == own - refused.count(
        (bad, 1, "forbidden")
    )
    assert q(store, "SELECT COUNT(*) FROM sync_conflict WHERE kind IN ('rejected_write', 'access_lost')")[0][0] == own
    # a new device of the office receives every other case as the store holds it
    fresh, _ = office(tmp_path, "fresh", JC_CONFIG, url)
    enable(fresh)
    client = SyncClient(fresh, url, tokens["ifk.ida"])
    client.sync()
    client.close()
    here, there = synced_state(store), synced_state(fresh)
    assert [r for r in here["case"] if r[0] != bad] == there["case"]
    person = q(store, "SELECT person_id FROM fbw_case WHERE id = ?", bad)[0][0]
    assert [r for r in here["person"] if r[0] != person] == there["person"]
    assert [r for r in here["event"] if r[1] != bad] == there["event"]


def test_compressed_bodies_are_bounded_and_checked(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'server.db'}") as (url, engine):
        tokens = provision(engine)
        auth = {"Authorization": f"Bearer {tokens['ifk.ida']}", "Content-Type": "application/json"}
        body = {"device_id": "d", "batch_id": "b", "schema_version": 3, "changes": []}
        plain = json.dumps(body).encode()
        ok = httpx.post(
            f"{url}/sync/v1/push", content=gzip.compress(plain), headers={**auth, "Content-Encoding": "gzip"}
        )
        assert ok.status_code == 200 and ok.json()["results"] == []
        bomb = gzip.compress(b" " * (17 * 1_048_576) + plain)  # a few KiB on the wire, 17 MiB inflated
        assert len(bomb) < 1_048_576
        too_big = httpx.post(f"{url}/sync/v1/push", content=bomb, headers={**auth, "Content-Encoding": "gzip"})
        assert too_big.status_code == 413
        other = httpx.post(f"{url}/sync/v1/push", content=plain, headers={**auth, "Content-Encoding": "br"})
        assert other.status_code == 415
        broken = httpx.post(
            f"{url}/sync/v1/push", content=gzip.compress(plain)[:-8], headers={**auth, "Content-Encoding": "gzip"}
        )
        assert broken.status_code == 400
