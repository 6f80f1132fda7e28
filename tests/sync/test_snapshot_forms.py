"""The snapshot's wire forms (sync/protocol.py): form 2 (a case's rows by table, field names once, values as
lists) and form 1 (what a device of the version before asks for, and what an older server answers) store
the same on a device, hostile values included — cleaned of bidi and invisible characters, or the case
quarantined by the Merger when a value fails its check; a page of a form the device does not read, or a
row that is not of its form, is refused whole. No server: the pages are written by the server's encoders."""

from __future__ import annotations

import json

import pytest

from sync_helpers import q, synced_state

HLC, LATER = "0001764000000000-0000-nsrv", "0001764000000001-0000-nsrv"
PERSON, CASE, BAD_CASE, OBSTACLE, EVENT = ("a" * 31 + c for c in "12345")


def row(entity: str, row_id: str, values: dict, clocks: dict | None = None) -> dict:
    fields = {n: {"v": v, "hlc": (clocks or {}).get(n, HLC)} for n, v in values.items()}
    return {"entity": entity, "row_id": row_id, "fields": fields}


def cases() -> list[dict]:
    person = row("person", PERSON, {
        "kundennummer": "123A456789", "family_name": "Mül\u200bler\u202e", "given_names": "Ida",
        "needs_interpreter": True, "created_at": "2026-11-01 10:00:00", "updated_at": "2026-11-01 10:00:00",
    })  # fmt: skip
    case = {"person_id": PERSON, "stage": "need_identified", "stage_since": "2026-11-01 10:00:00",
            "legacy_jc_funded": False, "availability": "vormittags\tab 9", "created_at": "2026-11-01 10:00:00",
            "updated_at": "2026-11-01 10:00:00"}  # fmt: skip
    obstacle = row("obstacle", OBSTACLE, {
        "case_id": CASE, "code": "R-KIN", "status": "offen", "art9": False, "created_at": "2026-11-01 10:00:00",
        "updated_at": "2026-11-01 10:00:00",
    }, clocks={"status": LATER})  # fmt: skip
    event = {"entity": "event", "row_id": EVENT, "hlc": HLC, "data": {
        "case_id": CASE, "at": "2026-11-01 10:00:00", "type": "contact", "payload": {"note\u202e": "a\u2028b"},
    }}  # fmt: skip
    good = {"case_id": CASE, "rows": [person, row("case", CASE, case), obstacle], "appends": [event], "conflicts": []}
    bad = {"case_id": BAD_CASE, "rows": [row("case", BAD_CASE, {**case, "stage": "bogus"})], "appends": [],
           "conflicts": []}  # fmt: skip
    return [good, bad]


def page(form: int) -> bytes:
    from wbtui.server.snapshot import encode_case, encode_case_tables, encode_page

    encode = encode_case if form == 1 else encode_case_tables
    lines = [(c["case_id"], encode(c)) for c in cases()]
    return b"".join(encode_page("cursor", lines, False, None, None, form))


def stored(tmp_path, name: str, body: bytes):
    from wbtui.data.store import open_store
    from wbtui.sync import bootstrap, protocol
    from wbtui.sync.client import Summary
    from wbtui.sync.orphans import commit_page

    store, summary = open_store(tmp_path / f"{name}.db"), Summary()
    _header, decoded, _end = bootstrap.read_page(body)
    with store.transaction() as con:
        con.execute("PRAGMA defer_foreign_keys = ON")
        bootstrap.Page(con, protocol.SCHEMA_VERSION, summary, fresh=True).apply(decoded)
        commit_page(con, summary)
    return store, summary


def test_both_forms_store_the_same_cleaned_and_checked(tmp_path) -> None:
    one, by_one = stored(tmp_path, "one", page(1))
    two, by_two = stored(tmp_path, "two", page(2))
    assert synced_state(one) == synced_state(two)
    assert q(two, "SELECT family_name FROM person") == [("Müller",)]  # invisible and bidi characters gone
    assert q(two, "SELECT availability FROM fbw_case") == [("vormittags ab 9",)]  # single-line text: no TAB
    assert q(two, "SELECT id FROM fbw_case") == [(CASE,)]
    assert by_two.quarantined == by_one.quarantined == 1  # the case whose stage is no stage
    assert q(two, "SELECT field, hlc FROM field_clock WHERE row_id = ? AND field IN ('status', 'code')", OBSTACLE) == [
        ("code", HLC),
        ("status", LATER),
    ]
    payload = json.loads(q(two, "SELECT payload FROM case_event")[0][0])
    assert payload == {"note": "a\nb"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"snapshot": 3, "cursor": "c"}\n{"end": true, "cases": 0}\n',  # a form this version does not read
        b'{"snapshot": 2}\n{"case_id": "x", "tables": [["case", ["stage"], [["id", "h"]]]]}\n{"end": true, "cases": 1}\n',
        b'{"snapshot": 2}\n{"case_id": "x", "tables": [["case", ["stage"], [["id", "h", 1, 2]]]]}\n{"end": true, "cases": 1}\n',
        b'{"snapshot": 2}\n{"case_id": "x", "tables": [[["case"], ["stage"], []]]}\n{"end": true, "cases": 1}\n',
        b'{"snapshot": 2}\n{"case_id": "x", "tables": [], "appends": [["event", "e"]]}\n{"end": true, "cases": 1}\n',
    ],
)
def test_a_page_not_of_its_form_is_refused_whole(body: bytes) -> None:
    from wbtui.sync import bootstrap

    with pytest.raises(ValueError):
        bootstrap.read_page(body)
