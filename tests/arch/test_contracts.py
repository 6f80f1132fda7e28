"""The layer contracts (import-linter), the style rules (ruff) and the type checker (mypy) hold on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_layer_contracts_hold():
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:]


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout[-4000:]
    formatted = _run(str(BIN / "ruff"), "format", "--check", "src", "tests", "bench")
    assert formatted.returncode == 0, formatted.stdout[-4000:]


def test_the_type_checker_finds_nothing():
    """mypy as configured in pyproject.toml (strict for the domain, the protocol and the clocks)."""
    result = _run(str(BIN / "mypy"), "--no-incremental")
    assert result.returncode == 0, result.stdout[-4000:]
