"""One statement on a sqlite3 connection or a SQLAlchemy connection alike (the store, the audit trail
and the read queries use both)."""

from __future__ import annotations


def execute(conn, sql: str, params: tuple = ()):
    """Run SQL on a sqlite3 connection or a SQLAlchemy connection alike (audit and access use both)."""
    if hasattr(conn, "exec_driver_sql"):
        return conn.exec_driver_sql(sql, params)
    return conn.execute(sql, params)
