"""Demo stores for the sync benchmarks, generated once and reused (large stores take minutes to write).

``demo_store(N, into)`` copies a cached N-case Jobcenter store (``wbtui demo``'s generator, seed 3, the
tests' fixed day) into ``into`` with its key directory and returns its path; the cache lives in
``$WBTUI_BENCH_CACHE`` (default ``/tmp/wbtui-bench-cache``). ``python bench/demo_cache.py N`` fills it
and prints how long the generation took.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

CACHE = Path(os.environ.get("WBTUI_BENCH_CACHE", "/tmp/wbtui-bench-cache"))


def _generate(cases: int, target: Path) -> float:
    """Write a fresh N-case store into ``target`` (its data and key directories); returns seconds taken."""
    from common import JC_CONFIG, TODAY
    from wbtui.config import load
    from wbtui.data.store import open_store
    from wbtui.services import Services, demo

    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = target / "keys"
    os.environ["WBTUI_KEY_DIR"] = str(keys)
    cfg = target / "jc.toml"
    cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
    t0 = time.perf_counter()
    store = open_store(target / "store.db")
    Services(store, load(cfg), today=TODAY).actor  # noqa: B018  (pins the office and user)
    con = store.raw(readonly=False)
    demo.generate(con, cases, seed=3, today=TODAY, home_login="ifk.ida")
    con.close()
    store.close()
    return time.perf_counter() - t0


def demo_store(cases: int, into: Path) -> Path:
    """A copy of the cached N-case store in ``into`` (``WBTUI_KEY_DIR`` set to its key directory)."""
    source = CACHE / str(cases)
    if not (source / "done").exists():
        shutil.rmtree(source, ignore_errors=True)
        seconds = _generate(cases, source)
        (source / "done").write_text(f"{seconds:.1f}\n")
        print(f"   (generated the {cases}-case demo store once in {seconds:.1f} s, cached in {source})")
    into.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in ("store.db", "jc.toml"):
        shutil.copy2(source / name, into / name)
    shutil.copytree(source / "keys", into / "keys", dirs_exist_ok=True)
    os.environ["WBTUI_KEY_DIR"] = str(into / "keys")
    return into / "store.db"


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        n = int(arg)
        out = CACHE / str(n)
        if (out / "done").exists():
            print(f"{n}: cached ({(out / 'done').read_text().strip()} s to generate)")
            continue
        shutil.rmtree(out, ignore_errors=True)
        s = _generate(n, out)
        (out / "done").write_text(f"{s:.1f}\n")
        print(f"{n}: generated in {s:.1f} s")
