"""Versioned schema migrations: ``NNNN_name.sql``, applied in order, never edited."""

from __future__ import annotations

from importlib import resources


def available() -> list[tuple[int, str, str]]:
    """All migrations as ``(version, name, sql)``, ordered by version."""
    out = []
    for entry in resources.files(__name__).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers keep their inner ';')."""
    import sqlite3

    out: list[str] = []
    buf: list[str] = []
    for line in sql.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf.append(line)
        text = "\n".join(buf)
        if sqlite3.complete_statement(text):
            out.append(text.strip())
            buf = []
    if buf and "\n".join(buf).strip():
        out.append("\n".join(buf).strip())
    return out
