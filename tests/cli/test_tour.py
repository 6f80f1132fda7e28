"""The README's CLI tour runs as written (issue 14, point 11): in bash, in an empty folder, with ``wbtui`` on
the PATH, acting as the Jobcenter and, through a second configuration, as the Agentur. The block is read
from the README itself, so the two cannot drift apart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_tour() -> str:
    """The first bash block of the README's "CLI tour" section, as a user copies it."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## CLI tour") :]
    return section[section.index("```bash\n") + len("```bash\n") : section.index("\n```\n")] + "\n"


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path):
    bin_dir = Path(sys.executable).parent
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WBTUI_") or key == "WBTUI_I18N_STRICT"  # a new user's shell
    }
    env.update(HOME=str(tmp_path), PATH=f"{bin_dir}:{env['PATH']}", LC_ALL="C.UTF-8")
    script = "set -euo pipefail\n" + readme_tour()
    res = subprocess.run(
        ["bash", "--norc", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, (res.stdout[-3000:], res.stderr[-3000:])
    out = res.stdout
    assert "Offene Hemmnisse: Kinderbetreuung nicht gesichert (R-KIN)" in res.stderr  # the refused send said why
    assert "S8 Maßnahme bewilligt" in out and "Weiter wie geplant" in out
    assert "Übergabe als Fall" in out  # imported at the Agentur
    assert (tmp_path / "wbtui-tour" / "uebergabebogen.pdf").stat().st_size > 1000
