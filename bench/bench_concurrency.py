"""Concurrency figures of the sync server on PostgreSQL, `wbtui serve` in its own processes (issue 12).

Usage:  python bench/bench_concurrency.py [--cases 1000] [--clients 50,200] [--rounds 20] [--workers 4]
                                         [--procs 2] [--think 0]

Prints, each next to a /health baseline measured in the same run:
1. keep-alive GET /health round trips with 1, 2 and --workers worker processes, and with uvicorn's
   default protocol at 2 workers (what ran before TCP_NODELAY was set on every connection);
2. push throughput with every server check (a demo store's first upload, field operations per second);
3. for each number of --clients: every client a device of one Jobcenter with its own case, caught up,
   doing --rounds rounds of "push one change + incremental pull" at once (closed loop; --think adds a
   pause in ms between rounds), against `wbtui serve --workers N`: p50/p95/p99 per request, errors,
   429s, rejected changes, and /health probed during the load.

The clients run as asyncio tasks in --procs processes, so the client side does not set the pace.
Goal (issue 12) at 200 clients: p99 <= 200 ms, 0 errors, 0 x 429.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def pct(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def keepalive_health(url: str, n: int = 200) -> list[float]:
    import httpx

    samples = []
    with httpx.Client(base_url=url) as http:
        for _ in range(20):
            http.get("/health")
        for _ in range(n):
            t0 = time.perf_counter()
            http.get("/health")
            samples.append(time.perf_counter() - t0)
    return samples


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(port: str) -> list[int]:
    """`wbtui serve --port PORT` and its worker processes."""
    parents, procs = [], {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes() + b"\x00"
            status = (entry / "status").read_text().splitlines()
        except OSError:
            continue
        procs[int(entry.name)] = int(next(x for x in status if x.startswith("PPid:")).split()[1])
        if b"serve\x00--port\x00" + port.encode() + b"\x00" in cmdline:
            parents.append(int(entry.name))
    return parents + [pid for pid, ppid in procs.items() if ppid in parents]


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot (/proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


@contextmanager
def default_protocol_server(db_url: str, workers: int):
    """uvicorn as before the fix: its default HTTP protocol, several workers (for the comparison only)."""
    from server_helpers import PEPPER, free_port, wait_healthy

    port = free_port()
    code = (
        "import uvicorn; uvicorn.run('wbtui.server.app:app_from_env', factory=True, host='127.0.0.1',"
        f" port={port}, workers={workers}, log_level='warning', access_log=False)"
    )
    env = dict(os.environ, WBTUI_SERVER_DB=db_url, WBTUI_SERVER_PEPPER=PEPPER.decode())
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(url, 60), "server did not start"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def health_round_trips(db_url: str, workers: int) -> None:
    from server_helpers import serve_process

    print("\n1. keep-alive GET /health, 200 sequential requests on one connection")
    for n in sorted({1, 2, workers}):
        with serve_process(db_url, "--workers", str(n)) as url:
            s = keepalive_health(url)
        print(f"   wbtui serve --workers {n}:        median {ms(statistics.median(s))}  p95 {ms(pct(s, 0.95))}")
    with default_protocol_server(db_url, 2) as url:
        s = keepalive_health(url, 50)
    print(f"   uvicorn default protocol, 2 workers: median {ms(statistics.median(s))}  p95 {ms(pct(s, 0.95))}"
          "  (before: no TCP_NODELAY)")  # fmt: skip


def database_pids(name: str) -> list[int]:
    """The PostgreSQL backends serving database ``name`` (their titles read "postgres: user name …")."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {name} ".encode() in cmdline:
                pids.append(int(entry.name))
    return pids


# -- the load: one process runs many clients as asyncio tasks ---------------------------------------------


async def _client(http, i: int, case_id: str, cursor: str, rounds: int, think: float, start: float) -> list[tuple]:
    import httpx

    out = []
    await asyncio.sleep(max(0.0, start - time.time()))
    for n in range(rounds):
        change = {
            "change_id": uuid.uuid4().hex,
            "entity": "case",
            "row_id": case_id,
            "case_id": case_id,
            "op": "set",
            "hlc": f"{int(time.time() * 1000):016d}-{n:04x}-bench{i}",
            "fields": {"max_commute_km": {"v": n + 1, "base": None}},
        }
        body = {"device_id": f"bench{i}", "batch_id": uuid.uuid4().hex, "schema_version": 2, "changes": [change]}
        for kind in ("push", "pull"):
            t0 = time.perf_counter()
            status, rejected = 0, 0
            try:
                if kind == "push":
                    r = await http.post("/sync/v1/push", json=body)
                    if r.status_code == 200:
                        rejected = sum(1 for x in r.json()["results"] if x["status"] != "applied")
                else:
                    r = await http.get("/sync/v1/pull", params={"cursor": cursor, "limit": 1000})
                    if r.status_code == 200:
                        cursor = r.json()["cursor"]
                status = r.status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            out.append((kind, time.perf_counter() - t0, status, rejected))
        if think:
            await asyncio.sleep(think)
    return out


async def _clients(url: str, token: str, jobs: list[tuple[int, str]], cursor: str, rounds: int, think, start):
    import httpx

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)  # one device, one connection
    clients = [
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits)
        for _ in jobs
    ]
    try:
        for http in clients:  # connect before the start (a device that syncs is already online)
            await http.get("/health")
        results = await asyncio.gather(
            *(_client(http, i, case, cursor, rounds, think, start) for http, (i, case) in zip(clients, jobs))
        )
    finally:
        for http in clients:
            await http.aclose()
    return [sample for result in results for sample in result]


def load_process(url: str, token: str, jobs: list[tuple[int, str]], cursor: str, rounds: int, think, start):
    """The samples of these clients, and this process's CPU seconds for them (the load has a cost too)."""
    cpu = time.process_time()
    samples = asyncio.run(_clients(url, token, jobs, cursor, rounds, think, start))
    return samples, time.process_time() - cpu


def run_load(url, token, cases, cursor, clients, rounds, think, procs) -> tuple[list[tuple], float, list[float], float]:
    """All clients at once (from ``procs`` processes); /health probed meanwhile. Returns samples, wall, probes
    and the clients' CPU seconds."""
    import httpx

    jobs = [(i, cases[i]) for i in range(clients)]
    start = time.time() + 3.0 + clients * 0.01  # every client connected first
    probes: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while time.time() < start:
                time.sleep(0.01)
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    http.get("/health")
                except httpx.HTTPError:
                    pass  # counted by its time: a probe is a measurement, not a client of the load
                probes.append(time.perf_counter() - t0)
                time.sleep(0.02)

    prober = threading.Thread(target=probe)
    prober.start()
    with ProcessPoolExecutor(procs) as pool:
        futures = [
            pool.submit(load_process, url, token, jobs[p::procs], cursor, rounds, think, start) for p in range(procs)
        ]
        results = [f.result() for f in futures]
    wall = time.time() - start
    stop.set()
    prober.join()
    return [s for r in results for s in r[0]], wall, probes, sum(r[1] for r in results)


def report_load(clients: int, rounds: int, samples, wall: float, probes, idle: list[float], think: float) -> None:
    lat = [s[1] for s in samples]
    errors = sum(1 for s in samples if s[2] not in (200, 429))
    kinds: dict[object, int] = {}
    for s in samples:
        if s[2] not in (200, 429):
            kinds[s[2]] = kinds.get(s[2], 0) + 1
    busy = sum(1 for s in samples if s[2] == 429)
    rejected = sum(s[3] for s in samples)
    pace = f", think {think * 1000:.0f} ms" if think else ""
    print(f"{clients} clients x {rounds} rounds (push 1 change + incremental pull{pace}): {len(samples)} requests"
          f" in {wall:5.1f} s = {len(samples) / wall:6.0f} req/s")  # fmt: skip
    for kind in ("push", "pull"):
        part = [s[1] for s in samples if s[0] == kind]
        print(f"   {kind}  p50 {ms(pct(part, 0.5))}  p95 {ms(pct(part, 0.95))}  p99 {ms(pct(part, 0.99))}")
    print(f"   all   p50 {ms(pct(lat, 0.5))}  p95 {ms(pct(lat, 0.95))}  p99 {ms(pct(lat, 0.99))}"
          f"  max {ms(max(lat))}   errors {errors} {kinds or ''}  429 {busy}  rejected changes {rejected}")  # fmt: skip
    print(f"   baseline GET /health: idle median {ms(statistics.median(idle))};"
          f" during the load p50 {ms(pct(probes, 0.5))} p99 {ms(pct(probes, 0.99))} ({len(probes)} probes)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--clients", default="1,50,200")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--think", type=float, default=0.0, help="pause between a client's rounds, in ms")
    ap.add_argument("--skip-health", action="store_true", help="leave out 1. (the /health round trips)")
    args = ap.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-concbench-"))
    (tmp / "none.toml").write_text("", encoding="utf-8")  # a WBTUI_CONFIG naming a missing file is an error
    os.environ.update(WBTUI_DATA_DIR=str(tmp), WBTUI_CONFIG=str(tmp / "none.toml"))

    from common import JC_CONFIG, TODAY
    from server_helpers import pg_database, provision, serve_process
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.server.store import init_schema, make_engine
    from wbtui.services import Services, demo
    from wbtui.sync.client import SyncClient, enable

    print(f"server: PostgreSQL, `wbtui serve` in its own processes; machine: {os.cpu_count()} cores,"
          f" load average {os.getloadavg()[0]:.1f} at start")  # fmt: skip
    with pg_database() as db_url:
        engine = make_engine(db_url)
        init_schema(engine)
        tokens = provision(engine)
        from wbtui.server.admin import open_upload_window

        # the demo store holds both offices' work (a shared store): its first upload goes through an
        # upload window the administrator opens, so the whole store is measured (README, first upload)
        open_upload_window(engine, "ifk.ida", 168)
        token = tokens["ifk.ida"]

        if not args.skip_health:
            health_round_trips(db_url, args.workers)

        log = tmp / "server.log"
        with open(log, "wb") as out, serve_process(db_url, "--workers", str(args.workers), output=out) as url:
            idle = keepalive_health(url, 100)
            print(
                f"\n   baseline for what follows, --workers {args.workers}: GET /health median {ms(statistics.median(idle))}"
            )

            print(f"\n2. push throughput with every server check ({args.cases} demo cases, first upload)")
            cfg = tmp / "jc.toml"
            cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
            store = open_store(tmp / "one.db")
            Services(store, load(cfg), today=TODAY).actor  # noqa: B018
            con = store.raw(readonly=False)
            demo.generate(con, args.cases, seed=3, today=TODAY, home_login="ifk.ida")
            con.close()
            enable(store)
            con = store.raw()
            ops = sum(
                len(json.loads(p)) if op == "set" else 1 for op, p in con.execute("SELECT op, payload FROM outbox")
            )
            changes = con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            cases = [r[0] for r in con.execute("SELECT id FROM fbw_case WHERE stage != 'closed' ORDER BY id")]
            con.close()
            client = SyncClient(store, url, token, timeout=600)
            t0 = time.perf_counter()
            summary = client.sync()
            push_s = time.perf_counter() - t0
            client.close()
            store.close()
            print(f"   {changes} changes / {ops} field ops in {push_s:5.1f} s = {ops / push_s:6.0f} field ops/s"
                  f" (rejected {summary.rejected}); GET /health median {ms(statistics.median(idle))}")  # fmt: skip
            assert len(cases) >= max(counts), f"only {len(cases)} open cases: raise --cases"

            import httpx

            cursor = ""
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
                while True:  # the head of the feed: every client starts caught up
                    page = http.get(
                        "/sync/v1/pull", params={"cursor": cursor, "limit": 1000} if cursor else {"limit": 1000}
                    ).json()
                    cursor = page["cursor"]
                    if not page["has_more"]:
                        break

            print(f"\n3. concurrent clients against `wbtui serve --workers {args.workers}`")
            port = url.rsplit(":", 1)[1]
            for n in counts:
                idle = keepalive_health(url, 50)
                pids, busy0 = server_pids(port), machine_busy()
                backends = database_pids(db_url.rsplit("/", 1)[1])
                before = {pid: _cpu_seconds(pid) for pid in pids + backends}
                samples, wall, probes, client_cpu = run_load(
                    url, token, cases, cursor, n, args.rounds, args.think / 1000, args.procs
                )
                served = sum(_cpu_seconds(pid) - before[pid] for pid in pids)
                # backends opened during the load count from zero (a pool's overflow connections)
                database = sum(
                    _cpu_seconds(pid) - before.get(pid, 0.0) for pid in database_pids(db_url.rsplit("/", 1)[1])
                )
                busy1 = machine_busy()
                report_load(n, args.rounds, samples, wall, probes, idle, args.think / 1000)
                share = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
                per = 1000 / len(samples)
                print(f"   CPU: server workers {served:5.1f} s = {served * per:5.1f} ms per request; PostgreSQL"
                      f" {database:5.1f} s = {database * per:5.1f} ms per request; the machine {share * 100:3.0f} %"
                      f" busy ({os.cpu_count()} cores, shared); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
                print(f"        the clients {client_cpu:5.1f} s = {client_cpu * per:5.1f} ms per request; server workers"
                      f" {served / wall:4.2f} cores on average")  # fmt: skip
        engine.dispose()
    lines = [line for line in log.read_text(errors="replace").splitlines() if "ERROR" in line or "Error" in line]
    print(f"\nserver log: {len(lines)} error lines" + "".join(f"\n   {line}" for line in lines[:10]))


if __name__ == "__main__":
    main()
