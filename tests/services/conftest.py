"""The offices of the file exchange tests: a Jobcenter and an Agentur, each with its own store."""

from __future__ import annotations

import pytest

from common import two_offices


@pytest.fixture
def offices(tmp_path):
    return two_offices(tmp_path)
