"""Issue #16, store size: migration 0021 keeps the handover package packed (data/package.py).

A store of the layout before (schema 20, the package as the JSON text SQLAlchemy wrote) is converted in its
migration, and every package reads back equal; the Übergabebogen, the exchange file and the Art. 15 export
show the same before and after. A row written as JSON text afterwards (a sync merge) is packed by the
column's trigger. Sync of a packed package: tests/sync and tests/server/test_sync_server.py."""

from __future__ import annotations

import json
import sqlite3

import pytest

from common import COMPLETE_CASE, TODAY, office_at_schema
from wbtui.data.package import pack, pack_sql, unpack

BEFORE = 20  # the schema this migration starts from

PACKAGE = {
    "version": 1,
    "person": {"family_name": "Öztürk-Weiß", "given_names": "Zoë", "needs_interpreter": False, "email": None},
    "case": {"max_commute_km": 25, "health_limits_summary": "kein schweres Heben – „nur Teilzeit“"},
    "obstacles": [{"code": "R-KIN", "status": "in_bearbeitung"}],
    "jc_contact": {"name": "Frau Ünal", "office": "Jobcenter Musterstadt"},
}


def test_pack_round_trip_and_forms():
    blob = pack(PACKAGE)
    assert blob[0] == 1 and len(blob) < len(json.dumps(PACKAGE, ensure_ascii=False).encode()) * 0.8
    assert unpack(blob) == PACKAGE and unpack(json.dumps(PACKAGE)) == PACKAGE and unpack(None) is None
    assert pack_sql(json.dumps(PACKAGE)) == blob and pack_sql(blob) is blob and pack_sql(None) is None
    with pytest.raises(ValueError, match="unknown form"):
        unpack(b"\x07" + blob[1:])  # a dictionary this release does not know


def _shown(jc, store, case_id) -> tuple:
    """What a package is shown as: the Übergabebogen, the exchange file, the Art. 15 export, the ORM value."""
    from wbtui.data.models import Handover
    from wbtui.services import documents, exchange, subject_access

    sheet = documents.handover_sheet(jc, case_id)
    document = {k: v for k, v in exchange.build(jc, case_id).items() if k != "exported_at"}
    con = store.raw()
    try:
        person_id = con.execute("SELECT person_id FROM fbw_case WHERE id = ?", (case_id.hex,)).fetchone()[0]
        art15 = [case["handover"] for case in subject_access.collect(con, person_id)["cases"]]  # (the rest: audit)
    finally:
        con.close()
    with store.reader() as s:
        packages = sorted((h.package for h in s.query(Handover).all()), key=repr)
    return sheet, document, art15, packages


def test_a_store_of_schema_20_is_packed_by_0021_and_shows_the_same(tmp_path):
    from wbtui.data.store import latest_version, migrate

    store, jc = office_at_schema(tmp_path, BEFORE)
    cases = []
    for n, name in enumerate(("Öztürk-Weiß", "Łukasiewicz")):
        case_id = jc.create_case({**COMPLETE_CASE, "kundennummer": f"{300 + n}C567890", "family_name": name})
        jc.add_consent(
            case_id, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY
        )
        jc.add_obstacle(case_id, "R-KIN", status="in_bearbeitung")
        jc.move(case_id, "ready_for_handover")
        jc.send_handover(case_id)
        cases.append(case_id)
    store.close()
    con = sqlite3.connect(store.path, isolation_level=None)
    try:  # the layout before: the JSON text SQLAlchemy's JSON type wrote (this release's ORM packs already)
        text = {r: json.dumps(unpack(p)) for r, p in con.execute("SELECT rowid, package FROM handover")}
        con.executemany("UPDATE handover SET package = ? WHERE rowid = ?", [(t, r) for r, t in text.items()])
        assert {r[0] for r in con.execute("SELECT typeof(package) FROM handover")} == {"text"} and len(text) == 2
    finally:
        con.close()
    before = [_shown(jc, store, c) for c in cases]
    store.close()

    assert migrate(store.path) == (BEFORE, latest_version())

    con = store.raw(readonly=False)
    try:
        now = dict(con.execute("SELECT rowid, package FROM handover"))
        assert all(isinstance(p, bytes) for p in now.values())
        assert {r: unpack(p) for r, p in now.items()} == {r: json.loads(t) for r, t in text.items()}
        assert [_shown(jc, store, c) for c in cases] == before
        # a writer that hands the column JSON text (a sync merge, a snapshot row): packed by the trigger
        row = next(iter(text))
        con.execute("UPDATE handover SET package = ? WHERE rowid = ?", (json.dumps(PACKAGE), row))
        cols = [r[1] for r in con.execute("PRAGMA table_info(handover)") if r[1] not in ("id", "package")]
        con.execute(
            f"INSERT INTO handover (id, package, {', '.join(cols)}) SELECT ?, ?, {', '.join(cols)} FROM handover"
            " WHERE rowid = ?",
            ("f" * 32, json.dumps(PACKAGE, ensure_ascii=False), row),
        )
        for (stored,) in con.execute("SELECT package FROM handover WHERE rowid = ? OR id = ?", (row, "f" * 32)):
            assert isinstance(stored, bytes) and unpack(stored) == PACKAGE
    finally:
        con.close()
