"""Optional encryption at rest for the local store with SQLCipher (README "Data protection"; ``pip install wbtui[encryption]``).

* The passphrase comes from ``WBTUI_DB_KEY``, from a key file that only its owner may read
  (``[store] key_file``), or from a prompt on the terminal — never from the command line.
* It is stretched once per process with PBKDF2-HMAC-SHA512 (256,000 rounds, SQLCipher's own
  default) and a per-store random salt (``<db>.salt``, 0600); every connection then uses the raw
  256-bit key, so opening the many short read connections costs no key derivation.
* ``PRAGMA cipher_log_level = NONE``: SQLCipher must not write to stderr under the TUI.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from wbtui.domain.errors import StoreError

ROUNDS = 256_000
HEADER = b"SQLite format 3\x00"
_KEYS: dict[str, str] = {}  # resolved db path -> hex raw key (process memory only)


def module():
    try:
        import sqlcipher3
    except ImportError:
        raise StoreError("err.store_no_sqlcipher") from None
    return sqlcipher3


def _salt(db: Path) -> bytes:
    path = Path(f"{db}.salt")
    if path.exists():
        data = path.read_bytes()
        if len(data) == 16:
            return data
        raise StoreError("err.store_salt", path=str(path))
    salt = os.urandom(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(salt)
    return salt


def register(db: Path, passphrase: str) -> None:
    """Derive the store's raw key from ``passphrase`` and keep it for this process."""
    if not passphrase:
        raise StoreError("err.store_key_missing", path=str(db))
    db = Path(db).resolve()
    db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), _salt(db), ROUNDS, dklen=32)
    _KEYS[str(db)] = key.hex()


def forget(db: Path) -> None:
    _KEYS.pop(str(Path(db).resolve()), None)


def key_for(db: Path) -> str | None:
    if not _KEYS:  # the common case, on every connection: no path resolution needed
        return None
    return _KEYS.get(str(Path(db).resolve()))


def connect(db: Path, key: str, *, readonly: bool = False):
    """A SQLCipher connection opened with the raw key; a wrong key is reported cleanly."""
    lib = module()
    target = f"file:{db}?mode=ro" if readonly else str(db)
    con = lib.connect(target, uri=readonly, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA cipher_log_level = NONE")
    con.execute(f"PRAGMA key = \"x'{key}'\"")
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except lib.DatabaseError:
        con.close()
        raise StoreError("err.store_key_wrong", path=str(db)) from None
    return con


def is_plaintext(db: Path) -> bool:
    try:
        with open(db, "rb") as fh:
            return fh.read(16) == HEADER
    except FileNotFoundError:
        return False


def passphrase_from(config, *, prompt=None) -> str | None:
    """The passphrase: ``WBTUI_DB_KEY``, then the key file (must be private), then ``prompt()`` if given."""
    env = os.environ.get("WBTUI_DB_KEY")
    if env:
        return env
    if config.store_key_file:
        path = Path(config.store_key_file).expanduser()
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            raise StoreError("err.store_key_file", path=str(path)) from None
        if mode & 0o077:
            raise StoreError("err.store_key_file_mode", path=str(path), mode=oct(mode))
        return path.read_text(encoding="utf-8").strip()
    if prompt is not None:
        return prompt()
    return None


def encrypt_existing(db: Path, passphrase: str) -> None:
    """Turn a plaintext store into an encrypted one (sqlcipher_export), keeping every row."""
    import sqlite3

    db = Path(db).resolve()
    if not is_plaintext(db):
        raise StoreError("err.store_already_encrypted", path=str(db))
    plain = sqlite3.connect(str(db))
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    plain.close()
    register(db, passphrase)
    key = key_for(db)
    lib = module()
    target = db.with_name(db.name + ".encrypting")
    if target.exists():
        target.unlink()
    con = lib.connect(str(db), isolation_level=None)
    con.execute("PRAGMA cipher_log_level = NONE")
    con.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{key}'\"", (str(target),))
    con.execute("SELECT sqlcipher_export('enc')")
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.execute(f"PRAGMA enc.user_version = {int(version)}")
    con.execute("DETACH DATABASE enc")
    con.close()
    os.chmod(target, 0o600)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db}{suffix}")
        if side.exists():
            side.unlink()
    os.replace(target, db)
