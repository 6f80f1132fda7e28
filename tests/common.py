"""Shared test data: the fixed day, two office configurations, a complete case, and CLI runners."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 25)  # a Wednesday; fixed so timers and snapshots are deterministic

JC_CONFIG = """\
language = "{lang}"
[office]
name = "Jobcenter Musterstadt"
kind = "jobcenter_ge"
partner_agentur = "Agentur für Arbeit Musterstadt"
[user]
name = "Ida Ifk"
login = "ifk.ida"
role = "jc_ifk"
"""

AA_CONFIG = """\
language = "{lang}"
[office]
name = "Agentur für Arbeit Musterstadt"
kind = "agentur"
[user]
name = "Anton Berater"
login = "aa.anton"
role = "aa_beratung"
"""


def write_config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


COMPLETE_CASE = {
    "kundennummer": "123A456789",
    "family_name": "Beispiel",
    "given_names": "Berta",
    "birth_date": "1985-04-12",
    "phone": "0151 1234567",
    "target_kldb": "52122",
    "target_title": "Berufskraftfahrerin",
    "training_type": "umschulung",
    "schedule": "vollzeit",
    "necessity_reason": "missing_qualification",
}


def run_cli(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real ``wbtui`` entry point in a subprocess (stdout, stderr, exit code as a user sees them)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "wbtui", *args], capture_output=True, text=True, env=full_env, input=input, timeout=120
    )
