"""CLI speed on a 100,000-case store, next to `python -c "import typer"` measured in the same run.

Usage:  python bench/bench_cli.py [--cases 100000] [--store PATH] [--runs 5]

Builds the store with `wbtui demo` unless PATH already holds one, then prints
the median wall time of each command over --runs runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], env: dict, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wbtui-bench-"))
    store = args.store or workdir / "bench.db"
    env = dict(os.environ, WBTUI_DB=str(store), XDG_CONFIG_HOME=str(workdir / "config"), WBTUI_DATA_DIR=str(workdir))
    wbtui = [sys.executable, "-m", "wbtui"]
    if not store.exists():
        start = time.perf_counter()
        subprocess.run(wbtui + ["demo", "--cases", str(args.cases), "-q"], env=env, check=True)
        print(f"built {args.cases} cases in {time.perf_counter() - start:.1f} s ({store.stat().st_size / 1e6:.0f} MB)")
    subprocess.run(wbtui + ["migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    rows = [
        ("baseline: python -c 'import typer'", [sys.executable, "-c", "import typer"]),
        ("wbtui --help", wbtui + ["--help"]),
        ("wbtui case list --limit 20", wbtui + ["case", "list", "--limit", "20"]),
        ("wbtui case list --limit 20 --json", wbtui + ["case", "list", "--limit", "20", "--json"]),
        ("wbtui case list --search müll --limit 20", wbtui + ["case", "list", "--search", "müll", "--limit", "20"]),
        ("wbtui case list --overdue --limit 20", wbtui + ["case", "list", "--overdue", "--limit", "20"]),
        ("wbtui overdue --limit 50", wbtui + ["overdue", "--limit", "50"]),
        ("wbtui overdue (all rows)", wbtui + ["overdue"]),
    ]
    print(f"{'command':<45} {'median s':>9}   (runs={args.runs})")
    base = None
    for label, cmd in rows:
        value = timed(cmd, env, args.runs)
        base = base or value
        print(f"{label:<45} {value:>9.3f}   {value / base:>5.1f}x baseline")


if __name__ == "__main__":
    main()
