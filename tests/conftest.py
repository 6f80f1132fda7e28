"""Shared fixtures: every test gets its own data dir, config file and store."""

from __future__ import annotations

import os

import pytest

# A catalog text that cannot be rendered (unknown key, missing placeholder, bad format spec) fails the
# test instead of showing raw text as it would in production (wbtui.i18n); subprocesses inherit it.
os.environ["WBTUI_I18N_STRICT"] = "1"

from common import AA_CONFIG, JC_CONFIG, TODAY, write_config

# The longest tests, longest first (seconds on an idle 2-core machine in brackets). They start first, one per
# worker in turn (xdist hands out the first quarter of the run round-robin in collection order), so none of them
# begins near the end and holds the whole parallel run back; they are also marked ``slow``.
LONGEST = (
    "tests/sync/test_sync_scope_model.py::",  # (40) Hypothesis machine, three devices
    "tests/tui/test_tui_walk.py::test_full_process_by_keyboard",  # (50) the whole process by keyboard
    "tests/cli/test_tour.py::",  # (25) the README tour as subprocesses
    "tests/tui/test_hangup.py::",  # (20) SIGHUP at random moments in a pty
    "tests/tui/test_tui_walk.py::",  # (20)
    "tests/sync/test_snapshot_bootstrap.py::",  # (10-18 each)
    "tests/sync/test_sync_model.py::",
    "tests/arch/test_contracts.py::",  # mypy over the package
    "tests/sync/test_sync_compaction.py::",
    "tests/server/test_authz_matrix.py::",
    "tests/server/test_concurrency_workers.py::",  # serve --workers 4, both databases
    "tests/tui/test_tui_file_channel.py::",
    "tests/server/test_sync_server.py::test_T16",
    "tests/server/test_adversarial_model.py::",
)


def _rank(nodeid: str) -> int:
    for rank, prefix in enumerate(LONGEST):
        if nodeid.startswith(prefix):
            return rank
    return len(LONGEST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: _rank(item.nodeid))  # stable: the rest keeps its order
    for item in items:
        if _rank(item.nodeid) < len(LONGEST):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Point every wbtui path into the test's tmp dir; German, fixed locale."""
    data = tmp_path / "data"
    monkeypatch.setenv("WBTUI_DATA_DIR", str(data))
    monkeypatch.setenv("WBTUI_LOG_DIR", str(tmp_path / "logs"))
    # no WBTUI_CONFIG (a named file must exist): the default place, inside the test's dir, holds no file
    monkeypatch.delenv("WBTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("WBTUI_KEY_DIR", raising=False)
    monkeypatch.delenv("WBTUI_DB", raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("TZ", "UTC")
    from wbtui.i18n import set_language

    set_language("de")
    yield tmp_path
    set_language("de")


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


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request, tmp_path):
    """The real sync server over HTTP on loopback, once on SQLite and once on PostgreSQL."""
    from server_helpers import pg_database, running_server

    if request.param == "sqlite":
        with running_server(f"sqlite:///{tmp_path / 'server.db'}") as srv:
            yield srv
    else:
        with pg_database() as url, running_server(url) as srv:
            yield srv
