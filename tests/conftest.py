"""Shared fixtures. `mini_project` is a small, complete cartkg project of invented facts
(tests/fixtures/mini): ontology, shapes, curated data and two source documents."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from cartkg.paths import Layout, layout
from cartkg.release import build

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
SERVER_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "server"


@pytest.fixture
def mini_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    """A private copy of the mini project (project/ beside shared/sources/), free to break."""
    monkeypatch.delenv("CARTKG_SOURCES", raising=False)
    monkeypatch.delenv("CARTKG_RELEASE", raising=False)
    shutil.copytree(MINI, tmp_path / "mini")
    return Layout(tmp_path / "mini" / "project")


@pytest.fixture(scope="session")
def project_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the project's own curated data, built once per session. Read it only."""
    folder = tmp_path_factory.mktemp("project") / "release"
    build(layout(), folder)
    return folder


@pytest.fixture(scope="session")
def server_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The endpoint tests' release of invented facts (fixtures/server/kg.trig), built once.
    Read it only."""
    sys.path.insert(0, str(SERVER_FIXTURES))
    from server_support import build_release

    return build_release(tmp_path_factory.mktemp("server") / "release")
