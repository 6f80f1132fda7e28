"""A terminal that goes away never leaves wbtui behind (README "Data protection": one session per store).

Starts the real ``wbtui`` in a pseudo-terminal, hangs the terminal up at a random moment (during start,
while the store opens, while the board's 100,000-row query runs, after the first paint) and checks that
the process is gone within a second and that the store's session lock is free again.

Two ways of going away, alternating: the terminal's master side is closed (a terminal window or tmux
pane killed, an SSH connection dropped: the kernel sends SIGHUP and reads hit end-of-file), or SIGHUP is
sent to the process group without closing the terminal.

Usage:  python bench/bench_hangup.py [--store PATH] [--cases 100000] [--runs 50] [--max-delay 4.0]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import random
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CONFIG = """\
language = "de"
[office]
name = "Jobcenter Musterstadt"
kind = "jobcenter_ge"
partner_agentur = "Agentur für Arbeit Musterstadt"
[user]
name = "Ida Ifk"
login = "ifk.ida"
role = "jc_ifk"
"""


def make_store(folder: Path, cases: int) -> Path:
    db = folder / "wbtui.db"
    env = environment(folder)
    subprocess.run(
        [sys.executable, "-m", "wbtui", "--db", str(db), "demo", "--cases", str(cases), "--if-empty"],
        env=env,
        check=True,
        capture_output=True,
    )
    return db


def environment(folder: Path) -> dict:
    config = folder / "config.toml"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        WBTUI_CONFIG=str(config),
        WBTUI_DATA_DIR=str(folder / "data"),
        WBTUI_LOG_DIR=str(folder / "log"),
        TERM="xterm-256color",
        COLUMNS="80",
        LINES="24",
    )
    return env


def lock_is_free(db: Path) -> bool:
    path = Path(f"{db}.lock")
    if not path.exists():
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _controlling_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pty on stdin, so that closing the
    terminal's master side sends SIGHUP, as it does for a program started in a terminal window."""
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _drain(master: int, stop: threading.Event) -> None:
    """Read what the app writes, as a terminal would (a full pty would block the app's writer)."""
    while not stop.is_set():
        try:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready and not os.read(master, 65536):
                return
        except OSError:
            return


def _drain_once(master: int) -> None:
    """Read what is waiting on the terminal (a test that watches the app without a reader thread)."""
    try:
        while select.select([master], [], [], 0)[0]:
            if not os.read(master, 65536):
                return
    except OSError:
        return


def one_run(db: Path, env: dict, delay: float, close_master: bool, grace: float = 1.0) -> tuple[bool, float, bool]:
    """Start wbtui, hang up after ``delay`` seconds; (gone in time, seconds to exit, lock free)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, __import__("termios").TIOCSWINSZ, b"\x18\x00\x50\x00\x00\x00\x00\x00")  # 24x80
    proc = subprocess.Popen(
        [sys.executable, "-m", "wbtui", "--db", str(db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=_controlling_terminal,  # its own session with the pty as controlling terminal, as in a shell
        close_fds=True,
    )
    os.close(slave)
    stop = threading.Event()
    reader = threading.Thread(target=_drain, args=(master, stop), daemon=True)
    reader.start()
    time.sleep(delay)
    started = time.monotonic()
    if close_master:
        stop.set()
        reader.join()
        os.close(master)  # the terminal is gone: SIGHUP to the session, end-of-file on reads
    else:
        try:
            os.killpg(proc.pid, signal.SIGHUP)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace)
        gone, took = True, time.monotonic() - started
    except subprocess.TimeoutExpired:
        gone, took = False, grace
        proc.kill()
        proc.wait()
    if not close_master:
        stop.set()
        reader.join()
        os.close(master)
    return gone, took, lock_is_free(db)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", help="an existing store (default: a new demo store in a temporary folder)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--max-delay", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = environment(folder)
        db = Path(args.store) if args.store else make_store(folder, args.cases)
        failures = 0
        times = []
        for run in range(args.runs):
            delay = rng.uniform(0.0, args.max_delay)
            close_master = run % 2 == 0
            gone, took, free = one_run(db, env, delay, close_master)
            times.append(took)
            ok = gone and free
            failures += not ok
            how = "terminal closed" if close_master else "SIGHUP"
            print(f"run {run + 1:3}: {how:15} after {delay:4.2f} s -> exit {took:5.3f} s, lock free: {free}, {ok}")
        times.sort()
        print(
            f"{args.runs} runs, {failures} left a process or the lock behind; exit time median {times[len(times) // 2]:.3f} s, max {times[-1]:.3f} s"
        )
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
