"""ruff (lint and formatting) and mypy --strict pass on the project's code, as CI requires."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from cartkg.paths import project_root

ROOT = project_root()

pytestmark = pytest.mark.skipif(
    ROOT.name == "_project", reason="code checks need a source checkout, not an installed wheel"
)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.skipif(
    shutil.which("ruff") is None, reason="ruff is in the test extra: pip install -e '.[test]'"
)
def test_ruff_lint() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("ruff") is None, reason="ruff is in the test extra: pip install -e '.[test]'"
)
def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
