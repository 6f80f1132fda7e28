"""Where a first upload's push spends its time, in process (no HTTP): cProfile of the server's push.

Usage:  python bench/profile_push.py [--cases 1000] [--db postgresql|sqlite] [--top 30] [--sort tottime]

Generates an N-case demo store, switches sync on (the upload queued in the outbox), then hands the
outbox to ``SyncServer.push`` in the client's batch sizes under cProfile. Prints field operations per
second of the push alone (CPU of this process, and with the PostgreSQL backends' CPU read from /proc) and
the top entries of the profile (issue 16, push throughput).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--batch", type=int, default=4500)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-gc", action="store_true", help="cyclic GC off during the pushes (what it costs)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-profpush-"))
    os.environ.update(WBTUI_DATA_DIR=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"), WBTUI_KEY_DIR=str(tmp / "keys"))

    from common import JC_CONFIG, TODAY
    from server_helpers import pg_database, provision
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.server.auth import authenticate
    from wbtui.server.service import SyncServer
    from wbtui.server.store import init_schema, make_engine
    from wbtui.services import Services, demo
    from wbtui.sync.client import enable

    cfg = tmp / "jc.toml"
    cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
    store = open_store(tmp / "one.db")
    Services(store, load(cfg), today=TODAY).actor  # noqa: B018
    con = store.raw(readonly=False)
    t0 = time.perf_counter()
    demo.generate(con, args.cases, seed=3, today=TODAY, home_login="ifk.ida")
    con.close()
    print(f"demo store of {args.cases} cases in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    enable(store)
    print(f"enable (queue the upload): {time.perf_counter() - t0:.1f} s")
    con = store.raw()
    rows = con.execute(
        "SELECT change_id, entity, row_id, case_id, op, payload, hlc, tx, origin FROM outbox ORDER BY local_seq"
    ).fetchall()
    con.close()
    changes, ops = [], 0
    for change_id, entity, row_id, case_id, op, payload, hlc, tx, origin in rows:
        body = json.loads(payload)
        change = {"change_id": change_id, "entity": entity, "row_id": row_id, "case_id": case_id, "op": op, "hlc": hlc}
        if tx:
            change["tx"] = tx
        if origin:
            change["origin"] = origin
        if op == "set":
            change["fields"] = body
            ops += len(body)
        elif op == "append":
            change["data"] = body["data"]
            ops += 1
        else:
            change["name"], change["args"] = body["name"], body["args"]
            ops += 1
        changes.append(change)
    batches, current = [], []
    for change in changes:  # never split a local transaction (as the client does)
        if len(current) >= args.batch and change.get("tx") != current[-1].get("tx"):
            batches.append(current)
            current = []
        current.append(change)
    if current:
        batches.append(current)

    def run(engine, database: str | None = None) -> None:
        from sqlmodel import Session

        from bench_bootstrap import cpu_seconds

        tokens = provision(engine)
        from wbtui.server.admin import open_upload_window

        # the demo store holds both offices' work (a shared store): its first upload goes through an
        # upload window the administrator opens, so the whole store is measured (README, first upload)
        open_upload_window(engine, "ifk.ida", 168)
        with Session(engine) as s:
            from server_helpers import PEPPER

            who = authenticate(s, PEPPER, f"Bearer {tokens['ifk.ida']}")
        server = SyncServer(engine)
        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
        import gc

        if args.no_gc:
            gc.disable()
        pg0 = cpu_seconds(f" {database} ") if database else 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        rejected = 0
        for batch in batches:
            if not args.no_profile:
                profiler.enable()
            result = server.push(who, batch)
            if not args.no_profile:
                profiler.disable()
            rejected += sum(1 for r in result["results"] if r["status"] == "rejected")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        pg = cpu_seconds(f" {database} ") - pg0 if database else 0.0
        print(f"push in process ({args.db}): {len(changes)} changes / {ops} field ops in {len(batches)} pushes,"
              f" {seconds:.1f} s = {ops / seconds:,.0f} field ops/s; CPU of this process {cpu:.1f} s = {ops / cpu:,.0f} field ops/CPU-s (rejected {rejected};"
              f" profiler {'off' if args.no_profile else 'on'}); load {os.getloadavg()[0]:.1f}")  # fmt: skip
        if database:
            print(
                f"PostgreSQL backends {pg:.1f} CPU-s; push + PostgreSQL {cpu + pg:.1f} CPU-s = {ops / (cpu + pg):,.0f} field ops per CPU-s"
            )
        if not args.no_profile:
            stats = pstats.Stats(profiler)
            stats.sort_stats(args.sort).print_stats(args.top)

    if args.db == "postgresql":
        with pg_database() as url:
            engine = make_engine(url)
            init_schema(engine)
            try:
                run(engine, url.rsplit("/", 1)[1])
            finally:
                engine.dispose()
    else:
        engine = make_engine(f"sqlite:///{tmp / 'server.db'}")
        init_schema(engine)
        run(engine)


if __name__ == "__main__":
    main()
