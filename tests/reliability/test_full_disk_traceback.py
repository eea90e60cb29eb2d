"""Regression: a full disk gave a traceback and exit 1 (reliability review 2026-12, area 8 row 6,
ranked failure 11). The OSError from the release writer ("No space left on device") escaped
`cartkg build` as a 12-35 line traceback with exit status 1, which the CLI documents as "the data
breaks a rule"; it must be a message naming what could not be written, exit 2 ("could not run"),
with the previous release intact.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cartkg.paths import Layout
from cartkg.release import build
from cartkg.store import open_store

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the OWL reasoner (HermiT) needs Java on PATH"
)


def snapshot(release: Path) -> dict[str, str]:
    folder = release.resolve()
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "store" not in p.relative_to(folder).parts
    }


def still_served(release: Path) -> int:
    store = open_store(release)
    quads = len(store)
    del store
    gc.collect()  # its files closed, so that the disk can be unmounted
    return quads


def leftovers(release: Path) -> list[str]:
    """Entries beside the release other than the release (and the folder of versions that it
    links into, holding only it and a lock file)."""
    current = release.resolve()
    found = []
    for entry in release.parent.iterdir():
        if entry == release or entry.name == "filler":
            continue
        if entry != current.parent:
            found.append(entry.name)
            continue
        found += [f"{entry.name}/{p.name}" for p in entry.iterdir() if p.name != ".lock"]
        found.remove(f"{entry.name}/{current.name}")
    return found


def cartkg_build(
    project: Layout, release: Path, **options: object
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cartkg.cli", "--project", str(project.root)]
    return subprocess.run(
        [*command, "build", "--release-dir", str(release)],
        capture_output=True,
        text=True,
        timeout=300,
        **options,  # type: ignore[call-overload]
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs: a disk that really fills up. Mounting needs root (CI runs as root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        reason = f"cannot mount a tmpfs here: {mount.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield disk
    finally:
        gc.collect()
        if subprocess.run(["umount", str(disk)]).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk until at most `leave` bytes are free."""
    with open(disk / "filler", "wb") as filler:
        block = b"\0" * 65536
        while True:
            stat = os.statvfs(disk)
            free = stat.f_bavail * stat.f_frsize
            if free <= leave:
                return
            try:
                filler.write(block[: max(4096, min(len(block), free - leave))])
                filler.flush()
            except OSError as err:
                assert err.errno == errno.ENOSPC
                return


@needs_java
@pytest.mark.parametrize("leave", [0, 256 << 10], ids=["full", "256 KB free"])
def test_a_full_disk_is_a_message_and_exit_2_and_the_release_stays(
    mini_project: Layout, small_disk: Path, leave: int
) -> None:
    release = small_disk / "release"
    build(mini_project, release)
    before, quads = snapshot(release), still_served(release)
    fill(small_disk, leave)
    run = cartkg_build(mini_project, release)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) <= 3, run.stderr
    assert run.stderr.startswith("cartkg: ") and "No space left on device" in run.stderr
    assert str(small_disk) in run.stderr  # names what could not be written
    assert snapshot(release) == before
    assert still_served(release) == quads
    assert leftovers(release) == []


def limit_file_size() -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (48 << 10, 48 << 10))


@needs_java
def test_a_file_size_limit_is_a_message_and_exit_2_and_the_release_stays(
    mini_project: Layout, tmp_path: Path
) -> None:
    release = tmp_path / "out" / "release"
    build(mini_project, release)
    before, quads = snapshot(release), still_served(release)
    run = cartkg_build(mini_project, release, preexec_fn=limit_file_size)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) <= 3, run.stderr
    assert "File too large" in run.stderr and str(tmp_path / "out") in run.stderr
    assert snapshot(release) == before
    assert still_served(release) == quads
    assert leftovers(release) == []
