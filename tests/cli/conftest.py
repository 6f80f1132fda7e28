"""The CLI tests' offices: the environment of a run as the Jobcenter or the Agentur (German), with or
without a store made beforehand (commands that do not create need one: README "Where things live")."""

from __future__ import annotations

import pytest

from common import AA_CONFIG, JC_CONFIG, config_env, make_store


@pytest.fixture
def jc_env(tmp_path):
    return config_env(tmp_path, JC_CONFIG, "jc.toml")


@pytest.fixture
def aa_env(tmp_path):
    return config_env(tmp_path, AA_CONFIG, "aa.toml")


@pytest.fixture
def jc_store_env(tmp_path, jc_env):
    make_store(tmp_path)
    return jc_env
