"""The audit trail's key and anchor, kept outside the store (README "Data protection", "Audit trail").

* **Key**: each store's chain is keyed with HMAC-SHA-256 from its first entry on (``from_seq``; entries
  of a store from before keying stay plain SHA-256). The key lives in a 0600 file in the user's key
  directory (:func:`wbtui.paths.key_dir`), not in the store: whoever has only the store file (a copy,
  a backup, a database editor run under another account) cannot recompute the chain after a change.
* **Anchor**: the newest committed entry (sequence number and hash) is written to a 0600 side file
  next to the key, signed with the key, after every action that appended entries. Deleting the newest
  entries or emptying the table leaves the chain consistent but behind its anchor: :func:`wbtui.data.audit.verify`
  reports it. With a server configured the anchor also goes to the server at each sync.

The honest limit: whoever controls the OS account controls the key and the side file too; locally the
chain then proves nothing the server has not seen (its anchor). See README.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wbtui import paths
from wbtui.data.sql import execute
from wbtui.domain.anchor import Head

_LOCK = threading.Lock()
_KEYS: dict[tuple[str, str], Key] = {}


@dataclass(frozen=True)
class Key:
    store_id: str
    secret: bytes
    from_seq: int  # the first entry of the chain that is keyed
    path: Path

    def mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def key_path(store_id: str) -> Path:
    return paths.key_dir() / f"audit-{store_id}.key"


def anchor_path(store_id: str) -> Path:
    return paths.key_dir() / f"audit-{store_id}.head"


def store_id_of(conn) -> str | None:
    row = execute(conn, "SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()
    return row[0] if row else None


def load(store_id: str) -> Key | None:
    """The store's key, or None when there is none (yet, or any more)."""
    path = key_path(store_id)
    cached = _KEYS.get((str(path), store_id))
    if cached is not None:
        return cached
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = Key(store_id, bytes.fromhex(data["key"]), int(data["from_seq"]), path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: verification reports the chain as unverifiable, never as intact
    if data.get("store_id") != store_id:
        return None
    _KEYS[(str(path), store_id)] = key
    return key


def load_or_create(conn, store_id: str, next_seq: int) -> Key:
    """The key for the next entry; created (0600, never replaced) the first time the store appends.

    A store that had entries before keying began keeps them as they are (plain SHA-256 up to
    ``next_seq - 1``); its store records from which entry on the chain is keyed."""
    key = load(store_id)
    if key is not None:
        return key
    with _LOCK:
        path = key_path(store_id)
        paths.private_dir(path.parent)
        body = {
            "v": 1,
            "store_id": store_id,
            "key": secrets.token_hex(32),
            "from_seq": next_seq,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(body))
                fh.flush()
                os.fsync(fh.fileno())
    key = load(store_id)
    if key is None:
        raise OSError(f"audit key {path} unreadable")
    execute(
        conn,
        "INSERT INTO store_meta(key, value) VALUES ('audit_keyed_from', ?) ON CONFLICT(key) DO NOTHING",
        (str(key.from_seq),),
    )
    return key


# -- the anchor ---------------------------------------------------------------------------------------


def _signed(key: Key, head: Head) -> str:
    return key.mac(f"anchor|{key.store_id}|{head.seq}|{head.hash}")


def read_anchor(store_id: str, key: Key | None) -> tuple[Head | None, str | None]:
    """The anchored head and a problem code (``anchor_unsigned``: the file does not carry the key's signature)."""
    path = anchor_path(store_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        head = Head(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, KeyError, TypeError):
        return None, "anchor_unsigned"
    if key is None or not hmac.compare_digest(str(data.get("mac", "")), _signed(key, head)):
        return head, "anchor_unsigned"
    return head, None


def write_anchor(store_id: str, key: Key, head: Head) -> None:
    """Move the anchor forward to ``head`` (never back: a lagging writer leaves a newer anchor alone)."""
    import fcntl

    path = anchor_path(store_id)
    paths.private_dir(path.parent)
    lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current, problem = read_anchor(store_id, key)
        if current is not None and problem is None and current.seq >= head.seq:
            return
        body = json.dumps(
            {
                "v": 1,
                "store_id": store_id,
                "seq": head.seq,
                "hash": head.hash,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "mac": _signed(key, head),
            }
        )
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        os.replace(tmp, path)
    finally:
        os.close(lock)


def newest(con) -> Head | None:
    row = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return Head(row[0], row[1]) if row else None


def anchor_now(store) -> Head | None:
    """Anchor the newest committed entry of ``store`` (called after each action that appended entries).

    The anchor moves forward only over an intact stretch: when the entry it holds is gone or changed,
    it stays where it is, so the damage remains visible to ``audit verify``."""
    con = store.raw()
    try:
        store_id = store_id_of(con)
        head = newest(con)
        key = load(store_id) if store_id else None
        if store_id is None or head is None or key is None:
            return head
        current, problem = read_anchor(store_id, key)
        if current is not None and problem is None and hash_at(con, current.seq) != current.hash:
            return current  # the trail lost or changed an anchored entry: keep the evidence
    finally:
        con.close()
    write_anchor(store_id, key, head)
    return head


def hash_at(con, seq: int) -> str | None:
    row = con.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    return row[0] if row else None
