"""Reliability review 2026-12 (`../shared/reviews/2026-12-reliability-review.md`), area 8 "Build
faults": the row that held and had no test keeps one here. A real `cartkg build` of the mini
project in a child process, SIGKILLed at points through the build; the previous release must be
intact each time (every artefact's hash, and the store opening with the same quads) and served.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from cartkg.paths import Layout
from cartkg.release import build

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app
from test_killed_build_leaves_litter import PAUSING_BUILD, java_of, needs_java

#: Seconds after the start, and functions of cartkg.release after which the build is held
#: (the dataset ready and writing about to start; half the artefacts written).
KILL_AT: list[float | str] = [0.5, 1.5, 3.0, "canonical_quads", "describe"]


def artefacts(release: Path) -> dict[str, str]:
    """sha256 of every file of the release except the store's (which RocksDB rewrites)."""
    return {
        str(p.relative_to(release)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(release.rglob("*"))
        if p.is_file() and "store" not in p.relative_to(release).parts
    }


def quads(release: Path) -> int:
    return len(ox.Store.read_only(str(release / "store")))


@needs_java
def test_a_killed_build_leaves_the_previous_release_intact_and_served(
    mini_project: Layout, tmp_path: Path
) -> None:
    """Row "SIGKILL `cartkg build` after 0.5, 1, 2, 3, 3.6, 4.0, 4.3, 4.6, 5.0 s" (PASS),
    sampled: killed at 0.5, 1.5 and 3 s and at two points of the writing, the previous release
    is intact every time (hashes, the store's quads) and served."""
    release = tmp_path / "out" / "release"
    build(mini_project, release)
    hashes, count = artefacts(release), quads(release)
    paused = tmp_path / "paused"
    env = {**os.environ, "PAUSED": str(paused), "TMPDIR": str(tmp_path)}
    try:
        for point in KILL_AT:
            paused.unlink(missing_ok=True)
            pause = point if isinstance(point, str) else ""
            process = subprocess.Popen(
                [sys.executable, "-c", PAUSING_BUILD, str(mini_project.root), str(release)],
                env={**env, "PAUSE_AFTER": pause},
            )
            if isinstance(point, str):
                deadline = time.monotonic() + 120
                while not paused.exists():
                    assert process.poll() is None and time.monotonic() < deadline, point
                    time.sleep(0.01)
            else:
                time.sleep(point)
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert artefacts(release) == hashes, f"killed at {point}"
            assert quads(release) == count, f"killed at {point}"
    finally:
        for pid in java_of(tmp_path):  # HermiT of a killed build, if it outlived it
            os.kill(pid, signal.SIGKILL)
    app = make_app(release, pool_size=1)
    try:
        response = app.test_client().get(
            "/sparql", query_string={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        )  # fmt: skip
        assert response.status_code == 200 and response.json["boolean"] is True
    finally:
        close_app(app)
