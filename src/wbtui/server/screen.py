"""What a pushed change must look like before any rule looks at it, and how much it may append.

Issue 12 F10: a change whose keys hold values of the wrong kind (an entity that is a list, a row id that
is an object, text with NUL that PostgreSQL cannot store) made the push fail with HTTP 500. Such a change
is answered ``rejected`` with reason ``validation`` here, naming the key.

Issue 12 F7: the timeline is append-only and every device keeps it for ever, so what may be appended is
bounded (README "Server hygiene", limits): one timeline entry's data at most :data:`EVENT_BYTES` bytes
serialised (UTF-8 JSON), at most :data:`EVENTS_PER_CASE` entries for one case in one push and
:data:`APPEND_BYTES` bytes of entries in one push in all. What goes beyond is refused ``too_large``.

A refused change takes its whole local transaction (``tx``) with it, as the push's own checks do
(:mod:`wbtui.server.push`): the server takes or refuses one user action whole. Its answer is kept like every
other answer (:func:`keep`): a retry with the same change id gets the same one, even when the batch around it
has changed (the per-push limits depend on it), and a change answered before keeps its first answer.
"""

from __future__ import annotations

import json

from wbtui.domain.entities import EVENT_BYTES, HEX32
from wbtui.domain.text import has_control

EVENTS_PER_CASE = 1000  # timeline entries of one case in one push (a first upload sends a case's whole history)
APPEND_BYTES = 4 * 1_048_576  # bytes of timeline entries in one push, all cases together
MAX_KEY_TEXT = 200  # characters of an envelope value (ids are 32, clocks about 40)

_TEXT = ("change_id", "entity", "row_id", "case_id", "op", "hlc", "origin", "name")
_OBJECTS = ("fields", "data", "args", "payload")


def screen(changes: list) -> dict[int, dict]:
    """Answers for the changes refused before the push runs, by index."""
    refused: dict[int, dict] = {}
    per_case: dict[str, int] = {}
    total = 0
    for i, change in enumerate(changes):
        reason = _shape(change)
        if reason is None and change.get("op") == "append":
            size = _size(change.get("data"))
            per_case[change.get("case_id")] = count = per_case.get(change.get("case_id"), 0) + 1
            total += size
            if size > EVENT_BYTES or count > EVENTS_PER_CASE or total > APPEND_BYTES:
                reason = ("too_large", "data")
        if reason is not None:
            refused[i] = _answer(change, *reason)
    if refused:  # the rest of a refused change's local transaction goes with it
        txs = {_tx(changes[i]) for i in refused} - {None}
        for i, change in enumerate(changes):
            if i not in refused and _tx(change) in txs:
                refused[i] = _answer(change, refused[_first(changes, refused, _tx(change))]["reason"], None)
    return refused


def _shape(change) -> tuple[str, str | None] | None:
    if not isinstance(change, dict):
        return ("validation", None)
    for key in _TEXT:
        value = change.get(key)
        if value is not None and (
            not isinstance(value, str) or len(value) > MAX_KEY_TEXT or has_control(value, multiline=False)
        ):
            return ("validation", key)
    tx = change.get("tx")
    if tx is not None and (isinstance(tx, bool) or not isinstance(tx, str | int) or len(str(tx)) > MAX_KEY_TEXT):
        return ("validation", "tx")
    for key in _OBJECTS:
        if change.get(key) is not None and not isinstance(change[key], dict):
            return ("validation", key)
    return None


def _size(data) -> int:
    try:
        return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError):
        return 0  # not JSON at all: the push's own checks refuse it


def _tx(change):
    tx = change.get("tx") if isinstance(change, dict) else None
    return tx if isinstance(tx, str | int) and not isinstance(tx, bool) else None


def _first(changes: list, refused: dict[int, dict], tx) -> int:
    return next(i for i in sorted(refused) if _tx(changes[i]) == tx)


def _answer(change, reason: str, field: str | None) -> dict:
    change_id = change.get("change_id") if isinstance(change, dict) else None
    answer: dict[str, object] = {
        "change_id": change_id if isinstance(change_id, str) else None,
        "status": "rejected",
        "reason": reason,
    }
    if field:
        answer["detail"] = {"field": field}
    return answer


def keep(s, org_id: str, changes: list, refused: dict[int, dict]) -> dict[int, dict]:
    """The answers for the refused changes, kept in the push's transaction as :mod:`wbtui.server.push` keeps
    its own (``srv_applied``): a change id answered before gets that answer again (``duplicate``; another
    organisation's id: ``forbidden``), a new one is recorded with its refusal. A change id that is not one
    (not 32 hex digits) is answered, never kept, as the push does."""
    from sqlalchemy import bindparam, insert, text

    from wbtui.server.models import SrvApplied, now, table_of

    ids: dict[str, int] = {}
    taken = {c.get("change_id") for i, c in enumerate(changes) if i not in refused and isinstance(c, dict)}
    for i in sorted(refused):
        change_id = refused[i]["change_id"]
        if isinstance(change_id, str) and HEX32.match(change_id) and change_id not in taken:
            ids.setdefault(change_id, i)
    if not ids:
        return refused
    found = s.execute(
        text("SELECT change_id, org_id, result FROM srv_applied WHERE change_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": sorted(ids)},
    ).fetchall()
    answers = dict(refused)
    earlier = {change_id: (org, json.loads(result)) for change_id, org, result in found}
    for i, answer in refused.items():
        done = earlier.get(answer["change_id"])
        if done is not None:
            answers[i] = (
                {**done[1], "duplicate": True}
                if done[0] == org_id
                else {"change_id": answer["change_id"], "status": "rejected", "reason": "forbidden"}
            )
    new = [
        {"change_id": c, "org_id": org_id, "result": json.dumps(refused[i]), "received_at": now()}
        for c, i in ids.items()
        if c not in earlier
    ]
    if new:
        s.execute(insert(table_of(SrvApplied)), new)
    return answers
