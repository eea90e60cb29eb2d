"""Regression: a killed build left litter (reliability review 2026-12, area 8 row 2, ranked
failure 17). SIGKILL of `cartkg build` left `release.tmp-<pid>` folders that later builds never
removed, `cartkg-reasoner-*` temp folders, and HermiT java processes still running.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cartkg.paths import Layout
from cartkg.release import build

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the OWL reasoner (HermiT) needs Java on PATH"
)

#: `cartkg build`, stopped (to be killed) after the function PAUSE_AFTER of cartkg.release:
#: canonical_quads (the dataset is ready, writing starts), describe (half the artefacts are
#: written); with no PAUSE_AFTER it runs as it is, and the test kills it while HermiT runs.
PAUSING_BUILD = """
import os, sys, time
from pathlib import Path
from cartkg import release
name = os.environ.get("PAUSE_AFTER")
if name:
    real = getattr(release, name)
    def paused(*args, **kwargs):
        result = real(*args, **kwargs)
        Path(os.environ["PAUSED"]).write_text("paused")
        time.sleep(600)
        return result
    setattr(release, name, paused)
from cartkg.cli import main
main(["--project", sys.argv[1], "build", "--release-dir", sys.argv[2]])
"""


def processes() -> dict[int, tuple[int, str, list[str]]]:
    """Every live process: pid -> (parent pid, state, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        found[int(entry.name)] = (int(parent), state, [a.decode(errors="replace") for a in argv])
    return found


def java_of(tmp_path: Path) -> list[int]:
    """The live (not zombie) java processes working on files under `tmp_path`."""
    return [
        pid
        for pid, (_, state, argv) in processes().items()
        if state != "Z" and argv[0].endswith("java") and any(str(tmp_path) in arg for arg in argv)
    ]


def wait_for(condition: object, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def litter(out: Path, release: Path, tmp: Path) -> list[str]:
    """What is left beside the release, other than the release itself (and, if the release
    is a link to a folder in a folder beside it, that folder's lock file)."""
    current = release.resolve()
    found = [str(p) for p in tmp.rglob("cartkg-reasoner-*")]
    for entry in out.iterdir():
        if entry == release:
            continue
        if not entry.is_dir() or entry.is_symlink() or current.parent != entry:
            found.append(str(entry))
            continue
        found += [str(p) for p in entry.iterdir() if p != current and p.name != ".lock"]
    found += [str(p) for p in out.rglob("cartkg-reasoner-*")]
    return sorted(set(found))


@needs_java
def test_a_killed_build_leaves_nothing_behind_after_the_next_build(
    mini_project: Layout, tmp_path: Path
) -> None:
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    release = out / "release"
    build(mini_project, release)
    env = {**os.environ, "TMPDIR": str(tmp), "PAUSED": str(tmp_path / "paused")}
    survivors: list[int] = []
    try:
        for pause in ("", "canonical_quads", "describe"):
            (tmp_path / "paused").unlink(missing_ok=True)
            process = subprocess.Popen(
                [sys.executable, "-c", PAUSING_BUILD, str(mini_project.root), str(release)],
                env={**env, "PAUSE_AFTER": pause},
            )
            if pause:
                wait_for((tmp_path / "paused").exists, f"the build to reach {pause}")
            else:
                wait_for(
                    lambda build_pid=process.pid: any(
                        parent == build_pid and argv[0].endswith("java")
                        for parent, _, argv in processes().values()
                    ),
                    "HermiT to start",
                )
            process.send_signal(signal.SIGKILL)
            process.wait()
            time.sleep(0.25)  # enough for the kernel to kill a child that dies with its parent
            survivors += java_of(tmp_path)
        build(mini_project, release)
        left = litter(out, release, tmp)
    finally:
        for pid in java_of(tmp_path):
            os.kill(pid, signal.SIGKILL)
    assert not survivors and not left, (
        f"java processes that outlived the killed builds: {survivors}; left behind: {left}"
    )


@needs_java
def test_the_folders_that_earlier_builds_left_when_killed_are_removed(
    mini_project: Layout, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    release = out / "release"
    build(mini_project, release)
    gone = subprocess.Popen(["true"])
    gone.wait()
    for name in (
        f"release.tmp-{gone.pid}",
        f"release.old-{gone.pid}",
        f"release.tmp-{os.getpid()}",
    ):
        (out / name / "store").mkdir(parents=True)
    build(mini_project, release)
    # a live process's folder may be a build still running
    assert litter(out, release, tmp_path / "tmp") == [str(out / f"release.tmp-{os.getpid()}")]
