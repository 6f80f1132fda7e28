"""Per-request profile of the sync server on PostgreSQL: statements and CPU of one push and one pull.

Usage:  python bench/profile_conc.py [--cases 40] [--rounds 50] [--log /var/log/postgresql/postgresql-15-main.log]

One device, one connection, against `wbtui serve` (one worker) on a fresh PostgreSQL database holding a
demo store's first upload; then --rounds rounds of what bench/bench_concurrency.py's clients do (push one
change to a case + incremental pull), one request at a time. Prints per request kind:

* the statements PostgreSQL received (``log_statement = 'all'`` set on this database only, counted in the
  server's log by the database's name: BEGIN, the pool's ping, COMMIT and ROLLBACK included — each is a
  round trip), with the most frequent ones;
* CPU milliseconds of the server process and of the database's backends (from /proc) per request.

Needs to read PostgreSQL's log (root or the adm group) and a superuser connection (tests' PG_ADMIN).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_concurrency import _cpu_seconds, database_pids, server_pids

STATEMENT = re.compile(r"LOG:  (?:statement|execute [^:]*): (.*)$")


def statements(log: Path, offset: int, database: str) -> tuple[list[str], int]:
    with log.open("rb") as f:
        f.seek(offset)
        data = f.read()
    found = []
    for line in data.decode(errors="replace").splitlines():
        if f"@{database} " in line:
            m = STATEMENT.search(line)
            if m:
                found.append(re.sub(r"\s+", " ", m.group(1))[:110])
    return found, offset + len(data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--log", default="/var/log/postgresql/postgresql-15-main.log")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-profconc-"))
    (tmp / "none.toml").write_text("", encoding="utf-8")
    os.environ.update(WBTUI_DATA_DIR=str(tmp), WBTUI_CONFIG=str(tmp / "none.toml"))

    import httpx
    import psycopg

    from common import JC_CONFIG, TODAY
    from server_helpers import PG_ADMIN, pg_database, provision, serve_process
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.server.store import init_schema, make_engine
    from wbtui.services import Services, demo
    from wbtui.sync.client import SyncClient, enable

    log = Path(args.log)
    with pg_database() as db_url:
        name = db_url.rsplit("/", 1)[1]
        engine = make_engine(db_url)
        init_schema(engine)
        tokens = provision(engine)
        from wbtui.server.admin import open_upload_window

        # the demo store holds both offices' work (a shared store): its first upload goes through an
        # upload window the administrator opens, so the whole store is measured (README, first upload)
        open_upload_window(engine, "ifk.ida", 168)
        token = tokens["ifk.ida"]
        engine.dispose()
        cfg = tmp / "jc.toml"
        cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
        store = open_store(tmp / "one.db")
        Services(store, load(cfg), today=TODAY).actor  # noqa: B018
        con = store.raw(readonly=False)
        demo.generate(con, args.cases, seed=3, today=TODAY, home_login="ifk.ida")
        con.close()
        enable(store)
        con = store.raw()
        case = con.execute("SELECT id FROM fbw_case WHERE stage != 'closed' ORDER BY id").fetchone()[0]
        con.close()
        with serve_process(db_url) as url:
            SyncClient(store, url, token, timeout=600).sync()
        store.close()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:  # new connections of this database only
            admin.execute(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'")
        with (
            serve_process(db_url) as url,
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http,
        ):
            cursor = ""
            while True:
                page = http.get("/sync/v1/pull", params={"cursor": cursor, "limit": 1000} if cursor else {}).json()
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            port = url.rsplit(":", 1)[1]
            pids = server_pids(port)
            offset = log.stat().st_size
            counts: dict[str, list[int]] = {"push": [], "pull": []}
            texts: dict[str, collections.Counter] = {"push": collections.Counter(), "pull": collections.Counter()}
            cpu = {"push": [0.0, 0.0], "pull": [0.0, 0.0]}
            for n in range(args.rounds):
                change = {
                    "change_id": uuid.uuid4().hex, "entity": "case", "row_id": case, "case_id": case, "op": "set",
                    "hlc": f"{int(time.time() * 1000):016d}-{n:04x}-prof", "fields": {"max_commute_km": {"v": n + 1}},
                }  # fmt: skip
                body = {"device_id": "prof", "batch_id": uuid.uuid4().hex, "schema_version": 2, "changes": [change]}
                for kind in ("push", "pull"):
                    backends = database_pids(name)
                    s0 = sum(_cpu_seconds(p) for p in pids)
                    d0 = {p: _cpu_seconds(p) for p in backends}
                    if kind == "push":
                        r = http.post("/sync/v1/push", json=body)
                        assert r.json()["results"][0]["status"] == "applied", r.text
                    else:
                        r = http.get("/sync/v1/pull", params={"cursor": cursor, "limit": 1000})
                        cursor = r.json()["cursor"]
                    time.sleep(0.05)  # the log line of the last statement is written
                    cpu[kind][0] += sum(_cpu_seconds(p) for p in pids) - s0
                    cpu[kind][1] += sum(_cpu_seconds(p) - d0.get(p, 0.0) for p in database_pids(name))
                    found, offset = statements(log, offset, name)
                    counts[kind].append(len(found))
                    texts[kind].update(found)
        for kind in ("push", "pull"):
            c = counts[kind]
            print(f"{kind}: {sum(c) / len(c):.1f} statements per request (min {min(c)}, max {max(c)});"
                  f" CPU per request: server {cpu[kind][0] / len(c) * 1000:.1f} ms,"
                  f" PostgreSQL {cpu[kind][1] / len(c) * 1000:.1f} ms")  # fmt: skip
            for text_, k in texts[kind].most_common(40):
                print(f"   {k / len(c):5.2f}  {text_}")


if __name__ == "__main__":
    main()
