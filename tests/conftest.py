"""Shared fixtures. `mini_project` is a small, complete cartkg project of invented facts
(tests/fixtures/mini): ontology, shapes, curated data and two source documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cartkg.paths import Layout, layout
from cartkg.release import build

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


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
