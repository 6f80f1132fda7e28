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
    inspector = inspect(engine)
    stamp = "TIMESTAMP" + (" WITH TIME ZONE" if engine.dialect.name == "postgresql" else "")
    boolean = "BOOLEAN NOT NULL DEFAULT FALSE" if engine.dialect.name == "postgresql" else "BOOLEAN NOT NULL DEFAULT 0"
    additions = {
        "srv_feed": {"created_at": stamp},
        "srv_row_case": {"org_id": "VARCHAR", "art9": boolean},
        "srv_grant": {"groups": "VARCHAR NOT NULL DEFAULT ''"},
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
        # referral grants from before coverage was kept: the minimum every referral carries
        conn.execute(text("UPDATE srv_grant SET groups = 'einwilligung,stammdaten,weiterbildung'"
                          " WHERE access = 'referral' AND (groups IS NULL OR groups = '')"))  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            # stamp each feed row with its transaction id; pulls read only below the oldest running one
            conn.execute(
                text("ALTER TABLE srv_feed ALTER COLUMN tx_id SET DEFAULT (pg_current_xact_id()::text::bigint)")
            )
