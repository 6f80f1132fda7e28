"""Shared fixtures: every test gets its own data dir, config file and store."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

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


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Point every wbtui path into the test's tmp dir; German, fixed locale."""
    data = tmp_path / "data"
    monkeypatch.setenv("WBTUI_DATA_DIR", str(data))
    monkeypatch.setenv("WBTUI_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("WBTUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("WBTUI_DB", raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("TZ", "UTC")
    from wbtui.i18n import set_language

    set_language("de")
    yield tmp_path
    set_language("de")


def write_config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def jc_config(tmp_path):
    from wbtui.config import load

    return load(write_config(tmp_path, JC_CONFIG.format(lang="de"), "jc.toml"))


@pytest.fixture
def aa_config(tmp_path):
    from wbtui.config import load

    return load(write_config(tmp_path, AA_CONFIG.format(lang="de"), "aa.toml"))


@pytest.fixture
def store(tmp_path):
    from wbtui.data.store import open_store

    s = open_store(tmp_path / "data" / "wbtui.db")
    yield s
    s.close()


@pytest.fixture
def jc(store, jc_config):
    from wbtui.services import Services

    return Services(store, jc_config, today=TODAY)


@pytest.fixture
def aa(store, aa_config):
    from wbtui.services import Services

    return Services(store, aa_config, today=TODAY)


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
