"""Server database: engine for PostgreSQL or SQLite, schema set-up, the commit-ordered feed."""

from __future__ import annotations

from sqlalchemy import create_engine, event, text

from wbtui.server.models import ServerModel


def make_engine(url: str):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con, _record):
            dbapi_con.isolation_level = None
            dbapi_con.execute("PRAGMA journal_mode=WAL")
            dbapi_con.execute("PRAGMA synchronous=FULL")
            dbapi_con.execute("PRAGMA foreign_keys=ON")
            dbapi_con.execute("PRAGMA busy_timeout=30000")

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # writers serialise: feed order is commit order on SQLite
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def init_schema(engine) -> None:
    from sqlalchemy import inspect

    ServerModel.metadata.create_all(engine)
    # additive upgrades of tables that existed before a column was added (create_all never alters)
    columns = {c["name"] for c in inspect(engine).get_columns("srv_feed")}
    if "created_at" not in columns:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "ALTER TABLE srv_feed ADD COLUMN created_at TIMESTAMP"
                    + (" WITH TIME ZONE" if engine.dialect.name == "postgresql" else "")
                )
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # stamp each feed row with its transaction id; pulls read only below the oldest running one
            conn.execute(
                text("ALTER TABLE srv_feed ALTER COLUMN tx_id SET DEFAULT (pg_current_xact_id()::text::bigint)")
            )


def feed_page(conn, dialect: str, org_id: str, tx: int, seq: int, limit: int) -> list:
    if dialect == "postgresql":
        sql = text(
            "SELECT tx_id, seq, kind, entity, row_id, case_id, payload FROM srv_feed"
            " WHERE org_id = :org AND (tx_id, seq) > (:tx, :seq)"
            " AND tx_id < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
            " ORDER BY tx_id, seq LIMIT :limit"
        )
    else:
        sql = text(
            "SELECT tx_id, seq, kind, entity, row_id, case_id, payload FROM srv_feed"
            " WHERE org_id = :org AND seq > :seq ORDER BY seq LIMIT :limit"
        )
    return conn.execute(sql, {"org": org_id, "tx": tx, "seq": seq, "limit": limit}).fetchall()
