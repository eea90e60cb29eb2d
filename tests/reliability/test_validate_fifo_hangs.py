"""Regression test for the reliability review 2026-12
(`../shared/reviews/2026-12-reliability-review.md`), area 7 row "A FIFO named directly" and
ranked failure 19: `cartkg validate x.ttl`, where x.ttl is a FIFO, hung (killed after 60 s)
because any path that exists was opened and read.

Only regular files are read: a FIFO, a device or a socket is exit 2 with a message naming it,
whether named, found in a folder, or reached through a followed link.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"
CARTKG = Path(sys.executable).with_name("cartkg")
#: Far longer than a run takes (about 0.3 s); a hang is a timeout.
TIMEOUT = 30


def validate(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    options = ["--shapes", FIXTURES / "shapes.ttl", "--ontology", FIXTURES / "ontology.ttl"]
    return subprocess.run(
        [str(CARTKG), "validate", *options, "--no-reasoner", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_fifo_named_directly_exits_2_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "data.ttl"
    os.mkfifo(fifo)
    run = validate(fifo, "--format", "github", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"{fifo}: not a regular file (a FIFO)" in run.stderr
    assert "::error file=data.ttl,title=cartkg could not run::not a regular file" in run.stdout


def test_fifo_in_a_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "good.ttl").write_bytes((FIXTURES / "good.ttl").read_bytes())
    os.mkfifo(tmp_path / "data" / "pipe.nt")
    run = validate("data", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "data/pipe.nt: not a regular file (a FIFO)" in run.stderr


def test_socket_named_directly_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "s.ttl"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        run = validate(path, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"{path}: not a regular file (a socket)" in run.stderr


@pytest.mark.parametrize("device", ["/dev/null", "/dev/tty"])
def test_followed_link_to_a_device_exits_2(tmp_path: Path, device: str) -> None:
    """/dev/null reads as an empty file (a silent "passed"); /dev/tty waits for the terminal."""
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    (tmp_path / "device.ttl").symlink_to(device)
    run = validate("--follow-symlinks", "device.ttl", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "device.ttl: not a regular file (a character device)" in run.stderr
