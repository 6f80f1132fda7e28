"""The local SQLite store: pragmas, migrations, sessions and raw read connections.

Writes go through SQLModel sessions that start with ``BEGIN IMMEDIATE``, so two
processes writing the same store wait for each other (``busy_timeout``) instead
of failing half-way. Hot read paths (lists, timers) use plain ``sqlite3`` with
the same pragmas, so the CLI does not pay for importing SQLAlchemy.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from wbtui import paths
from wbtui.data import migrations
from wbtui.data.sql import execute  # noqa: F401 - part of this module's API for older callers
from wbtui.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
# A bulk load (a snapshot page, the queueing of a first upload) inserts tens of thousands of rows under
# random-id keys: with SQLite's default 2 MB page cache each insert reads index pages anew, so a page of
# 1,000 cases cost 3x more CPU by the tenth page (bench/profile_sync.py); 64 MB for that connection only.
BULK_CACHE = "PRAGMA cache_size = -65536"
DEFAULT_CACHE = "PRAGMA cache_size = -2000"

PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA secure_delete=ON",
)


def latest_version() -> int:
    return migrations.available()[-1][0]


def apply_pragmas(con) -> None:
    cur = con.cursor()
    for pragma in PRAGMAS:
        cur.execute(pragma)
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def connect_raw(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A sqlite3 (or, for an encrypted store, SQLCipher) connection with the store's pragmas (autocommit mode)."""
    from wbtui.data import encryption, package

    key = encryption.key_for(path)
    if key is not None:
        con = encryption.connect(path, key, readonly=readonly)
        if readonly:
            for pragma in PRAGMAS[:3]:
                con.execute(pragma)
        else:
            apply_pragmas(con)
    elif readonly:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS[:3]:
            con.execute(pragma)
    else:
        con = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        apply_pragmas(con)
    # the handover trigger (migration 0021) packs with it: a connection without it could not write a handover
    package.register(con)
    return con


def migrate(path: Path, *, target: int | None = None) -> tuple[int, int]:
    """Bring the store at ``path`` to ``target`` (default: newest). Returns (before, after)."""
    try:
        con = connect_raw(path)
    except sqlite3.DatabaseError as exc:
        raise StoreError("err.store_unreadable", path=str(path), detail=str(exc)) from exc
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            before = con.execute("PRAGMA user_version").fetchone()[0]
            newest = latest_version()
            if before > newest:
                raise StoreError("err.store_too_new", path=str(path), version=before, newest=newest)
            goal = newest if target is None else target
            unpacked = _package_bytes(con) if 0 < before < PACKED_PACKAGES <= goal else 0
            for version, _name, sql in migrations.available():
                if before < version <= goal:
                    for statement in migrations.statements(sql):
                        if not _column_there(con, statement):
                            con.execute(statement)
                    con.execute(f"PRAGMA user_version={version}")
            after = con.execute("PRAGMA user_version").fetchone()[0]
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        # packing the packages rewrites the rows in place: the pages they no longer need count as free
        given_back = unpacked - _package_bytes(con) if unpacked else 0
        if given_back > 0 or any(before < version <= after for version in REBUILT):
            _shrink(con, given_back)
        return before, after
    except sqlite3.DatabaseError as exc:
        raise StoreError("err.store_unreadable", path=str(path), detail=str(exc)) from exc
    finally:
        con.close()


_ADD_COLUMN = re.compile(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)\b", re.IGNORECASE)


def _column_there(con, statement: str) -> bool:
    """An ``ALTER TABLE … ADD COLUMN`` whose column the table has already: adding a column is done once,
    however the store came by it (a column is never added twice, which SQLite refuses)."""
    found = _ADD_COLUMN.match(statement)
    if found is None:
        return False
    table, column = found.groups()
    return any(row[1] == column for row in con.execute(f"PRAGMA table_info({table})"))


# the migration that moved the timeline into compact rows (data/timeline.py); the file shrinks after it
COMPACTED_TIMELINE = 13
# the migrations that rebuild a large table (13; 17: the timeline stored by case): the pages they leave
# free are given back once, after the migration
REBUILT = (COMPACTED_TIMELINE, 17)


# the migration that packs the handover packages (data/package.py)
PACKED_PACKAGES = 21


def _package_bytes(con) -> int:
    """The bytes the handover packages take (one pass over the table, a few MB at 10,000 cases)."""
    return int(con.execute("SELECT coalesce(sum(length(CAST(package AS BLOB))), 0) FROM handover").fetchone()[0])


def _shrink(con, given_back: int = 0) -> None:
    """Give the pages the old timeline left free back to the file system, once (a VACUUM: the store is
    rewritten, which takes a while on a large store), when they are a tenth of the file or more: 0017 frees
    a fifth, and a migration meant to shrink the store should not leave it larger on disk (at 100,000 demo
    cases 610 MB grew to 715 MB without it; the VACUUM took 4 s CPU, 43 s wall on the loaded test machine).
    ``given_back``: bytes a migration freed inside pages that stay in use (0021 packs rows in place)."""
    # int(): SQLCipher's driver answers these pragmas as text
    pages = int(con.execute("PRAGMA page_count").fetchone()[0])
    free = int(con.execute("PRAGMA freelist_count").fetchone()[0])
    free += given_back // int(con.execute("PRAGMA page_size").fetchone()[0])
    if pages and free * 10 >= pages:
        con.execute("VACUUM")


class Store:
    """A migrated local store. Cheap to create; the SQLAlchemy engine is built lazily."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine: Engine | None = None
        self._read_engine: Engine | None = None

    # -- raw reads ---------------------------------------------------------
    def raw(self, *, readonly: bool = True) -> sqlite3.Connection:
        return connect_raw(self.path, readonly=readonly)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A raw write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on any error)."""
        con = connect_raw(self.path)
        try:
            con.execute("BEGIN IMMEDIATE")
            yield con
            if con.in_transaction:  # a sync page commits itself (sync/orphans.py: rows quarantined at COMMIT)
                con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # -- ORM writes --------------------------------------------------------
    @property
    def engine(self):
        if self._engine is None:
            from sqlalchemy import create_engine, event

            path = self.path
            # every ORM connection comes from connect_raw: the same pragmas, and SQLCipher when the store is encrypted;
            # hide_parameters: error messages (and so the log) never carry the bound values, i.e. Sozialdaten
            engine = create_engine("sqlite://", creator=lambda: connect_raw(path), hide_parameters=True)

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_con, _record):  # pragma: no cover - trivial
                dbapi_con.isolation_level = None
                apply_pragmas(dbapi_con)

            @event.listens_for(engine, "begin")
            def _on_begin(conn):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            self._engine = engine
        return self._engine

    @contextmanager
    def session(self, who=None, *, hooks: tuple = ()) -> Iterator:
        """A write transaction: commits on success, rolls back on any error.

        Every change is recorded in the audit trail (attributed to ``who``) in the same transaction.
        ``hooks`` are further ``before_flush`` listeners run first: the services pass the sync
        recorder (:mod:`wbtui.sync.recorder`), which writes the outbox in the same transaction."""
        from sqlmodel import Session

        from wbtui.data.audit_hook import before_flush as audit_flush

        with Session(self.engine, expire_on_commit=False) as session:
            from sqlalchemy import event

            if who is not None:
                session.info["audit_who"] = who
            for hook in hooks:
                event.listen(session, "before_flush", hook)
            event.listen(session, "before_flush", audit_flush)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reader(self) -> Iterator:
        """A read-only ORM session in one deferred transaction: a consistent snapshot that never takes the
        write lock (detail views, previews and checks run while another process writes)."""
        from sqlmodel import Session

        if self._read_engine is None:
            from sqlalchemy import create_engine, event

            path = self.path
            engine = create_engine("sqlite://", creator=lambda: connect_raw(path), hide_parameters=True)

            @event.listens_for(engine, "begin")
            def _on_begin(conn):
                conn.exec_driver_sql("BEGIN")  # deferred: a shared read snapshot, no RESERVED lock

            self._read_engine = engine
        with Session(self._read_engine) as session:
            try:
                yield session
            finally:
                session.rollback()

    def close(self) -> None:
        for engine in (self._engine, self._read_engine):
            if engine is not None:
                engine.dispose()
        self._engine = self._read_engine = None

    # -- identity ----------------------------------------------------------
    def meta(self, key: str) -> str | None:
        con = self.raw()
        try:
            row = con.execute("SELECT value FROM store_meta WHERE key=?", (key,)).fetchone()
            return row[0] if row else None
        finally:
            con.close()


def open_store(explicit: str | Path | None = None, *, create: bool = True) -> Store:
    """Open (and if needed create and migrate) the store; files 0600, directory 0700."""
    path = paths.db_path(explicit)
    if not path.exists() and not create:
        raise StoreError("err.store_missing", path=str(path))
    paths.restrict_umask()
    network = paths.is_network_fs(path.parent)
    if network:
        raise StoreError("err.store_network_fs", path=str(path), fs=network)
    from wbtui.data import encryption

    if path.exists() and path.stat().st_size > 0:
        plaintext = encryption.is_plaintext(path)
        if encryption.key_for(path) is not None and plaintext:
            raise StoreError("err.store_not_encrypted", path=str(path))
        if encryption.key_for(path) is None and not plaintext:
            raise StoreError("err.store_encrypted_needs_key", path=str(path))
    try:
        paths.private_dir(path.parent)
    except OSError as exc:
        raise StoreError("err.store_dir", path=str(path.parent), detail=exc.strerror or str(exc)) from exc
    migrate(path)
    paths.private_file(path)
    store = Store(path)
    _ensure_identity(store)
    return store


def _ensure_identity(store: Store) -> None:
    con = store.raw(readonly=False)
    try:
        con.execute(
            "INSERT OR IGNORE INTO store_meta(key, value) VALUES ('store_id', ?)",
            (uuid.uuid4().hex,),
        )
    finally:
        con.close()


class SessionLock:
    """One interactive session per store: an exclusive ``flock`` on ``<db>.lock`` held while it runs.

    A second session gets a clear refusal naming the process that holds the store; the lock goes away
    with the process, also when it is killed or its terminal hangs up (the kernel releases an ``flock``
    when its holder ends, wbtui.hangup). The file names the holder's process id while a session runs and
    is emptied when it ends normally; a process id still in it at the next start belongs to a session that
    ended without cleaning up (killed, crashed, hung up): the lock is taken over and
    :attr:`taken_over_from` says from whom, so the new session can tell the user."""

    def __init__(self, db: Path) -> None:
        self.path = Path(f"{db}.lock")
        self._fd: int | None = None
        self.taken_over_from: int | None = None

    def acquire(self) -> SessionLock:
        import os

        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX: SQLite's own locking remains
            return self
        paths.private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise StoreError("err.store_in_use", path=str(self.path.with_suffix("")), pid=holder) from None
        previous = os.read(fd, 64).decode("ascii", "replace").strip()
        if previous.isdigit() and int(previous) != os.getpid():
            self.taken_over_from = int(previous)  # its holder ended without releasing it: a stale lock
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd
        return self

    def release(self) -> None:
        import os

        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)  # ended normally: nothing for the next session to take over
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SessionLock:
        return self.acquire()

    def __exit__(self, *_exc) -> None:
        self.release()
