"""Shared fixtures. `mini_project` is a small, complete cartkg project of invented facts
(tests/fixtures/mini): ontology, shapes, curated data and two source documents."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cartkg.paths import Layout, layout, project_root
from cartkg.release import build

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
SERVER_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "server"
#: The source documents, competency questions and W3C suites; without them ~930 tests skip.
SHARED = project_root().parent / "shared"


#: What the tests need beyond the Python packages, which `.ci/run` installs; without one of them,
#: its tests skip with a reason on a developer's machine.
PREREQUISITES = {
    "java": "the OWL reasoner (HermiT)",
    "chromium": "the page tests (headless Chromium)",
    "chromedriver": "the page tests (selenium)",
    "dot": "the data-model picture (graphviz)",
    "npm": "the Comunica client test",
}


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI a missing prerequisite fails the run at once, instead of its tests skipping and
    the run passing."""
    if os.environ.get("CI") != "true":
        return
    missing = (
        [f"{SHARED}/sources (the source documents)"] if not (SHARED / "sources").is_dir() else []
    )
    missing += [
        f"`{tool}` ({why})" for tool, why in PREREQUISITES.items() if not shutil.which(tool)
    ]
    if missing:
        pytest.exit(f"CI=true, but missing: {'; '.join(missing)}", returncode=1)


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


@pytest.fixture(scope="module")
def project_endpoint(project_release: Path) -> Iterator[str]:
    """A real server (`python -m cartkg.server`) on the project's release and canned queries,
    one per test module that asks; its base URL."""
    sys.path.insert(0, str(SERVER_FIXTURES))
    from server_support import start_server, stop_server

    queries = str(layout().queries)
    process, url = start_server(project_release, "--queries", queries, "--workers", "1")
    yield url
    stop_server(process)


@pytest.fixture(scope="session")
def server_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The endpoint tests' release of invented facts (fixtures/server/kg.trig), built once.
    Read it only."""
    sys.path.insert(0, str(SERVER_FIXTURES))
    from server_support import build_release

    return build_release(tmp_path_factory.mktemp("server") / "release")
