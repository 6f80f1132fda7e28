"""Where the TUI's start goes (issue #16): cProfile with a CPU-time timer from before ``import wbtui.app`` until
the board shows its case total, in the main thread and in every worker thread (the store is opened and the
board's first query and count run in workers), headless at 80x24 (Textual's Pilot).

Usage:  python bench/profile_tui.py --db STORE [--config FILE] [--top 30] [--no-profile]

For a cached demo store (bench/demo_cache.py): ``--db /tmp/wbtui-bench-cache/100000/store.db --config
/tmp/wbtui-bench-cache/100000/jc.toml`` reads it in place (the TUI appends audit entries: use a copy).
Prints CPU and wall seconds to the first frame and to board ready, then the profile (tottime and cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import threading
import time

READY = re.compile(r"\d+ von (\d+) Fällen")  # the board's status line (tui.board.n_of_n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--config", help="the configuration file (WBTUI_CONFIG)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--no-profile", action="store_true", help="only the CPU and wall seconds")
    ap.add_argument("--bare", action="store_true", help="a bare Textual app (Header, Static, Footer) instead")
    args = ap.parse_args()
    if args.config:
        os.environ["WBTUI_CONFIG"] = args.config
    profiles: list[cProfile.Profile] = []
    if not args.no_profile:
        run = threading.Thread.run

        def profiled(self) -> None:  # every worker thread under its own profiler, merged below
            prof = cProfile.Profile(time.process_time)
            profiles.append(prof)
            prof.enable()
            try:
                run(self)
            finally:
                prof.disable()

        threading.Thread.run = profiled  # type: ignore[method-assign]
        main_prof = cProfile.Profile(time.process_time)
        profiles.append(main_prof)
        main_prof.enable()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    marks = start_bare(cpu0, wall0) if args.bare else start(args.db, cpu0, wall0)
    if not args.no_profile:
        main_prof.disable()
    for label, (cpu, wall) in marks.items():
        print(f"{label:<12} CPU {cpu:6.2f} s   wall {wall:6.2f} s")
    if args.no_profile:
        return
    stats = pstats.Stats(profiles[0])
    for prof in profiles[1:]:
        stats.add(prof)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(r"wbtui|sqlite3|textual/(app|screen|css)", args.top)


def start_bare(cpu0: float, wall0: float) -> dict[str, tuple[float, float]]:
    """The reference: bench_tui.py's bare app, its first frame."""
    import asyncio

    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        def compose(self):
            yield Header()
            yield Static("bare app ready")
            yield Footer()

    marks: dict[str, tuple[float, float]] = {}

    async def run() -> None:
        async with Bare().run_test(size=(80, 24)):
            marks["first frame"] = (time.process_time() - cpu0, time.perf_counter() - wall0)

    asyncio.run(run())
    return marks


def start(db: str, cpu0: float, wall0: float) -> dict[str, tuple[float, float]]:
    import asyncio

    from wbtui import config as config_mod
    from wbtui.app import WbtuiApp
    from wbtui.i18n import set_language

    config = config_mod.load()
    set_language(config.language)
    app = WbtuiApp(config, db=db)
    marks: dict[str, tuple[float, float]] = {}

    def mark(label: str) -> None:
        marks[label] = (time.process_time() - cpu0, time.perf_counter() - wall0)

    from wbtui.screens.board import BoardScreen

    shown = BoardScreen._show

    def show(screen, *args, **kwargs):  # the board puts its rows and the case total on screen
        shown(screen, *args, **kwargs)
        ready.set()

    BoardScreen._show = show  # type: ignore[method-assign]

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            mark("first frame")
            await ready.wait()
            await pilot.pause()  # the frame with the total
            status = str(app.screen.query_one("#status").render())
            assert READY.search(status), status
            mark("board ready")

    ready = asyncio.Event()
    asyncio.run(run())
    return marks


if __name__ == "__main__":
    main()
