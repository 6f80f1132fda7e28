"""TUI speed: first paint against a bare Textual app measured in the same run, and keypress
latency on the case board with 100,000 cases.

Usage:  python bench/bench_tui.py [--store PATH] [--cases 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_PAINT = r"""
import time, sys
t0 = time.perf_counter()
from textual.app import App
kind = sys.argv[1]
if kind == "bare":
    from textual.widgets import Footer, Label
    class Bare(App):
        def compose(self):
            yield Label("bare")
            yield Footer()
        def on_ready(self):
            print(f"{time.perf_counter() - t0:.4f}")
            self.exit()
    Bare().run(headless=True, size=(80, 24))
else:
    from wbtui.config import load
    from wbtui.app import WbtuiApp
    class Timed(WbtuiApp):
        def on_ready(self):
            print(f"{time.perf_counter() - t0:.4f}")
            self.exit()
    Timed(load(None), db=sys.argv[2]).run(headless=True, size=(80, 24))
"""


def first_paint(kind: str, db: str, runs: int, env: dict) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_PAINT, kind, db], capture_output=True, text=True, env=env, check=True
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


async def keypresses(db: str) -> dict[str, list[float]]:
    from wbtui.app import WbtuiApp
    from wbtui.config import load
    from wbtui.widgets.case_list import CaseList

    app = WbtuiApp(load(None), db=db)
    results: dict[str, list[float]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        start = time.perf_counter()
        while app.ctx is None or not app.screen.query_one(CaseList).rowids:
            await pilot.pause(0.01)
        results["board ready (store open + 100k order)"] = [time.perf_counter() - start]
        await app.workers.wait_for_complete()

        async def measure(label: str, *keys: str, repeat: int = 20) -> None:
            samples = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                await pilot.press(*keys)
                await app.workers.wait_for_complete()
                await pilot.pause()
                samples.append(time.perf_counter() - t0)
            results[label] = samples

        await measure("down (cursor)", "down")
        await measure("pagedown", "pagedown")
        await measure("end (jump to last of 100k)", "end", repeat=5)
        await measure("home", "home", repeat=5)
        await pilot.press("slash")
        board = app.screen.query_one(CaseList)

        async def refilter(label: str, key: str, repeat: int = 5) -> None:
            samples = []
            for _ in range(repeat):
                before = board.rowids
                t0 = time.perf_counter()
                await pilot.press(key)
                while board.rowids is before:  # until the new filtered order is on screen
                    await pilot.pause(0.002)
                await app.workers.wait_for_complete()
                await pilot.pause()
                samples.append(time.perf_counter() - t0)
            results[label] = samples

        for letter in "mül":
            await refilter(f"type '{letter}' (re-filter 100k, incl. 100 ms debounce)", letter, repeat=1)
        await refilter("backspace (re-filter, incl. debounce)", "backspace", repeat=3)
    return results


async def bare_keypress() -> list[float]:
    """Harness floor: the same Pilot press on a bare Textual app with a focused list."""
    from textual.app import App
    from textual.widgets import OptionList

    class Bare(App):
        def compose(self):
            yield OptionList(*[f"row {i}" for i in range(200)])

    samples = []
    async with Bare().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(20):
            t0 = time.perf_counter()
            await pilot.press("down")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            samples.append(time.perf_counter() - t0)
    return samples


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wbtui-bench-"))
    env = dict(os.environ, XDG_CONFIG_HOME=str(workdir / "config"), WBTUI_DATA_DIR=str(workdir))
    os.environ.update(env)
    store = args.store or workdir / "bench.db"
    if not store.exists():
        subprocess.run(
            [sys.executable, "-m", "wbtui", "--db", str(store), "demo", "--cases", str(args.cases), "-q"],
            env=env,
            check=True,
        )
    subprocess.run(
        [sys.executable, "-m", "wbtui", "--db", str(store), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    bare_samples, our_samples = [], []
    for _ in range(args.runs):  # interleaved, so machine noise hits both alike
        bare_samples.append(first_paint("bare", str(store), 1, env))
        our_samples.append(first_paint("wbtui", str(store), 1, env))
    bare, ours = statistics.median(bare_samples), statistics.median(our_samples)
    print(f"first paint, bare Textual app     {bare * 1000:8.1f} ms (median of {args.runs})")
    print(f"first paint, wbtui board          {ours * 1000:8.1f} ms  = {ours / bare:.2f}x bare (budget 1.5x)")
    floor = asyncio.run(bare_keypress())
    results = asyncio.run(keypresses(str(store)))
    print(f"keypress, bare Textual app (harness floor)  median {statistics.median(floor) * 1000:8.1f} ms")
    print(f"keypress on the board (store: {store})")
    for label, samples in results.items():
        samples = sorted(samples)
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        print(
            f"  {label:<42} median {statistics.median(samples) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   (n={len(samples)})"
        )


if __name__ == "__main__":
    main()
