"""What the audit trail costs: reads and writes with their audit entries next to the same
operation without them, measured in the same run on the same store.

Usage:  python bench/bench_audit.py [--cases 2000] [--ops 300]

* read:  Services.read_case (access check + audit entry committed + detail query)
  vs the bare detail query (data/detail.case_detail) — the baseline.
* write: Services.record_contact with the audit hook vs the same call with the hook switched off.
* verify: recomputing the whole hash chain (entries per second).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--ops", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wbtui-audit-bench-"))
    import os

    os.environ.setdefault("WBTUI_KEY_DIR", str(tmp / "keys"))  # the audit key and anchor stay with the bench
    import os

    os.environ["WBTUI_DATA_DIR"] = str(tmp)
    from tui_helpers import TODAY, build_store, make_config
    from wbtui.data import audit, audit_hook, detail
    from wbtui.data.store import open_store
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import Services

    db = build_store(tmp, cases=args.cases)
    store = open_store(db)
    config = make_config(tmp, "jc")
    services = Services(store, config, today=TODAY)
    engine = TimerEngine(TODAY, config.timers, config.calendar())
    con = store.raw()
    ids = [uuid.UUID(r[0]) for r in con.execute("SELECT id FROM fbw_case WHERE stage != 'closed' LIMIT ?", (args.ops,))]
    con.close()
    services.read_case(ids[0], engine)  # warm up the ORM and the caches

    def per_op(fn) -> float:
        samples = []
        for case_id in ids:
            start = time.perf_counter()
            fn(case_id)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1000

    def bare_read(case_id):
        c = store.raw()
        try:
            detail.case_detail(c, case_id.hex, engine)
        finally:
            c.close()

    base_read = per_op(bare_read)
    audited_read = per_op(lambda case_id: services.read_case(case_id, engine))
    audited_write = per_op(lambda case_id: services.record_contact(case_id, "Bench"))
    real_hook = audit_hook.before_flush
    audit_hook.before_flush = lambda *a, **k: None  # the same write without the audit trail
    try:
        bare_write = per_op(lambda case_id: services.record_contact(case_id, "Bench"))
    finally:
        audit_hook.before_flush = real_hook
    con = store.raw()
    start = time.perf_counter()
    result = audit.verify(con)
    verify_s = time.perf_counter() - start
    con.close()
    print(f"store: {args.cases} cases, {len(ids)} operations each, median per operation")
    print(f"{'operation':<44} {'ms':>8}")
    print(f"{'baseline: case detail query (no audit)':<44} {base_read:>8.2f}")
    print(f"{'read_case (access check + audit + query)':<44} {audited_read:>8.2f}   +{audited_read - base_read:.2f} ms")
    print(f"{'baseline: record_contact without audit hook':<44} {bare_write:>8.2f}")
    print(f"{'record_contact with audit entries':<44} {audited_write:>8.2f}   +{audited_write - bare_write:.2f} ms")
    print(
        f"verify: {result.entries} entries in {verify_s:.2f} s ({result.entries / verify_s:,.0f}/s), chain ok={result.ok}"
    )
    store.close()


if __name__ == "__main__":
    main()
