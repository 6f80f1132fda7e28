"""A terminal that goes away never leaves wbtui behind (issue 14, point 8): the real process in a
pseudo-terminal, hung up at random moments of its start and of loading the board; it must be gone within a
second and the store's session lock free. The 100,000-case variant with 50 runs is bench/bench_hangup.py."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from tui_helpers import build_store

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_hangup.py"


def bench():
    spec = importlib.util.spec_from_file_location("bench_hangup", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_hang_up_at_random_moments_ends_the_process_and_frees_the_lock(tmp_path):
    hangup = bench()
    db = build_store(tmp_path, cases=3000)
    env = hangup.environment(tmp_path)
    rng = random.Random(14)
    outcomes = []
    for run in range(10):
        delay = rng.uniform(0.0, 2.5)  # from before the first frame to after the board has loaded
        gone, took, free = hangup.one_run(db, env, delay, close_master=run % 2 == 0)
        outcomes.append((run, round(delay, 2), gone, round(took, 3), free))
    assert all(gone and free for _run, _delay, gone, _took, free in outcomes), outcomes


def test_a_second_session_is_refused_while_the_first_runs_and_welcome_without_a_stale_lock_after_a_hang_up(tmp_path):
    """The lock works while the session lives; after a hang-up the next start gets the store, and the lock
    file no longer names the hung-up process (issue 14: the next start said "nicht ordentlich beendet")."""
    import os
    import signal
    import subprocess
    import time

    hangup = bench()
    db = build_store(tmp_path, cases=50)
    env = hangup.environment(tmp_path)
    master, slave = __import__("pty").openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wbtui", "--db", str(db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=hangup._controlling_terminal,
    )
    os.close(slave)
    try:
        for _ in range(200):  # wait until it holds the lock (the lock file names its process)
            if Path(f"{db}.lock").exists() and Path(f"{db}.lock").read_text().strip() == str(proc.pid):
                break
            hangup._drain_once(master)
            time.sleep(0.05)
        second = subprocess.run(
            [sys.executable, "-m", "wbtui", "--db", str(db)], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 4 and f"Prozess {proc.pid}" in second.stderr
    finally:
        os.killpg(proc.pid, signal.SIGHUP)
        proc.wait(timeout=5)
        os.close(master)
    assert hangup.lock_is_free(db)
    assert Path(f"{db}.lock").read_text().strip() == ""  # released on the hang-up path: no stale process id
