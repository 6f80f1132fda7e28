"""Sync figures against the real server over HTTP on loopback.

Usage:  python bench/bench_sync.py [--db postgresql|sqlite] [--cases 2000] [--clients 16] [--requests 25]
                                  [--churn 3] [--compaction-only]

Prints push throughput (field operations per second), the initial sync of all cases into a
second device, incremental pull latency, and many concurrent clients with p50/p95/p99 and
the error count. Baseline in the same run: a bare GET /health round trip.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def pct(samples: list[float], p: float) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * p))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=25)
    ap.add_argument("--churn", type=int, default=3, help="edit rounds on every open case before compaction")
    ap.add_argument(
        "--compaction-only",
        action="store_true",
        help="after the upload go straight to the compaction phase and time only the compaction (large --cases)",
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-syncbench-"))
    os.environ.update(WBTUI_DATA_DIR=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"))

    import httpx

    from conftest import JC_CONFIG, TODAY
    from server_helpers import pg_database, provision
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services, demo
    from wbtui.sync.client import SyncClient, enable

    def run(url: str, engine) -> None:
        tokens = provision(engine)
        from wbtui.server.admin import open_upload_window

        # the demo store holds both offices' work (a shared store): its first upload goes through an
        # upload window the administrator opens, so the whole store is measured (README, first upload)
        open_upload_window(engine, "ifk.ida", 168)
        cfg = tmp / "jc.toml"
        cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
        health = []
        with httpx.Client() as probe:
            for _ in range(50):
                t0 = time.perf_counter()
                probe.get(f"{url}/health")
                health.append(time.perf_counter() - t0)
        print(f"baseline GET /health round trip           median {statistics.median(health) * 1000:7.2f} ms")

        # device 1: a store with demo cases, uploaded as its first sync
        store = open_store(tmp / "one.db")
        Services(store, load(cfg), today=TODAY).actor  # noqa: B018
        con = store.raw(readonly=False)
        demo.generate(con, args.cases, seed=3, today=TODAY, home_login="ifk.ida")
        con.close()
        enable(store)
        con = store.raw()
        ops = sum(
            len(__import__("json").loads(p)) if op == "set" else 1
            for op, p in con.execute("SELECT op, payload FROM outbox")
        )
        changes = con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        con.close()
        client = SyncClient(store, url, tokens["ifk.ida"], timeout=300)
        t0 = time.perf_counter()
        summary = client.sync()
        push_s = time.perf_counter() - t0
        client.close()
        assert summary.rejected == 0, summary.reasons[:3]
        print(
            f"push: {changes} changes / {ops} field ops in {push_s:6.1f} s = {ops / push_s:8.0f} field ops/s ({args.cases} cases)"
        )
        if args.compaction_only:
            compaction_phase(url, engine, store, tokens)
            store.close()
            return

        # device 2 of the same office: initial pull of everything
        from server_helpers import PEPPER
        from wbtui.server.admin import add_user, issue_token

        add_user(engine, "ifk.two", "Jobcenter Musterstadt", "jc_ifk")
        token2 = issue_token(engine, PEPPER, "ifk.two", ["read", "push"], 30)[1]
        store2 = open_store(tmp / "two.db")
        enable(store2)
        client2 = SyncClient(store2, url, token2, timeout=300)
        t0 = time.perf_counter()
        pulled = client2.sync().pulled
        pull_s = time.perf_counter() - t0
        con = store2.raw()
        got = con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0]
        con.close()
        print(
            f"initial sync of {got} cases into a new device: {pull_s:6.1f} s ({pulled} feed entries, {pulled / pull_s:8.0f}/s)"
        )

        # incremental pull with nothing to do
        inc = []
        for _ in range(20):
            t0 = time.perf_counter()
            client2.sync()
            inc.append(time.perf_counter() - t0)
        client2.close()
        print(
            f"incremental sync, nothing to do (hello+push+pull)  median {statistics.median(inc) * 1000:7.1f} ms  p95 {pct(inc, 0.95) * 1000:7.1f} ms"
        )

        # many concurrent clients: each pulls incrementally and pushes one field change per request
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        case_rows = store.raw().execute("SELECT id FROM fbw_case LIMIT ?", (args.clients,)).fetchall()

        def worker(i: int) -> None:
            http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['ifk.ida']}"}, timeout=60)
            cursor = None
            case_id = case_rows[i % len(case_rows)][0]
            while True:  # catch up first (not timed): the steady state is what users feel all day
                page = http.get(
                    "/sync/v1/pull", params={"cursor": cursor, "limit": 1000} if cursor else {"limit": 1000}
                ).json()
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            ready.wait()
            for n in range(args.requests):
                import uuid

                body = {
                    "device_id": f"bench{i}",
                    "batch_id": uuid.uuid4().hex,
                    "schema_version": 1,
                    "changes": [
                        {
                            "change_id": uuid.uuid4().hex,
                            "entity": "case",
                            "row_id": case_id,
                            "case_id": case_id,
                            "op": "set",
                            "hlc": f"{int(time.time() * 1000):016d}-{n:04x}-bench{i}",
                            "fields": {"max_commute_km": {"v": n, "base": None}},
                        }
                    ],
                }
                for request in ("push", "pull"):
                    t0 = time.perf_counter()
                    try:
                        if request == "push":
                            r = http.post("/sync/v1/push", json=body)
                        else:
                            r = http.get(
                                "/sync/v1/pull", params={"cursor": cursor, "limit": 500} if cursor else {"limit": 500}
                            )
                            if r.status_code == 200:
                                cursor = r.json()["cursor"]
                        ok = r.status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        errors[0] += 0 if ok else 1
            http.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
        ready = threading.Barrier(args.clients + 1)
        for th in threads:
            th.start()
        ready.wait()
        t0 = time.perf_counter()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        print(
            f"{args.clients} concurrent clients, caught up, x {args.requests} (push 1 change + incremental pull): {len(latencies)} requests in {wall:5.1f} s,"
            f" p50 {pct(latencies, 0.5) * 1000:6.1f} ms  p95 {pct(latencies, 0.95) * 1000:6.1f} ms  p99 {pct(latencies, 0.99) * 1000:6.1f} ms,"
            f" errors {errors[0]}"
        )
        compaction_phase(url, engine, store, tokens)
        store.close()
        store2.close()

    def compaction_phase(url: str, engine, store, tokens) -> None:
        """A working month of edits on every case, then `server compact`: feed size and a new device's first sync."""
        from datetime import datetime, timedelta

        from sqlalchemy import text

        from wbtui.server.compaction import compact

        services = Services(store, load(tmp / "jc.toml"), today=TODAY)
        ids = [
            __import__("uuid").UUID(r[0])
            for r in store.raw().execute("SELECT id FROM fbw_case WHERE stage != 'closed'")
        ]
        for round_ in range(args.churn):
            for case_id in ids:
                services.update_fields(case_id, {"max_commute_km": str(20 + round_), "availability": f"Runde {round_}"})
        t0 = time.perf_counter()
        client = SyncClient(store, url, tokens["ifk.ida"], timeout=300)
        client.sync()
        client.close()
        print(
            f"{args.churn} edit rounds on {len(ids)} open cases written and pushed in {time.perf_counter() - t0:6.1f} s"
        )

        def first_sync(name: str) -> tuple[float, int]:
            fresh = open_store(tmp / f"{name}.db")
            enable(fresh)
            c = SyncClient(fresh, url, tokens["ifk.ida"], timeout=300)
            t0 = time.perf_counter()
            n = c.sync().pulled
            c.close()
            fresh.close()
            return time.perf_counter() - t0, n

        with engine.connect() as conn:
            before = conn.execute(text("SELECT COUNT(*) FROM srv_feed")).scalar()
        if not args.compaction_only:
            slow, n_before = first_sync("before")
        t0 = time.perf_counter()
        results = compact(engine, keep_days=0, now=datetime.now(UTC) + timedelta(seconds=2))
        compact_s = time.perf_counter() - t0
        with engine.connect() as conn:
            after = conn.execute(text("SELECT COUNT(*) FROM srv_feed")).scalar()
        print(
            f"compaction after {args.churn} edit rounds on {len(ids)} open cases: feed {before} -> {after} entries"
            f" ({sum(r.removed for r in results)} removed, {sum(r.rewritten for r in results)} merged) in {compact_s:5.1f} s"
        )
        if not args.compaction_only:
            fast, n_after = first_sync("after")
            print(
                f"new device first sync: before compaction {slow:6.1f} s ({n_before} entries), after {fast:6.1f} s ({n_after} entries)"
            )

    print(f"server database: {args.db} (server in its own process: `wbtui serve`)")

    def serve(dburl: str) -> None:
        from server_helpers import serve_process
        from wbtui.server.store import init_schema, make_engine

        engine = make_engine(dburl)
        init_schema(engine)
        try:
            with serve_process(dburl) as url:
                run(url, engine)
        finally:
            engine.dispose()

    if args.db == "postgresql":
        with pg_database() as dburl:
            serve(dburl)
    else:
        serve(f"sqlite:///{tmp / 'server.db'}")


if __name__ == "__main__":
    main()
