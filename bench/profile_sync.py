"""Where a first upload and a new device's snapshot bootstrap spend their time (issue 16), by cProfile.

Usage:  python bench/profile_sync.py [--cases 2000] [--top 30] [--workers 1]

Against `wbtui serve` on PostgreSQL in its own process: the device's side of the first upload (enable,
then the push loop) and of a new device's bootstrap under cProfile (time waiting for the server shows as
socket reads), then the server's side of the snapshot (``snapshot.read_page`` + ``encode_page``) in this
process under cProfile. Wall and CPU seconds are printed with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def profiled(label: str, fn, top: int, sort: str):
    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared, wall time waits for it
    t0, c0 = time.perf_counter(), time.process_time()
    profiler.enable()
    try:
        return fn()
    finally:
        profiler.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"\n=== {label}: wall {wall:.1f} s, CPU of this process {cpu:.1f} s, load {os.getloadavg()[0]:.1f}")
        pstats.Stats(profiler).sort_stats(sort).print_stats(top)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--skip-upload-profile", action="store_true")
    ap.add_argument("--no-gc", action="store_true", help="cyclic GC off in this process (what it costs)")
    args = ap.parse_args()
    if args.no_gc:
        import gc

        gc.disable()
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-profsync-"))
    os.environ.update(WBTUI_DATA_DIR=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"))

    from demo_cache import demo_store
    from server_helpers import PEPPER, pg_database, provision, serve_process, wait_healthy
    from wbtui.data.store import open_store
    from wbtui.server.admin import add_user, issue_token
    from wbtui.server.store import init_schema, make_engine
    from wbtui.sync.client import Summary, SyncClient, enable

    with pg_database() as db_url:
        engine = make_engine(db_url)
        init_schema(engine)
        tokens = provision(engine)
        from wbtui.server.admin import open_upload_window

        # the demo store holds both offices' work (a shared store): its first upload goes through an
        # upload window the administrator opens, so the whole store is measured (README, first upload)
        open_upload_window(engine, "ifk.ida", 168)
        add_user(engine, "ifk.two", "Jobcenter Musterstadt", "jc_ifk")
        second = issue_token(engine, PEPPER, "ifk.two", ["read", "push"], 30)[1]
        with serve_process(db_url, "--workers", str(args.workers)) as url:
            assert wait_healthy(url, 300)
            path = demo_store(args.cases, tmp / "dev")
            store = open_store(path)
            if args.skip_upload_profile:
                enable(store)
                SyncClient(store, url, tokens["ifk.ida"], timeout=900).sync()
            else:
                profiled("1a. enable (queue the first upload)", lambda: enable(store), args.top, args.sort)
                client = SyncClient(store, url, tokens["ifk.ida"], timeout=900)
                summary = Summary()
                client._hello()
                profiled("1b. push of the first upload (device side)", lambda: client._push(summary, None), args.top,
                         args.sort)  # fmt: skip
                client._pull(summary, None)
                client.close()
            store.close()

            fresh = open_store(tmp / "fresh.db")
            enable(fresh)
            c = SyncClient(fresh, url, second, timeout=900)
            profiled("2a. new device, snapshot bootstrap (device side)", c.sync, args.top, args.sort)
            c.close()
            fresh.close()

        from sqlmodel import Session

        from server_helpers import PEPPER as pepper
        from wbtui.server import snapshot
        from wbtui.server.auth import authenticate
        from wbtui.sync import protocol

        with Session(engine) as s:
            who = authenticate(s, pepper, f"Bearer {second}")

        def server_side() -> None:
            after = None
            while True:
                form = protocol.SNAPSHOT_FORM
                cursor, cases, more, office = snapshot.read_page(engine, who.org_id, after, 1000, form)
                body = b"".join(snapshot.encode_page(cursor, cases, more, after, office, form))
                if not more:
                    return
                after = cases[-1][0]
                assert body

        profiled("2b. snapshot pages (server side, in process)", server_side, args.top, args.sort)
        engine.dispose()


if __name__ == "__main__":
    main()
