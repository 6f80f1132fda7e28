"""First upload, push throughput and a new device's initial sync at office scale (issue 16), PostgreSQL.

Usage:  python bench/bench_bootstrap.py [--cases 10000,100000] [--replay-up-to 10000] [--workers 2]
                                        [--save-db PREFIX | --from-db PREFIX]

For each store size (a cached demo store, see bench/demo_cache.py; the first run generates it and says how
long that took), against `wbtui serve` in its own process:
1. first upload when sync is switched on for an existing store: queueing (enable), the push of every row
   with every server check (field operations per second), and the pull that follows (the store's own
   snapshot, nothing to write);
2. a new device of the same office: initial sync through the snapshot bootstrap; up to --replay-up-to
   cases also the same device replaying the whole feed (what a new device did before), for the ratio.
--save-db PREFIX keeps the server's database after the first upload as PREFIX_<cases> (a PostgreSQL
template); --from-db PREFIX starts from a copy of it and measures only the new device: an A/B of the
snapshot without a first upload (minutes at 10,000 cases) per run. Run it with another tree's Python to
measure that tree's device and server against the same data.
Baseline in the same run: GET /health round trip (median of 50). The machine is shared, so next to each
wall time the CPU seconds it took are printed: this process (the device), the server's processes and the
run's PostgreSQL backends (read from /proc) — figures that do not depend on what else the machine runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def cpu_seconds(*needles: str) -> float:
    """CPU seconds (user + system) of the running processes whose command line holds one of ``needles``,
    and of their children (the server's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        procs[int(entry)] = (int(fields[1]), cmd, (int(fields[11]) + int(fields[12])) / tick)
    chosen = {pid for pid, (_pp, cmd, _c) in procs.items() if any(n in cmd for n in needles)}
    chosen |= {pid for pid, (ppid, _cmd, _c) in procs.items() if ppid in chosen}
    return sum(procs[pid][2] for pid in chosen)


class Cpu:
    """CPU seconds of the device (this process), the server and its database between two points."""

    def __init__(self, port: str, database: str) -> None:
        self.needles = (f"--port {port}", f" {database} ")
        self.t0, self.c0, self.s0 = time.perf_counter(), time.process_time(), cpu_seconds(*self.needles)

    def text(self) -> str:
        device, server = time.process_time() - self.c0, cpu_seconds(*self.needles) - self.s0
        return f"CPU: device {device:.1f} s, server + PostgreSQL {server:.1f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="10000,100000")
    ap.add_argument("--replay-up-to", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--save-db", help="keep the server's database after the first upload as PREFIX_<cases>")
    ap.add_argument("--from-db", help="start from PREFIX_<cases> (see --save-db); only the new device is measured")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-bootbench-"))
    os.environ.update(WBTUI_DATA_DIR=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"))

    import httpx

    from demo_cache import demo_store
    from server_helpers import PEPPER, pg_database, provision, serve_process, wait_healthy
    from wbtui.data.store import open_store
    from wbtui.server.admin import add_user, issue_token
    from wbtui.server.store import init_schema, make_engine
    from wbtui.sync.client import Summary, SyncClient, enable

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; server: PostgreSQL,"
          f" `wbtui serve --workers {args.workers}`")  # fmt: skip
    for n in [int(c) for c in args.cases.split(",")]:
        with pg_database() as db_url:
            engine = make_engine(db_url)
            if args.from_db:
                engine.dispose()
                copy_database(f"{args.from_db}_{n}", db_url.rsplit("/", 1)[1])
                engine = make_engine(db_url)
            else:
                init_schema(engine)
                tokens = provision(engine)
                from wbtui.server.admin import open_upload_window

                # the demo store holds both offices' work (a shared store): its first upload goes through an
                # upload window the administrator opens, so the whole store is measured (README, first upload)
                open_upload_window(engine, "ifk.ida", 168)
                add_user(engine, "ifk.two", "Jobcenter Musterstadt", "jc_ifk")
            second = issue_token(engine, PEPPER, "ifk.two", ["read", "push"], 30)[1]
            with serve_process(db_url, "--workers", str(args.workers)) as url:
                assert wait_healthy(url, 300), "server did not start"
                with httpx.Client(base_url=url) as http:
                    health = []
                    for _ in range(50):
                        t0 = time.perf_counter()
                        http.get("/health")
                        health.append(time.perf_counter() - t0)
                base = statistics.median(health)
                print(f"\n{n} cases — baseline GET /health median {base * 1000:.2f} ms")
                if args.from_db:
                    snapshot_only(n, url, second, tmp, base, db_url.rsplit("/", 1)[1])
                    continue

                path = demo_store(n, tmp / f"dev-{n}")
                store = open_store(path)
                port, database = url.rsplit(":", 1)[1], db_url.rsplit("/", 1)[1]
                cpu = Cpu(port, database)
                t0 = time.perf_counter()
                queued = enable(store)
                enable_s = time.perf_counter() - t0
                enable_cpu = cpu.text()
                con = store.raw()
                changes = con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
                ops = sum(
                    len(json.loads(p)) if op == "set" else 1 for op, p in con.execute("SELECT op, payload FROM outbox")
                )
                con.close()
                client = SyncClient(store, url, tokens["ifk.ida"], timeout=900)
                summary = Summary()
                cpu = Cpu(port, database)
                t0 = time.perf_counter()
                client._guard(lambda c=client, s=summary: (c._hello(), c._push(s, None)))
                push_s = time.perf_counter() - t0
                push_cpu = cpu.text()
                t0 = time.perf_counter()
                client._guard(lambda c=client, s=summary: c._pull(s, None))
                pull_s = time.perf_counter() - t0
                client.close()
                store.close()
                total = enable_s + push_s + pull_s
                print(f"1. first upload: {queued} rows queued in {enable_s:6.1f} s; push {changes} changes / {ops} field ops"
                      f" in {push_s:6.1f} s = {ops / push_s:7.0f} field ops/s (rejected {summary.rejected});"
                      f" pull-back {pull_s:5.1f} s; total {total:6.1f} s; load {os.getloadavg()[0]:.1f}\n"
                      f"   queueing {enable_cpu}; push {push_cpu}")  # fmt: skip

                def new_device(name: str, snapshot: bool, url=url, n=n, second=second) -> tuple[float, int]:
                    fresh = open_store(tmp / f"{name}-{n}.db")
                    enable(fresh)
                    c = SyncClient(fresh, url, second, timeout=900, snapshot=snapshot)
                    t0 = time.perf_counter()
                    c.sync()
                    seconds = time.perf_counter() - t0
                    c.close()
                    con = fresh.raw()
                    got = con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0]
                    con.close()
                    fresh.close()
                    return seconds, got

                cpu = Cpu(port, database)
                snap_s, got = new_device("snap", True)
                print(f"2. new device, snapshot bootstrap: {got} cases in {snap_s:6.1f} s"
                      f" = {snap_s / base:,.0f} x /health; {cpu.text()}; load {os.getloadavg()[0]:.1f}")  # fmt: skip
                if n <= args.replay_up_to:
                    replay_s, got2 = new_device("replay", False)
                    print(f"   the same device replaying the whole feed: {got2} cases in {replay_s:6.1f} s"
                          f" (snapshot {replay_s / snap_s:4.1f}x faster)")  # fmt: skip
            engine.dispose()
            if args.save_db:
                copy_database(db_url.rsplit("/", 1)[1], f"{args.save_db}_{n}")


def copy_database(source: str, target: str) -> None:
    """``target`` made anew as a copy of ``source`` (no session may be connected to ``source``)."""
    import psycopg

    from server_helpers import PG_ADMIN

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        if target.startswith("wbtui_test_"):  # the run's own database, made empty by pg_database
            con.execute(f'DROP DATABASE "{target}" WITH (FORCE)')
        else:
            con.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def snapshot_only(n: int, url: str, token: str, tmp: Path, base: float, database: str) -> None:
    """A new device's bootstrap against a server that holds the data already (--from-db)."""
    from wbtui.data.store import open_store
    from wbtui.sync.client import SyncClient, enable

    port = url.rsplit(":", 1)[1]
    fresh = open_store(tmp / f"snap-{n}.db")
    enable(fresh)
    c = SyncClient(fresh, url, token, timeout=900, snapshot=True)
    cpu = Cpu(port, database)
    t0 = time.perf_counter()
    c.sync()
    seconds = time.perf_counter() - t0
    c.close()
    con = fresh.raw()
    got = con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0]
    con.close()
    fresh.close()
    print(f"2. new device, snapshot bootstrap: {got} cases in {seconds:6.1f} s = {seconds / base:,.0f} x /health;"
          f" {cpu.text()}; load {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
