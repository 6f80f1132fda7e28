"""The audit trail's chain: which columns are hashed, how one entry is linked to the one before, and the
sequence number the next entry gets (written by :mod:`wbtui.data.audit`, checked by
:mod:`wbtui.data.audit_verify`)."""

from __future__ import annotations

import hashlib
import json

from wbtui.data.sql import execute

GENESIS = "0" * 64
HASHED = (
    "id",
    "at",
    "actor",
    "role",
    "org",
    "channel",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "data_groups",
    "fields",
    "purpose",
    "reason",
    "detail",
    "outcome",
)


def entry_hash(prev_hash: str, entry: dict, key=None) -> str:
    """The chain link: HMAC-SHA-256 with the store's audit key, plain SHA-256 without one (old entries)."""
    canonical = json.dumps([entry[key_] for key_ in HASHED], ensure_ascii=False, separators=(",", ":"))
    if key is not None:
        return key.mac(prev_hash + canonical)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def next_seq(conn) -> int:
    """The sequence number the next entry gets (AUTOINCREMENT: never reused, also after deletions)."""
    row = execute(conn, "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    return (row[0] if row else 0) + 1
