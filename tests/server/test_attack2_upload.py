"""Attack 2, F3: the upload mark on a new case, named after the finding: the real
server over HTTP on loopback, on SQLite and on PostgreSQL (the ``server`` fixture), an attacker's device
pushing raw JSON (tests/server/authz_helpers.py)."""

from __future__ import annotations

import json
import uuid

from authz_helpers import append_change, new_case_changes, pull_all, set_change
from test_issue12_write_side import _answers, _appends

from server_helpers import provision

NOW = "2026-11-25 12:00:00.000000"


def _uploaded(*extra: tuple[str, dict], stage: str = "need_identified", case_fields: dict | None = None) -> list[dict]:
    """A case new to the server as a Jobcenter store's first upload: person, case and ``extra`` rows (entity,
    fields) or timeline entries (``("event", data)``), one transaction, every change marked ``upload``."""
    case_id = uuid.uuid4().hex
    changes = new_case_changes(case_id, kundennummer=f"{uuid.uuid4().int % 1000:03d}A{uuid.uuid4().int % 10**6:06d}")
    changes[1]["fields"]["stage"]["v"] = stage
    for name, value in (case_fields or {}).items():
        changes[1]["fields"][name] = {"v": value, "base": None}
    tx = changes[0]["tx"]
    for entity, fields in extra:
        if entity == "event":
            event = append_change(case_id, fields.pop("type"))
            event["data"].update(fields)
            changes.append({**event, "tx": tx})
        else:
            changes.append(set_change(entity, uuid.uuid4().hex, case_id, {"case_id": case_id, **fields}, tx=tx))
    return [{**c, "origin": "upload"} for c in changes]


def _handover(status: str, **extra) -> tuple[str, dict]:
    return "handover", {
        "sent_at": NOW,
        "package": {},
        "channel": "file_export",
        "legal_basis": "sgb_x_69",
        "payload_version": 1,
        "from_user": "ifk.ida",
        "status": status,
        **extra,
    }


def test_F3_an_upload_mark_on_a_new_case__never_writes_the_agenturs_acts_or_identity_its_own_history_passes(
    server,
):
    url, engine = server
    tokens = provision(engine)
    ida = tokens["ifk.ida"]
    attacks = {
        "acknowledged_by": _uploaded(
            _handover("sent", acknowledged_by="aa.anton", acknowledged_at=NOW), stage="handed_over"
        ),
        "accepted": _uploaded(_handover("accepted"), stage="handed_over"),
        "outcome": _uploaded(stage="closed", case_fields={"counselling_outcome": "foerderfaehig"}),
        "stage": _uploaded(stage="counselled"),
        "voucher": _uploaded(("voucher", {"issued_on": "2026-11-01", "valid_until": "2027-01-31"}), stage="closed"),
        "aa_event": _uploaded(("event", {"type": "counselling_result", "actor": "ifk.ida"})),
        "borrowed": _uploaded(("event", {"type": "contact", "actor": "aa.anton"})),
    }
    expected = {"acknowledged_by": "side", "accepted": "process", "outcome": "side", "stage": "stage",
                "voucher": "side", "aa_event": "side", "borrowed": "actor"}  # fmt: skip
    # the Jobcenter's own history of a case new to the server: handed over offline, later closed, its entries
    own = _uploaded(_handover("sent"), ("event", {"type": "contact", "actor": "ifk.ida"}), stage="handed_over")
    closed = _uploaded(("event", {"type": "case_closed", "actor": "ifk.kollegin"}), stage="closed",
                       case_fields={"close_reason": "moved", "closed_at": NOW})  # fmt: skip
    # one push, each case its own local transaction: taken or refused alone
    answers = iter(_answers(url, ida, [c for changes in [*attacks.values(), own, closed] for c in changes]))
    for name, changes in attacks.items():
        assert [next(answers) for _ in changes] == [("rejected", "permission", expected[name])] * len(changes), name
    assert {a[0] for a in answers} == {"applied"}
    assert [e["actor"] for e in _appends(engine, own[0]["case_id"])] == ["ifk.ida"]
    everything = json.dumps(pull_all(url, tokens["aa.anton"]))
    assert "aa.anton" not in everything and "foerderfaehig" not in everything
