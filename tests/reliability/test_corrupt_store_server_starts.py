"""Reliability review 2026-12, area 4 row "Store damaged in six ways" and ranked failure 8: with
a damaged store the server started, stayed up, and answered every query with 503 after the
whole time limit. It must refuse to start instead: a non-zero exit, with the message that names
the damage (the one the query workers log).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from load_support import ROOT

pytestmark = pytest.mark.slow


def _truncate_ssts(store: Path) -> None:
    for sst in store.glob("*.sst"):
        sst.write_bytes(sst.read_bytes()[:100])


def _garbage_manifest(store: Path) -> None:
    for manifest in store.glob("MANIFEST-*"):
        manifest.write_bytes(b"\x00garbage" * 50)


def _flip_bits(store: Path) -> None:
    for sst in store.glob("*.sst"):
        data = bytearray(sst.read_bytes())
        for i in range(64, len(data) - 64, 97):
            data[i] ^= 0xFF
        sst.write_bytes(bytes(data))


def _empty(store: Path) -> None:
    for path in store.iterdir():
        path.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "CURRENT deleted": lambda store: (store / "CURRENT").unlink(),
    "SSTs truncated": _truncate_ssts,
    "MANIFEST garbage": _garbage_manifest,
    "bits flipped in SSTs": _flip_bits,
    "one SST deleted": lambda store: sorted(store.glob("*.sst"))[0].unlink(),
    "store/ empty": _empty,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_store_stops_the_start(server_release: Path, tmp_path: Path, damage: str) -> None:
    release = tmp_path / "release"
    shutil.copytree(server_release, release)
    DAMAGE[damage](release / "store")
    command = [sys.executable, "-m", "cartkg.server", "--release", str(release), "--port", "0"]
    started = time.monotonic()
    # A session of its own, so that a server that does start is stopped with all its processes.
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        _, stderr = server.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.communicate()
        pytest.fail(f"{damage}: the server started on a damaged store and kept running")
    print(f"{damage}: refused in {time.monotonic() - started:.1f} s: {stderr.strip()[-300:]}")
    assert server.returncode != 0
    assert "cannot be served" in stderr and "Traceback" not in stderr
    assert "Listening" not in stderr
