"""TUI speed and memory in tmux at 80x24, against a bare Textual app (Header, Static, Footer) measured in
the same run (issue #16): first paint (goal <= 1.5x), board ready with the case total shown (goal <= 2.0x),
resident memory of the running TUI (goal <= 60 MB) on the board, on a case just opened, on a read-only
screen of the case (h, Hemmnisse) and back on the board; optionally keypress latency on the board (--keys).

Usage:  python bench/bench_tui.py [--cases 100000 10000] [--cached] [--store-dir DIR] [--runs 5] [--keys]
                                  [--base-python OTHER/.venv/bin/python] [--socket NAME]

Stores are built once with ``wbtui demo`` into --store-dir (default /tmp/wbtui-bench) and reused; with
``--cached`` they are copies of bench/demo_cache.py's stores (the seed-3 Jobcenter store, opened as its user
``ifk.ida`` with its configuration and keys). ``--base-python`` names the interpreter of another checkout
(e.g. the baseline commit's venv): it is measured in the same run, alternating with this one and the bare app.
Every tmux call goes to its own server (``tmux -L NAME``, default one per run), never the user's.
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

TMUX = ["tmux"]  # with "-L NAME" once main() knows the socket: the benchmark's own tmux server
READY = re.compile(r"\d+ von (\d+) Fällen")  # the board's status line (tui.board.n_of_n): the case total is shown


def _screen(name: str) -> str:
    return subprocess.run([*TMUX, "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def _keys(name: str, *keys: str) -> None:
    subprocess.run([*TMUX, "send-keys", "-t", name, *keys], check=True)


def tmux_run(name: str, command: list[str], env: dict, first: str, ready: re.Pattern | None) -> dict:
    """Start ``command`` in a detached tmux session at 80x24 and watch its screen: the seconds until ``first``
    appears (first paint) and until ``ready`` matches (board ready), then the process's resident memory on the
    board, on the first case (Enter), on its obstacles (h, read-only) and back on the board (Esc, Esc)."""
    shell = " ".join(shlex.quote(part) for part in command)
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith(("WBTUI_", "XDG_")))
    start = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-x", "80", "-y", "24", "-s", name, f"env {exports} {shell}"], check=True
    )
    out: dict = {}
    try:
        deadline = start + 120
        while time.perf_counter() < deadline:
            screen = _screen(name)
            now = time.perf_counter() - start
            if "paint" not in out and first in screen:
                out["paint"], out["paint_cpu"] = now, cpu_s(name)
            if ready is None and "paint" in out:
                out["ready"], out["ready_cpu"] = out["paint"], out["paint_cpu"]
            elif ready is not None and "ready" not in out and ready.search(screen):
                out["ready"], out["ready_cpu"] = now, cpu_s(name)
                out["total"] = int(ready.search(screen).group(1))
            if "ready" in out:
                break
            time.sleep(0.005)
        time.sleep(1.0)  # settled: what it keeps while the caseworker reads the board
        out["rss_mb"] = rss_mb(name)
        if ready is not None and "ready" in out:  # then open the first case, one read-only screen, go back
            _keys(name, "Enter")
            if _wait(name, lambda text: first not in text and "Lade" not in text):
                time.sleep(1.0)
                out["rss_case_mb"] = rss_mb(name)
                case_screen = _screen(name)
                _keys(name, "h")
                if _wait(name, lambda text: text != case_screen and "Lade" not in text):
                    time.sleep(1.0)
                    out["rss_screen_mb"] = rss_mb(name)
                _keys(name, "Escape")
                time.sleep(0.3)
                _keys(name, "Escape")
                if _wait(name, lambda text: first in text):
                    time.sleep(1.0)
                    out["rss_back_mb"] = rss_mb(name)
    finally:
        pids = _tree(name)
        subprocess.run([*TMUX, "kill-session", "-t", name], capture_output=True)
        # the next run opens the same store: wait until this one has let go of its session lock (a hang-up
        # ends it within a second, longer under load)
        deadline = time.perf_counter() + 20
        while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.perf_counter() < deadline:
            time.sleep(0.05)
    return out


def _wait(name: str, done, seconds: float = 60) -> bool:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if done(_screen(name)):
            return True
        time.sleep(0.05)
    return False


def _tree(session: str) -> list[str]:
    """The pane's process and its children (the app runs as ``env``'s child or in its place)."""
    pid = subprocess.run(
        [*TMUX, "display-message", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True
    ).stdout.strip()
    out, todo = [], [pid] if pid else []
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            todo += Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
    return out


def rss_mb(session: str) -> float:
    """Resident memory of the pane's processes."""
    total = 0
    for pid in _tree(session):
        try:
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
        except (OSError, AttributeError):
            continue
    return total / 1024


def cpu_s(session: str) -> float:
    """CPU seconds (user + system) the pane's processes have used so far: under load, wall time mostly
    measures the queue for a core, CPU time what the start costs (clock ticks: 10 ms steps)."""
    total = 0
    for pid in _tree(session):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def startup(store: Path, env: dict, runs: int, base_python: str | None, base_store: Path | None = None) -> None:
    """First paint, board ready and RSS in tmux at 80x24, the bare Textual app (and the baseline) alternately."""
    keeper = f"bench-keeper-{os.getpid()}"  # keeps one tmux server up between the runs (no start-up race)
    subprocess.run([*TMUX, "new-session", "-d", "-s", keeper, "sleep 100000"], check=True)
    try:
        _startup(store, env, runs, base_python, base_store or store)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", keeper], capture_output=True)


def _startup(store: Path, env: dict, runs: int, base_python: str | None, base_store: Path) -> None:
    bare_cmd = [sys.executable, "-c", BARE_APP]
    variants = {"wbtui": [sys.executable, "-m", "wbtui", "--db", str(store)]}
    if base_python:
        variants = {"base": [base_python, "-m", "wbtui", "--db", str(base_store)], **variants}
    for cmd in variants.values():
        byte_compile(cmd[0])
    bare: list[dict] = []
    rows: dict[str, list[dict]] = {label: [] for label in variants}
    for i in range(runs):
        bare.append(tmux_run(f"bench-bare-{os.getpid()}-{i}", bare_cmd, env, "bare app ready", None))
        for label, cmd in variants.items():
            rows[label].append(tmux_run(f"bench-{label}-{os.getpid()}-{i}", cmd, env, "Wo steht mein Kunde?", READY))
    load = os.getloadavg()
    print(f"  tmux 80x24, median of {runs} alternating runs; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    b_paint, b_cpu = med(bare, "paint"), med(bare, "paint_cpu")
    print(
        f"  first paint  bare Textual app (Header, Static, Footer) {b_paint * 1000:7.0f} ms wall, {b_cpu * 1000:4.0f} ms CPU"
        f"   RSS {med(bare, 'rss_mb'):5.1f} MB"
    )
    for label, ours in rows.items():
        if not all("ready" in r for r in ours):
            print(f"  {label}: the board did not show its total within 120 s in every run:", ours)
            continue
        o_paint, o_ready = med(ours, "paint"), med(ours, "ready")
        print(f"  {label:<6} the board shows {ours[0].get('total')} cases")
        p_cpu, r_cpu = med(ours, "paint_cpu"), med(ours, "ready_cpu")
        print(
            f"    first paint {o_paint * 1000:7.0f} ms = {o_paint / b_paint:4.2f}x (goal <= 1.5x)"
            f"   CPU {p_cpu * 1000:4.0f} ms = {p_cpu / b_cpu:4.2f}x"
        )
        print(
            f"    board ready {o_ready * 1000:7.0f} ms = {o_ready / b_paint:4.2f}x (goal <= 2.0x)"
            f"   CPU {r_cpu * 1000:4.0f} ms = {r_cpu / b_cpu:4.2f}x"
        )
        rss = "   ".join(
            f"{what} {med(ours, key):5.1f}" for what, key in
            (("board", "rss_mb"), ("case", "rss_case_mb"), ("case+h", "rss_screen_mb"), ("back", "rss_back_mb"))
            if any(key in r for r in ours)
        )  # fmt: skip
        print(f"    RSS MB (goal <= 60): {rss}")


def _migrate(python: str, store: Path, env: dict) -> None:
    """The store brought to the schema of the code that opens it (before the clock runs)."""
    subprocess.run(
        [python, "-m", "wbtui", "--db", str(store), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
    )


def byte_compile(python: str) -> None:
    """wbtui's modules compiled as an installed copy has them (pip compiles at install; an editable install
    writes them at its first start): with PYTHONDONTWRITEBYTECODE set, every start would compile wbtui from
    source while Textual's compiled files were there, and wbtui would look slower than it starts for a user."""
    where = subprocess.run(
        [python, "-c", "import os, wbtui; print(os.path.dirname(wbtui.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    subprocess.run([python, "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL)


def med(rows: list[dict], key: str) -> float:
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else float("nan")


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
    ap.add_argument("--cached", action="store_true", help="copies of bench/demo_cache.py's stores (ifk.ida's)")
    ap.add_argument("--base-python", help="the interpreter of a baseline checkout, measured in the same run")
    ap.add_argument("--socket", default=f"wbtui-bench-{os.getpid()}", help="the tmux server's socket name (-L)")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed: the start-up figures are taken in tmux at 80x24 (apt-get install tmux)")
    TMUX[:] = ["tmux", "-L", args.socket]
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
        store, base_store = workdir / f"demo-{cases}.db", None
        if args.cached:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from demo_cache import demo_store

            store = demo_store(cases, workdir / f"cached-{cases}")  # a fresh copy: the runs append audit entries
            env["WBTUI_KEY_DIR"] = os.environ["WBTUI_KEY_DIR"]
            env["WBTUI_CONFIG"] = os.environ["WBTUI_CONFIG"] = str(store.parent / "jc.toml")
            if args.base_python:  # a copy of its own: this checkout's migrations may be newer than the baseline's
                base_store = demo_store(cases, workdir / f"cached-{cases}-base")
                os.environ["WBTUI_KEY_DIR"] = env["WBTUI_KEY_DIR"]  # the same keys, copied twice
                _migrate(args.base_python, base_store, env)
        elif not store.exists():
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "wbtui", "--db", str(store), "demo", "--cases", str(cases), "-q"],
                env=env,
                check=True,
            )
            print(f"store {store}: {cases} demo cases generated in {time.perf_counter() - began:.1f} s")
        _migrate(sys.executable, store, env)
        print(f"\n{cases} cases ({store.stat().st_size / 1e6:.0f} MB)")
        startup(store, env, args.runs, args.base_python, base_store)
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
