"""Anchors of an append-only, hash-chained log: the newest (sequence number, hash) a witness has seen.

Pure, so that every witness decides alike: the device's side file and the sync server
(``POST /sync/v1/anchor``, :mod:`wbtui.server.anchor`) keep an anchor with :func:`advance`; ``wbtui audit
verify`` compares the chain on the device with each anchor by :func:`compare` (README "Audit trail").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

HASH = re.compile(r"^[0-9a-f]{64}$")
MAX_SEQ = 2**62


@dataclass(frozen=True)
class Head:
    """One entry of the chain as a witness keeps it."""

    seq: int
    hash: str

    def as_dict(self) -> dict:
        return {"seq": self.seq, "hash": self.hash}


def parse(value: object) -> Head | None:
    """A head from JSON (``{"seq": n, "hash": "…64 hex…"}``), or None when it is not one."""
    if not isinstance(value, dict):
        return None
    seq, digest = value.get("seq"), value.get("hash")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < MAX_SEQ:
        return None
    if not isinstance(digest, str) or not HASH.match(digest):
        return None
    return Head(seq, digest)


_UNSAID = object()


def advance(kept: Head | None, reported: Head, at_kept: object = _UNSAID) -> tuple[Head, bool]:
    """What a witness keeps after a report, and whether the report went backwards (a shorter or a
    rewritten chain than the one seen before: entries deleted or changed since).

    ``at_kept``: the hash the reporting chain holds now at the kept entry's number (None: no such entry).
    A chain that has lost or changed the kept entry does not move the anchor on, however long it grew
    since: the anchor stays as evidence."""
    if kept is not None and at_kept is not _UNSAID and at_kept != kept.hash:
        return kept, True
    if kept is None or reported.seq > kept.seq:
        return reported, False
    if reported.seq == kept.seq:
        return kept, reported.hash != kept.hash
    return kept, True


@dataclass(frozen=True)
class Finding:
    """Why a chain does not match an anchor: ``missing`` (entries ``first``..``last`` are gone; all of
    them when ``emptied``) or ``changed`` (entry ``first`` differs from what the witness saw)."""

    problem: str
    first: int
    last: int
    emptied: bool = False


def compare(anchor: Head, newest_seq: int | None, hash_at: Callable[[int], str | None]) -> Finding | None:
    """Check the chain against ``anchor``: ``newest_seq`` is the chain's newest entry (None: empty),
    ``hash_at(seq)`` the stored hash of an entry (None: no such entry)."""
    if newest_seq is None:
        return Finding("missing", 1, anchor.seq, emptied=True)
    if newest_seq < anchor.seq:
        return Finding("missing", newest_seq + 1, anchor.seq)
    stored = hash_at(anchor.seq)
    if stored is None:
        return Finding("missing", anchor.seq, anchor.seq)
    if stored != anchor.hash:
        return Finding("changed", anchor.seq, anchor.seq)
    return None
