"""Helpers for sync tests: offices (store + services) against a server, one sync, a raw query,
the synced state of a device, and a transport that injects faults."""

from __future__ import annotations

import json
import sqlite3

import httpx

from common import COMPLETE_CASE, TODAY


def office(tmp_path, name: str, text: str, url: str):
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services

    cfg_path = tmp_path / f"{name}.toml"
    cfg_path.write_text(text.format(lang="de") + f'\n[sync]\nurl = "{url}"\n', encoding="utf-8")
    store = open_store(tmp_path / f"{name}.db")
    return store, Services(store, load(cfg_path), today=TODAY)


def sync(store, url: str, token: str):
    from wbtui.sync.client import SyncClient, enable

    enable(store)
    client = SyncClient(store, url, token)
    try:
        return client.sync()
    finally:
        client.close()


def q(store, sql: str, *params):
    con = sqlite3.connect(store.path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def synced_state(store) -> dict:
    """What sync is responsible for on a device: every synced field of every row, and the events."""
    import sqlite3

    from wbtui.sync import protocol

    con = sqlite3.connect(store.path)
    try:
        out = {}
        for entity in protocol.ENTITY_ORDER:
            table = protocol.REGISTER_TABLES.get(entity) or protocol.APPEND_TABLES[entity]
            names = ("id",) + protocol.fields_of(entity)
            rows = con.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY id").fetchall()
            # JSON columns compared by value (a local write escapes non-ASCII, a received one need not)
            out[entity] = [
                tuple(
                    json.loads(v) if (entity, n) in protocol.JSON_FIELDS and isinstance(v, str) else v
                    for n, v in zip(names, row)
                )
                for row in rows
            ]
        return out
    finally:
        con.close()


class FaultyTransport(httpx.BaseTransport):
    """Wraps the in-process ASGI app: can fail before sending, lose the answer after the
    server committed, answer 503 (the client retries it at once: ``Retry-After: 0``), or truncate the body."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.mode = "ok"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        mode, self.mode = self.mode, "ok"
        if mode == "timeout":
            raise httpx.ReadTimeout("injected timeout", request=request)
        if mode == "5xx":
            return httpx.Response(503, json={"detail": "injected"}, headers={"Retry-After": "0"}, request=request)
        response = self.inner.handle_request(request)
        response.read()
        if mode == "lost_ack":
            raise httpx.ReadTimeout("injected: answer lost after commit", request=request)
        if mode == "truncated":
            return httpx.Response(200, content=response.content[: len(response.content) // 2], request=request)
        return response


def transport_for(app):
    from starlette.testclient import TestClient

    return TestClient(app)._transport


def files_contain(store, needle: str) -> int:
    hits = 0
    for suffix in ("", "-wal", "-shm"):
        path = store.path.parent / (store.path.name + suffix)
        if path.exists():
            hits += path.read_bytes().count(needle.encode())
    return hits


def handed_over_case(jc, jc_store, aa_store, url, tokens, name: str):
    case_id = jc.create_case({**COMPLETE_CASE, "family_name": name})
    jc.add_consent(
        case_id,
        purpose="fbw_uebergabe",
        recipients=["agentur"],
        data_groups=["stammdaten", "hemmnisse"],
        given_on=TODAY,
    )
    jc.move(case_id, "ready_for_handover")
    jc.send_handover(case_id)
    summary = sync(jc_store, url, tokens["ifk.ida"])
    assert summary.rejected == 0, summary.reasons
    assert sync(aa_store, url, tokens["aa.anton"]).grants == 1
    assert q(aa_store, "SELECT family_name FROM person") == [(name,)]
    return case_id


def to_voucher(aa, case_id):
    """The Agentur's part up to the voucher: acknowledge with a past appointment, counsel, issue."""
    from datetime import UTC, date, datetime

    from wbtui.domain.process import TransitionInput

    aa.ack_handover(case_id, appointment_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    aa.move(case_id, "counselled", TransitionInput(outcome="foerderfaehig"))
    aa.move(case_id, "voucher_issued", TransitionInput(valid_until=date(2027, 1, 31)))
