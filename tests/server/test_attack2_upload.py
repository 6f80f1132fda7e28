"""Attack 2, F3: the upload mark on a new case, named after the finding: the real
server over HTTP on loopback, on SQLite and on PostgreSQL (the ``server`` fixture), an attacker's device
pushing raw JSON (tests/server/authz_helpers.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

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


def test_F3_an_upload_mark_on_a_new_case__never_writes_the_agenturs_acts_or_identity_its_own_history_passes__a_window_does(
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
    _upload_window(url, engine, tokens)  # the same server: a second one would cost its start-up again


def _upload_window(url, engine, tokens) -> None:
    """The legitimate path for a store both offices worked in (domain/upload.py): with a window open for
    the uploading login the forged-looking cases are taken, still never a Jobcenter colleague elsewhere
    named as author; another login's window, an expired one and a case the server holds change nothing."""
    from sqlalchemy import text

    from wbtui.server.admin import close_upload_window, open_upload_window, upload_windows

    ida = tokens["ifk.ida"]

    def shared_store() -> list[list[dict]]:  # what a store both offices worked in brings: the Agentur's acts
        return [
            _uploaded(_handover("accepted", acknowledged_by="aa.anton", acknowledged_at=NOW), stage="counselled"),
            _uploaded(
                stage="closed",
                case_fields={"counselling_outcome": "foerderfaehig", "close_reason": "moved", "closed_at": NOW},
            ),  # fmt: skip
            _uploaded(("event", {"type": "counselling_result", "actor": "aa.anton"})),
        ]

    def outcome(token, cases) -> list[set]:
        answers = iter(_answers(url, token, [c for changes in cases for c in changes]))
        return [{next(answers)[:2] for _ in changes} for changes in cases]

    refused = [{("rejected", "permission")}] * 3
    open_upload_window(engine, "ifk.nora", 24)  # another login's window does not help
    assert outcome(ida, shared_store()) == refused
    open_upload_window(engine, "ifk.ida", 1)
    with engine.begin() as conn:  # an hour has passed: the window closed itself
        conn.execute(
            text(
                "UPDATE srv_upload_window SET closes_at = :t WHERE user_id = (SELECT id FROM srv_user WHERE login = :l)"
            ),
            {"t": datetime.now(UTC) - timedelta(minutes=1), "l": "ifk.ida"},
        )
    assert outcome(ida, shared_store()) == refused
    assert [w[0] for w in upload_windows(engine)] == ["ifk.nora"]
    open_upload_window(engine, "ifk.ida", 24)
    taken = shared_store()
    nora_wrote = _uploaded(("event", {"type": "contact", "actor": "ifk.nora"}))  # another Jobcenter's login
    assert outcome(ida, [*taken, nora_wrote]) == [{("applied", None)}] * 3 + [{("rejected", "permission")}]
    # a case the server holds: an upload mark on it is an ordinary write, window or not
    case_id = taken[0][1]["case_id"]
    held = set_change("case", case_id, case_id, {"counselling_outcome": "foerderfaehig"}, origin="upload")
    assert outcome(ida, [[held]]) == [{("rejected", "permission")}]
    close_upload_window(engine, "ifk.ida")
    assert outcome(ida, shared_store()) == refused
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT kind, detail FROM srv_audit WHERE kind LIKE 'upload_window%'")).fetchall()
    assert [k for k, _d in audit].count("upload_window_opened") == 3
    assert sorted(json.loads(d)["case"] for k, d in audit if k == "upload_window_used") == sorted(
        c[0]["case_id"] for c in taken
    )
    assert ("upload_window_closed", "") in audit
