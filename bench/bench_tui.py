"""TUI speed and memory in tmux at 80x24, against a bare Textual app (Header, Static, Footer) measured in
the same run (issue #16): first paint (goal <= 1.5x), board ready with the case total shown (goal <= 2.0x),
resident memory of the running TUI (goal <= 60 MB); optionally keypress latency on the board (--keys).

Usage:  python bench/bench_tui.py [--cases 100000 10000] [--store-dir DIR] [--runs 5] [--keys]

Stores are built once with ``wbtui demo`` into --store-dir (default /tmp/wbtui-bench) and reused.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = r"""
from textual.app import App
from textual.widgets import Footer, Header, Static


class Bare(App):
    def compose(self):
        yield Header()
        yield Static("bare app ready")
        yield Footer()


Bare().run()
"""

READY = re.compile(r"\d+ von (\d+) Fällen")  # the board's status line (tui.board.n_of_n): the case total is shown


def tmux_run(name: str, command: list[str], env: dict, first: str, ready: re.Pattern | None) -> dict:
    """Start ``command`` in a detached tmux session at 80x24 and watch its screen: the seconds until ``first``
    appears (first paint) and until ``ready`` matches (board ready), then the process's resident memory."""
    shell = " ".join(shlex.quote(part) for part in command)
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith(("WBTUI_", "XDG_")))
    start = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-x", "80", "-y", "24", "-s", name, f"env {exports} {shell}"], check=True
    )
    out: dict = {}
    try:
        deadline = start + 120
        while time.perf_counter() < deadline:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout
            now = time.perf_counter() - start
            if "paint" not in out and first in screen:
                out["paint"] = now
            if ready is None and "paint" in out:
                out["ready"] = out["paint"]
            elif ready is not None and "ready" not in out and ready.search(screen):
                out["ready"] = now
                out["total"] = int(ready.search(screen).group(1))
            if "ready" in out:
                break
            time.sleep(0.005)
        time.sleep(1.0)  # settled: what it keeps while the caseworker reads the board
        out["rss_mb"] = rss_mb(name)
        if ready is not None and "ready" in out:  # then open the first case (the ORM loads) and go back
            subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], check=True)
            if _wait(name, lambda text: first not in text and "Lade" not in text):
                time.sleep(1.0)
                subprocess.run(["tmux", "send-keys", "-t", name, "Escape"], check=True)
                if _wait(name, lambda text: first in text):
                    time.sleep(1.0)
                    out["rss_after_case_mb"] = rss_mb(name)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    return out


def _wait(name: str, done, seconds: float = 60) -> bool:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if done(subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout):
            return True
        time.sleep(0.05)
    return False


def rss_mb(session: str) -> float:
    """Resident memory of the pane's process and its children (the app runs as a child of ``env``)."""
    pid = subprocess.run(
        ["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True
    ).stdout.strip()
    total = 0
    todo = [pid] if pid else []
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            todo += Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, AttributeError):
            continue
    return total / 1024


def startup(store: Path, env: dict, runs: int) -> None:
    """First paint, board ready and RSS in tmux at 80x24, the bare Textual app measured alternately."""
    keeper = f"bench-keeper-{os.getpid()}"  # keeps one tmux server up between the runs (no start-up race)
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 100000"], check=True)
    try:
        _startup(store, env, runs)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)


def _startup(store: Path, env: dict, runs: int) -> None:
    bare_cmd = [sys.executable, "-c", BARE_APP]
    ours_cmd = [sys.executable, "-m", "wbtui", "--db", str(store)]
    bare, ours = [], []
    for i in range(runs):
        bare.append(tmux_run(f"bench-bare-{os.getpid()}-{i}", bare_cmd, env, "bare app ready", None))
        ours.append(tmux_run(f"bench-wbtui-{os.getpid()}-{i}", ours_cmd, env, "Wo steht mein Kunde?", READY))
    med = lambda rows, key: statistics.median(r[key] for r in rows if key in r)  # noqa: E731
    if not all("ready" in r for r in ours):
        print("  the board did not show its total within 120 s in every run:", ours)
        return
    b_paint, o_paint, o_ready = med(bare, "paint"), med(ours, "paint"), med(ours, "ready")
    total = ours[0].get("total")
    print(f"  tmux 80x24, median of {runs} alternating runs; the board shows {total} cases")
    print(f"  first paint  bare Textual app (Header, Static, Footer) {b_paint * 1000:7.0f} ms")
    print(
        f"  first paint  wbtui board                               {o_paint * 1000:7.0f} ms = {o_paint / b_paint:4.2f}x (goal <= 1.5x)"
    )
    print(
        f"  board ready  wbtui (case total shown)                  {o_ready * 1000:7.0f} ms = {o_ready / b_paint:4.2f}x (goal <= 2.0x)"
    )
    print(
        f"  RSS          bare Textual app {med(bare, 'rss_mb'):6.1f} MB   wbtui board {med(ours, 'rss_mb'):6.1f} MB (goal <= 60 MB)"
    )
    if all("rss_after_case_mb" in r for r in ours):
        print(
            f"  RSS          wbtui after opening a case and going back (ORM loaded) {med(ours, 'rss_after_case_mb'):6.1f} MB"
        )


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
    ap.add_argument("--cases", type=int, nargs="+", default=[100_000, 10_000])
    ap.add_argument("--store-dir", type=Path, default=Path(tempfile.gettempdir()) / "wbtui-bench")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keys", action="store_true", help="also keypress latency on the board (Pilot, headless)")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed: the start-up figures are taken in tmux at 80x24 (apt-get install tmux)")
    workdir = args.store_dir
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(workdir / "config"),
        WBTUI_DATA_DIR=str(workdir / "data"),
        WBTUI_KEY_DIR=str(workdir / "keys"),
        WBTUI_LOG_DIR=str(workdir / "logs"),
    )
    os.environ.update(env)
    for cases in args.cases:
        store = workdir / f"demo-{cases}.db"
        if not store.exists():
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "wbtui", "--db", str(store), "demo", "--cases", str(cases), "-q"],
                env=env,
                check=True,
            )
            print(f"store {store}: {cases} demo cases generated in {time.perf_counter() - began:.1f} s")
        subprocess.run(
            [sys.executable, "-m", "wbtui", "--db", str(store), "migrate"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"\n{cases} cases ({store.stat().st_size / 1e6:.0f} MB)")
        startup(store, env, args.runs)
        if args.keys:
            floor = asyncio.run(bare_keypress())
            results = asyncio.run(keypresses(str(store)))
            print(f"  keypress, bare Textual app (harness floor)  median {statistics.median(floor) * 1000:8.1f} ms")
            for label, samples in results.items():
                samples = sorted(samples)
                p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
                print(
                    f"    {label:<42} median {statistics.median(samples) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   (n={len(samples)})"
                )


if __name__ == "__main__":
    main()
