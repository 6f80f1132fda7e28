"""Server database: engine for PostgreSQL or SQLite, schema set-up, scrubbing after an erasure.

Both engines run with ``hide_parameters``: an error message (and so a log line) never carries the bound
values — names, addresses, notes (README "Server hygiene"). An SQLite server's files are 0600 in a 0700
directory and written with ``secure_delete``, so erased content is zeroed in the pages; :func:`scrub`
then moves those pages out of the WAL and truncates it.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from wbtui import paths
from wbtui.server.models import ServerModel

# PostgreSQL connections per worker process: 6 kept, 4 more at a peak. Several workers share the
# cluster's max_connections (100 by default): 4 workers use at most 40. A worker is one Python
# process, so more connections than this only queue in the database instead of in the worker.
# No ping before a checkout (a round trip per request): every request's first statement reads its token,
# and one that finds its connection dropped runs again on a fresh one (server.deps.authorized).
POOL_SIZE = 6
POOL_OVERFLOW = 4
# Threads a worker runs requests in (server.app): one connection each, two to spare for the rare request
# that opens a second (a pull settling a lapsed consent), so no thread ever waits for the pool.
REQUEST_THREADS = POOL_SIZE + POOL_OVERFLOW - 2


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None: in memory)."""
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def make_engine(url: str):
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True)


def _sqlite_engine(url: str):
    path = sqlite_path(url)
    if path is not None:
        # created private, not tightened afterwards: the database, its -wal and -shm, in a 0700 directory
        paths.restrict_umask()
        paths.private_dir(path.parent)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_con, _record):
        dbapi_con.isolation_level = None
        dbapi_con.execute("PRAGMA journal_mode=WAL")
        dbapi_con.execute("PRAGMA synchronous=FULL")
        dbapi_con.execute("PRAGMA foreign_keys=ON")
        dbapi_con.execute("PRAGMA busy_timeout=30000")
        dbapi_con.execute("PRAGMA secure_delete=ON")  # deleted and overwritten content is zeroed, not left
        if path is not None:
            paths.private_file(path)  # a file from an older version (0644) is tightened

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # writers serialise: feed order is commit order on SQLite
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def scrub(engine, *, attempts: int = 5) -> bool:
    """After a commit that erased content (a purge, a compaction): nothing of it stays in the files.

    SQLite: ``secure_delete`` has zeroed the freed cells, but the WAL still holds the earlier page images;
    a TRUNCATE checkpoint writes the current pages into the database and cuts the WAL to zero bytes (it
    waits for readers through the busy timeout). PostgreSQL keeps no WAL of its own to cut here: the rows
    are deleted in the transaction itself. Returns False if the checkpoint stayed busy."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        for attempt in range(attempts):
            busy = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                return True
            time.sleep(0.05 * (attempt + 1))
        return False
    finally:
        raw.close()


def scrub_after_purge(engine, batch) -> None:
    """The post-commit hook of a push (service.SyncServer.push): scrub if the push erased a case."""
    if any(item.get("kind") == "purge" for item in batch.out["audit"]):
        scrub(engine)


def init_schema(engine) -> None:
    from sqlalchemy import inspect

    ServerModel.metadata.create_all(engine)  # a table new in this version (srv_upload_window) is created here
    # additive upgrades of tables that existed before a column was added (create_all never alters)
    inspector = inspect(engine)
    stamp = "TIMESTAMP" + (" WITH TIME ZONE" if engine.dialect.name == "postgresql" else "")
    boolean = "BOOLEAN NOT NULL DEFAULT FALSE" if engine.dialect.name == "postgresql" else "BOOLEAN NOT NULL DEFAULT 0"
    additions = {
        "srv_feed": {"created_at": stamp},
        "srv_row_case": {"org_id": "VARCHAR", "art9": boolean},
        "srv_grant": {"groups": "VARCHAR NOT NULL DEFAULT ''", "lapses_on": "VARCHAR"},
        "srv_user": {"team": "VARCHAR"},
    }
    for table, wanted in additions.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        for column, ddl in wanted.items():
            if column not in present:
                with engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
    with engine.begin() as conn:
        # lookups by reference (a person's cases and consents, a Kundennummer) without a table scan
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_field_ref ON srv_field (entity, field, value)"
                          " WHERE field IN ('person_id', 'kundennummer')"))  # fmt: skip
        # a snapshot page reads the conflict entries of its cases (server.snapshot); they are few
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_feed_conflict ON srv_feed (org_id, case_id)"
                          " WHERE kind = 'conflict'"))  # fmt: skip
        # referral grants from before coverage was kept: the minimum every referral carries
        conn.execute(text("UPDATE srv_grant SET groups = 'einwilligung,stammdaten,weiterbildung'"
                          " WHERE access = 'referral' AND (groups IS NULL OR groups = '')"))  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # stamp each feed row with its transaction id; pulls read only below the oldest running one
            conn.execute(
                text("ALTER TABLE srv_feed ALTER COLUMN tx_id SET DEFAULT (pg_current_xact_id()::text::bigint)")
            )
