"""CLI speed, each figure next to its baseline measured in the same run (issue #16):

- ``wbtui --help`` against ``python -c "import typer"`` (goal: at most 2.0x);
- ``wbtui case list --limit 20`` on a 100,000-case store against Taskwarrior 2.6 ``task list limit:20`` on
  10,000 tasks (goal: at most 1.5x); the other hot read commands beside it;
- which heavy packages each hot read command imported (goal: neither pydantic nor SQLAlchemy).

Usage:  python bench/bench_cli.py [--cases 100000 10000] [--store-dir DIR] [--runs 7] [--cache]
                                  [--before /path/to/other/checkout/.venv/bin/python]

Stores are built once with ``wbtui demo`` into --store-dir (default /tmp/wbtui-bench) and reused; the time
it took is printed. ``--cache`` copies the cached demo stores of bench/demo_cache.py instead (the lead's
100,000-case store takes minutes to generate). Runs are interleaved (baseline, command, baseline, …) so
machine noise hits both alike; the median is printed. ``--before PYTHON`` runs every wbtui row with that
interpreter too (another checkout's venv, e.g. the code before a change), interleaved with the others, so a
change is measured against its predecessor in the same run (with ``--cache``, on its own copy of the cached
store, migrated by itself: an older checkout refuses a store of a newer schema).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASKS = 10_000
HEAVY = ("pydantic", "sqlalchemy", "sqlmodel", "textual")


CPU: list[tuple[float, float]] = []  # (baseline, ours) CPU seconds of the last paired() call


def wall(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


BEFORE: list[tuple[float, float]] = []  # (wall, CPU) of the --before interpreter in the last paired() call


def paired(
    base: list[str], ours: list[str], env: dict, base_env: dict, runs: int, before: list[str] | None = None
) -> tuple[float, float]:
    """Median wall time of ``base`` and of ``ours``, run alternately (their CPU times go to CPU); ``before``
    (the same command on the --before interpreter) runs in turn with them, its medians go to BEFORE."""
    cmds = [(base, base_env), (ours, env)] + ([(before, env)] if before else [])
    for cmd, cmd_env in cmds:
        wall(cmd, cmd_env)  # warm the page cache for each
    times: list[list[tuple[float, float]]] = [[] for _ in cmds]
    for _ in range(runs):
        for got, (cmd, cmd_env) in zip(times, cmds):
            got.append(wall(cmd, cmd_env))
    medians = [(statistics.median(x[0] for x in got), statistics.median(x[1] for x in got)) for got in times]
    CPU[:] = [(medians[0][1], medians[1][1])]
    BEFORE[:] = medians[2:]
    return medians[0][0], medians[1][0]


def before_note(base: float) -> str:
    """The --before interpreter's figures beside ours (nothing without --before)."""
    if not BEFORE:
        return ""
    took, cpu = BEFORE[0]
    return f"\n  {'before':<48} {took:7.3f} s   = {took / base:4.2f}x [CPU {cpu:.3f} s = {cpu / CPU[0][0]:4.2f}x]"


def cpu_note() -> str:
    base, ours = CPU[0]
    return f"[CPU {ours:.3f} s vs {base:.3f} s = {ours / base:4.2f}x]"


def build_store(path: Path, cases: int, env: dict) -> None:
    if path.exists():
        print(f"store {path} ({cases} cases) reused, {path.stat().st_size / 1e6:.0f} MB")
        return
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "wbtui", "--db", str(path), "demo", "--cases", str(cases), "-q"], env=env, check=True
    )
    took = time.perf_counter() - start
    print(f"store {path}: {cases} demo cases generated in {took:.1f} s, {path.stat().st_size / 1e6:.0f} MB")


def taskwarrior(workdir: Path) -> tuple[list[str], dict] | None:
    """``task list limit:20`` on 10,000 pending tasks in a data directory of its own, or None without ``task``."""
    task = shutil.which("task")
    if task is None:
        return None
    data = workdir / "taskdata"
    rc = workdir / "taskrc"
    env = dict(os.environ, TASKRC=str(rc), TASKDATA=str(data))
    if not (data / "pending.data").exists():
        data.mkdir(parents=True, exist_ok=True)
        rc.write_text(f"data.location={data}\nconfirmation=off\nverbose=nothing\nnews.version=2.6.2\n")
        tasks = [
            {
                "description": f"Wiedervorlage {i} Beratung",
                "project": f"team{i % 7}",
                "due": f"2026{1 + i % 12:02d}15T080000Z",
            }
            for i in range(TASKS)
        ]
        source = workdir / "tasks.json"
        source.write_text(json.dumps(tasks))
        subprocess.run([task, "rc.verbose=nothing", "import", str(source)], env=env, check=True, capture_output=True)
    return [task, "list", "limit:20"], env


def first_kundennummer(store: Path) -> str:
    import sqlite3

    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return con.execute("SELECT kundennummer FROM person ORDER BY rowid LIMIT 1").fetchone()[0]
    finally:
        con.close()


def cached_store(cases: int, workdir: Path, env: dict) -> Path:
    """A copy of bench/demo_cache.py's N-case store in ``workdir`` (copied once), its configuration in ``env``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from demo_cache import CACHE, demo_store

    into = workdir / f"cache-{cases}"
    if not (into / "store.db").exists():
        demo_store(cases, into)
        print(f"store {into / 'store.db'}: copied from {CACHE / str(cases)}")
    env.update(WBTUI_CONFIG=str(into / "jc.toml"), WBTUI_KEY_DIR=str(into / "keys"))
    return into / "store.db"


def imported(db: Path, argv: list[str], env: dict, python: str = sys.executable) -> list[str]:
    code = (
        "import sys\nsys.argv = ['wbtui', '--db', sys.argv[1], *sys.argv[2:]]\n"
        "from wbtui.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))), file=sys.stderr)"
    )
    out = subprocess.run([python, "-c", code, str(db), *argv], env=env, capture_output=True, text=True)
    return out.stderr.strip().splitlines()[-1].split() if out.stderr.strip() else []


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, nargs="+", default=[100_000, 10_000])
    ap.add_argument("--store-dir", type=Path, default=Path(tempfile.gettempdir()) / "wbtui-bench")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cache", action="store_true", help="copy bench/demo_cache.py's stores instead of generating")
    ap.add_argument("--before", help="another checkout's Python, measured beside this one in the same run")
    args = ap.parse_args()
    workdir = args.store_dir
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(workdir / "config"),
        WBTUI_DATA_DIR=str(workdir / "data"),
        WBTUI_KEY_DIR=str(workdir / "keys"),
        COLUMNS="80",
    )
    wbtui = [sys.executable, "-m", "wbtui"]
    # bytecode for wbtui's own modules, as an installed wheel has it (Typer's came with its wheel); with
    # PYTHONDONTWRITEBYTECODE set, an editable install would otherwise compile them on every start
    import wbtui as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    before = [args.before, "-m", "wbtui"] if args.before else None
    if args.before:
        where = subprocess.run(
            [args.before, "-c", "import wbtui, pathlib; print(pathlib.Path(wbtui.__file__).parent)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        subprocess.run([args.before, "-m", "compileall", "-q", where], check=True)
        print(f"before: {args.before} (wbtui from {where})")
    typer_import = [sys.executable, "-c", "import typer"]

    base, ours = paired(typer_import, wbtui + ["--help"], env, env, args.runs, before and before + ["--help"])
    print(
        f"\n{'wbtui --help':<44} {ours:7.3f} s   baseline python -c 'import typer' {base:6.3f} s"
        f"   = {ours / base:4.2f}x (goal <= 2.0x) {cpu_note()}{before_note(base)}"
    )

    tw = taskwarrior(workdir)
    if tw is None:
        print(
            "\nTaskwarrior ('task') is not installed: the case list row has no baseline (apt-get install taskwarrior)"
        )
    for cases in args.cases:
        env = dict(env)
        if args.cache:
            store = cached_store(cases, workdir, env)
        else:
            store = workdir / f"demo-{cases}.db"
            build_store(store, cases, env)
        subprocess.run(wbtui + ["--db", str(store), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        old_store = store
        if args.before and args.cache:
            # the code before may know fewer migrations (it refuses a newer store): its own copy of the
            # cached store, migrated by itself
            from demo_cache import CACHE

            old_store = workdir / f"before-{cases}.db"
            if not old_store.exists():
                shutil.copyfile(CACHE / str(cases) / "store.db", old_store)
            subprocess.run(before + ["--db", str(old_store), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        rows = [
            ("case list --limit 20", ["case", "list", "--limit", "20"]),
            ("case list --limit 20 --json", ["case", "list", "--limit", "20", "--json"]),
            ("case show (one case)", ["case", "show", first_kundennummer(store)]),
            ("overdue --limit 50", ["overdue", "--limit", "50"]),
            ("task list", ["task", "list"]),
        ]
        print(f"\n{cases} cases ({store.stat().st_size / 1e6:.0f} MB), median of {args.runs} interleaved runs")
        for label, argv in rows:
            cmd = wbtui + ["--db", str(store), *argv]
            old = before and before + ["--db", str(old_store), *argv]
            if tw is not None:
                base, ours = paired(tw[0], cmd, env, tw[1], args.runs, old)
                versus = f"task list limit:20 ({TASKS} tasks) {base:6.3f} s   = {ours / base:4.2f}x {cpu_note()}"
                if label == "case list --limit 20":
                    versus += " (goal <= 1.5x)"
                versus += before_note(base)
            else:
                ours, versus = statistics.median(wall(cmd, env) for _ in range(args.runs)), "(no baseline)"
            heavy = imported(store, argv, env)
            print(f"  wbtui {label:<36} {ours:7.3f} s   {versus}   imports: {' '.join(heavy) or 'no ORM, no pydantic'}")
            if args.before:
                heavy = imported(old_store, argv, env, args.before)
                print(f"  {'':<44} before imported: {' '.join(heavy) or 'no ORM, no pydantic'}")


if __name__ == "__main__":
    main()
