"""Store size of the demo data (issue #16, goal: at most 400 MB at 100,000 cases), next to its baseline from
the same run: the same data with the timeline in the layout before migration 0013 (one text row per event
with its two indexes), rebuilt from the store just generated. Both are measured compacted (VACUUM INTO),
so free pages count for neither; the size as generated is printed too. Per table and index in MB.

Optionally (--old-store) the migration of a store written by an earlier release (e.g. a cached demo store of
bench/demo_cache.py): its duration (wall and CPU), and the size before and after, compacted, per table.

--what-if STORE measures what the levers left would give, on compacted copies (nothing of it is the store's
layout): every 32-hex id column as 16 bytes, the handover packages packed (migration 0021 does it now; for a
store of an earlier release), and for a synced store (sync switched on: every field's clock queued) the field clocks and the outbox, and
the clocks kept once per row (a field's own clock only where it differs).

Usage:  python bench/bench_store.py [--cases [100000 10000]] [--store-dir DIR] [--old-store PATH] [--what-if PATH]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OLD_TIMELINE = """
CREATE TABLE case_event (
    id CHAR(32) NOT NULL, case_id CHAR(32) NOT NULL, at DATETIME NOT NULL, type VARCHAR NOT NULL,
    from_stage VARCHAR, to_stage VARCHAR, actor VARCHAR, org_id CHAR(32), payload JSON NOT NULL,
    PRIMARY KEY (id));
INSERT INTO case_event SELECT id, case_id, at, type, from_stage, to_stage, actor, org_id, payload
    FROM event_copy ORDER BY seq;
CREATE INDEX ix_event_case_at ON case_event (case_id, at);
DROP TABLE event_copy;
"""


def per_table(path: Path) -> dict[str, float]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    finally:
        con.close()
    return {name: size / 1e6 for name, size in rows}


def old_layout(store: Path, out: Path) -> None:
    """The same data with the timeline stored as before 0013 (the baseline), compacted."""
    plain = out.with_suffix(".plain.db")
    for path in (out, plain):
        path.unlink(missing_ok=True)
    con = sqlite3.connect(store)
    con.execute("VACUUM INTO ?", (str(plain),))
    con.close()
    con = sqlite3.connect(plain, isolation_level=None)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("CREATE TABLE event_copy AS SELECT rowid AS seq, * FROM case_event")
    con.execute("DROP TRIGGER IF EXISTS fbw_case_keeps_timeline")
    con.execute("DROP VIEW case_event")
    for table in ("event_log", "timeline_ref", "timeline_word", "timeline_seq"):
        con.execute(f"DROP TABLE {table}")
    con.executescript(OLD_TIMELINE)
    con.execute("VACUUM INTO ?", (str(out),))
    con.close()
    plain.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, nargs="*", default=[100_000, 10_000])
    ap.add_argument("--store-dir", type=Path, default=Path(tempfile.gettempdir()) / "wbtui-bench")
    ap.add_argument("--old-store", type=Path, default=None, help="a store of an earlier release, copied and migrated")
    ap.add_argument("--what-if", type=Path, default=None, help="a store: the size with the levers left")
    args = ap.parse_args()
    workdir = args.store_dir
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(workdir / "config"),
        WBTUI_DATA_DIR=str(workdir / "data"),
        WBTUI_KEY_DIR=str(workdir / "keys"),
        WBTUI_LOG_DIR=str(workdir / "logs"),
    )
    wbtui = [sys.executable, "-m", "wbtui"]
    for cases in args.cases:
        store = workdir / f"size-{cases}.db"
        if not store.exists():
            began = time.perf_counter()
            subprocess.run(wbtui + ["--db", str(store), "demo", "--cases", str(cases), "-q"], env=env, check=True)
            print(f"\n{cases} demo cases generated in {time.perf_counter() - began:.1f} s")
        generated = store.stat().st_size / 1e6
        ours, baseline = workdir / f"size-{cases}.vacuumed.db", workdir / f"size-{cases}.old-layout.db"
        ours.unlink(missing_ok=True)
        con = sqlite3.connect(store)
        con.execute("VACUUM INTO ?", (str(ours),))
        con.close()
        old_layout(store, baseline)
        o, b = ours.stat().st_size / 1e6, baseline.stat().st_size / 1e6
        print(
            f"{cases} cases: as generated {generated:.0f} MB; compacted {o:.0f} MB vs the old timeline layout {b:.0f} MB"
            f" = {o / b:.2f}x   ({o * 1e3 / cases:.1f} KB per case; goal at 100,000 cases <= 400 MB)"
        )
        mine, theirs = per_table(ours), per_table(baseline)
        print(f"  {'table or index':<36} {'now MB':>8} {'old layout MB':>14}")
        for name in sorted(set(mine) | set(theirs), key=lambda n: -max(mine.get(n, 0), theirs.get(n, 0)))[:16]:
            print(f"  {name:<36} {mine.get(name, 0):8.1f} {theirs.get(name, 0):14.1f}")
        ours.unlink()
        baseline.unlink()
    if args.old_store:
        migrate_old(args.old_store, workdir, wbtui, env)
    if args.what_if:
        what_if(args.what_if, workdir)


def compacted(store: Path, out: Path) -> tuple[float, dict[str, float]]:
    out.unlink(missing_ok=True)
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    con.execute("VACUUM INTO ?", (str(out),))
    con.close()
    size, tables = out.stat().st_size / 1e6, per_table(out)
    out.unlink()
    return size, tables


def migrate_old(old: Path, workdir: Path, wbtui: list[str], env: dict) -> None:
    """A store written by an earlier release, copied and migrated: the migration's time (wall and CPU of the
    process), the file before and after, and both compacted, per table and index."""
    import resource

    copy = workdir / "migrate-old.db"
    shutil.copyfile(old, copy)
    before = copy.stat().st_size / 1e6
    old_size, old_tables = compacted(copy, workdir / "migrate-old.vacuumed.db")
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(wbtui + ["--db", str(copy), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    took = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    print(
        f"\nmigrating {old}: {before:.0f} MB -> {copy.stat().st_size / 1e6:.0f} MB in {took:.1f} s wall, {used:.1f} s CPU"
    )
    new_size, new_tables = compacted(copy, workdir / "migrate-new.vacuumed.db")
    print(f"  compacted: {old_size:.1f} MB before, {new_size:.1f} MB after = {new_size / old_size:.2f}x")
    print(f"  {'table or index':<36} {'before MB':>10} {'after MB':>9}")
    for name in sorted(
        set(old_tables) | set(new_tables), key=lambda n: -max(old_tables.get(n, 0), new_tables.get(n, 0))
    )[:20]:
        print(f"  {name:<36} {old_tables.get(name, 0):10.2f} {new_tables.get(name, 0):9.2f}")
    copy.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)


HEX32 = re.compile(r"[0-9a-f]{32}")


def _binary_ids(path: Path) -> list[str]:
    """Every column whose values are all 32-hex ids rewritten as their 16 bytes (triggers dropped first)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.create_function("unhex32", 1, lambda v: bytes.fromhex(v) if isinstance(v, str) and HEX32.fullmatch(v) else v)
    con.execute("PRAGMA foreign_keys=OFF")
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    done = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"):
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        ids = []
        for col in cols:
            n, hexed = con.execute(
                f'SELECT count("{col}"), sum(length("{col}") = 32 AND "{col}" NOT GLOB \'*[^0-9a-f]*\') FROM {table}'
            ).fetchone()
            if n and hexed == n and col not in ("at", "hlc"):
                ids.append(col)
        if ids:
            con.execute(f"UPDATE {table} SET " + ", ".join(f'"{c}" = unhex32("{c}")' for c in ids))
            done += [f"{table}.{c}" for c in ids]
    con.close()
    return done


def _packed_packages(path: Path) -> None:
    """The handover packages packed as migration 0021 packs them (data/package.py), where still JSON text
    (a store of an earlier release); a store of this release holds them packed already."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from wbtui.data.package import register

    con = sqlite3.connect(path, isolation_level=None)
    register(con)
    con.execute("UPDATE handover SET package = wbtui_pack(package) WHERE typeof(package) = 'text'")
    con.close()


def _row_clocks(path: Path) -> tuple[int, int]:
    """field_clock kept once per row, a field's own clock only where it differs from the row's most common."""
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(
        """
        CREATE TABLE row_clock (entity VARCHAR NOT NULL, row_id VARCHAR NOT NULL, hlc VARCHAR NOT NULL,
            PRIMARY KEY (entity, row_id)) WITHOUT ROWID;
        INSERT INTO row_clock SELECT entity, row_id, max(hlc) FROM field_clock GROUP BY entity, row_id;
        DELETE FROM field_clock WHERE hlc = (SELECT r.hlc FROM row_clock r
            WHERE r.entity = field_clock.entity AND r.row_id = field_clock.row_id);
        """
    )
    counts = con.execute("SELECT (SELECT count(*) FROM row_clock), (SELECT count(*) FROM field_clock)").fetchone()
    con.close()
    return counts


def what_if(store: Path, workdir: Path) -> None:
    work = workdir / "what-if.db"
    size, tables = compacted(store, work)
    print(f"\nwhat if ({store}): compacted now {size:.1f} MB")
    shutil.copyfile(store, work)
    ids = _binary_ids(work)
    size_ids, _ = compacted(work, workdir / "what-if.v.db")
    print(f"  ids as 16 bytes ({len(ids)} columns, every index on them too): {size_ids:.1f} MB")
    _packed_packages(work)
    size_both, after = compacted(work, workdir / "what-if.v.db")
    print(
        f"  and handover packages packed: {size_both:.1f} MB (handover {tables.get('handover', 0):.1f} -> {after.get('handover', 0):.1f} MB)"
    )
    work.unlink()
    shutil.copyfile(store, work)
    began = time.process_time()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from wbtui.data.store import Store
    from wbtui.sync.upload import enable

    synced = Store(work)
    queued = enable(synced)
    synced.close()
    size_synced, tables = compacted(work, workdir / "what-if.v.db")
    clocks = tables.get("field_clock", 0)
    print(
        f"  synced (sync switched on, {queued} changes queued in {time.process_time() - began:.1f} s CPU): {size_synced:.1f} MB,"
        f" of it field_clock {clocks:.1f} MB and outbox {tables.get('outbox', 0) + tables.get('sqlite_autoindex_outbox_1', 0):.1f} MB"
    )
    rows, kept = _row_clocks(work)
    _, tables = compacted(work, workdir / "what-if.v.db")
    print(
        f"  clocks once per row: row_clock {tables.get('row_clock', 0):.1f} MB ({rows} rows) + field_clock"
        f" {tables.get('field_clock', 0):.1f} MB ({kept} own clocks) instead of {clocks:.1f} MB"
    )
    work.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
