"""The query workers' network sandbox (server/sandbox.py), entered by real child processes:
what the kernel refuses once it is in force."""

from __future__ import annotations

import platform
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cartkg.server.sandbox import Policy, probe

ROOT = Path(__file__).resolve().parents[1]
ENTER = """
import ctypes, errno, socket, sys
from cartkg.server.sandbox import Policy, enter
listener = enter(Policy(tuple(sys.argv[1:])))
libc = ctypes.CDLL(None, use_errno=True)
"""


def child(code: str, *endpoints: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTER + code, *endpoints],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("family", ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"])
def test_only_unix_sockets_without_an_allow_list(family: str) -> None:
    result = child(
        f"""
try:
    socket.socket(socket.{family}, socket.SOCK_DGRAM)
except PermissionError as err:
    print(err.errno == errno.EACCES)
socket.socketpair(socket.AF_UNIX).__len__()
"""
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]


def test_io_uring_and_setns_are_denied() -> None:
    numbers = {"x86_64": (425, 308), "aarch64": (425, 268)}[platform.machine()]
    result = child(
        f"""
for number in {numbers}:
    print(libc.syscall(number, 0, 0, 0), ctypes.get_errno() == errno.EPERM)
"""
    )
    assert result.stdout.split() == ["-1", "True", "-1", "True"], result.stderr


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the x32 ABI is x86_64's")
def test_another_abi_kills_the_worker() -> None:
    result = child("libc.syscall(0x40000000 | 39)\nprint('survived')")  # x32 getpid
    assert result.returncode == -signal.SIGSYS
    assert "survived" not in result.stdout


def test_allow_listed_worker_has_its_own_network() -> None:
    result = child(
        """
print(listener.getsockname())
try:
    socket.create_connection(("192.0.2.1", 80), timeout=5)
except OSError as err:
    print(err.errno == errno.ENETUNREACH)
""",
        "http://example.org/sparql",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["('127.0.0.1', 80)", "True"]


def test_probe_finds_the_sandbox_in_force_here() -> None:
    assert probe(Policy()) is None
    assert probe(Policy(("http://example.org/sparql",))) is None
    assert probe(Policy(enforce=False)) is None
