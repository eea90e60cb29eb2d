"""Clients that no one here wrote, installed from this folder's own files on first use:
grlc (PyPI, in a venv of its own: it pins Flask, rdflib and requests) and Comunica (npm).

Each is installed once per checkout and kept (`.venv-grlc/`, `node_modules/`, both ignored by
git). Where it cannot be installed, a test that needs it is skipped with the reason; in CI
(`CI=true`) it fails instead, since there a missing client means a missing install step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GRLC_VENV = HERE / ".venv-grlc"
COMUNICA = HERE / "node_modules" / ".bin" / "comunica-sparql"


def unavailable(what: str, why: str) -> None:
    message = f"{what} could not be installed here ({why})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def grlc_python() -> Path:
    """The Python of a venv that has grlc, made from grlc-requirements.txt when missing."""
    python = GRLC_VENV / "bin" / "python"
    if not python.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(GRLC_VENV)], check=True)
            requirements = HERE / "grlc-requirements.txt"
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "-r", str(requirements)],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as err:
            shutil.rmtree(GRLC_VENV, ignore_errors=True)
            unavailable("grlc", str(err))
    return python


def comunica_sparql() -> Path:
    """comunica-sparql, installed by `npm ci` from package-lock.json when missing."""
    if not COMUNICA.exists():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("Comunica", "npm is not on PATH")
        try:
            subprocess.run(
                [str(npm), "ci", "--no-audit", "--no-fund"],
                cwd=HERE,
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as err:
            unavailable("Comunica", str(err))
    return COMUNICA
