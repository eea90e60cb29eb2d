"""Regression: `cartkg serve` rebuilt over a broken `--release-dir` (reliability review 2026-12,
area 4 last row, ranked failure 18). With `store` a file instead of a folder, serve printed
"no release ... building it first" and replaced what the operator pointed at with a fresh build
of the local project. Only a path with nothing at it may be built; anything else that is not a
release must be refused, naming the path, with exit status 2.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cartkg.paths import Layout


def store_is_a_file(path: Path) -> None:
    path.mkdir()
    (path / "manifest.json").write_text("{}")
    (path / "store").write_text("not a store")


def a_file(path: Path) -> None:
    path.write_text("an operator's file")


def a_folder_without_a_store(path: Path) -> None:
    path.mkdir()
    (path / "notes.txt").write_text("an operator's notes")


def a_dangling_link(path: Path) -> None:
    path.symlink_to(path.with_name("gone"))


BROKEN: dict[str, Callable[[Path], None]] = {
    "store is a file": store_is_a_file,
    "a file": a_file,
    "a folder without store/": a_folder_without_a_store,
    "a dangling symlink": a_dangling_link,
}


def state(path: Path) -> list[tuple[str, bytes]]:
    """What is at and beside `path` (names, and the bytes of files and link targets)."""
    found = []
    for entry in sorted(path.parent.rglob("*")):
        if entry.is_symlink():
            found.append((str(entry), os.readlink(entry).encode()))
        elif entry.is_file():
            found.append((str(entry), entry.read_bytes()))
        else:
            found.append((str(entry), b""))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("case", BROKEN)
def test_serve_refuses_a_release_dir_that_is_not_a_release(
    case: str, mini_project: Layout, tmp_path: Path
) -> None:
    target = tmp_path / "operator" / "release"
    target.parent.mkdir()
    BROKEN[case](target)
    before = state(target)
    command = [sys.executable, "-m", "cartkg.cli", "--project", str(mini_project.root), "serve"]
    command += ["--release-dir", str(target), "--port", str(free_port()), "--workers", "1"]
    errors = tmp_path / "stderr"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        # the code before the fix builds, then serves: it never exits by itself
        while process.poll() is None and time.monotonic() < deadline:
            if "building it first" in errors.read_text():
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    message = errors.read_text()
    assert process.returncode == 2, message
    assert str(target) in message, message
    assert "Traceback" not in message and "building" not in message, message
    assert state(target) == before
