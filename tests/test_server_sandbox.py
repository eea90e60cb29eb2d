"""The query workers' network sandbox (cartkg/server/sandbox.py), entered by real child processes:
what the kernel refuses once it is in force."""

from __future__ import annotations

import platform
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cartkg.server.sandbox import DENIED, Policy, probe

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


@pytest.mark.parametrize("name", sorted(DENIED["x86_64"]))
def test_other_ways_to_a_network_are_denied(name: str) -> None:
    number = DENIED[platform.machine()][name]
    result = child(f"print(libc.syscall({number}, 0, 0, 0), ctypes.get_errno() == errno.EPERM)")
    assert result.stdout.split() == ["-1", "True"], result.stderr


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


def _deny_unshare() -> None:
    """In the server's child process, before exec: a seccomp filter of the test's own that
    makes unshare() fail, as on a kernel without user or network namespaces."""
    import ctypes
    import errno
    import struct

    rows = [(0x20, 0, 0, 0), (0x15, 0, 1, 272), (0x06, 0, 0, 0x50000 | errno.EPERM)]
    rows.append((0x06, 0, 0, 0x7FFF0000))
    code = b"".join(struct.pack("HBBI", *row) for row in rows)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = struct.pack("HxxxxxxP", len(rows), ctypes.addressof(buffer))
    libc = ctypes.CDLL(None)
    assert libc.prctl(38, 1, 0, 0, 0) == 0
    assert libc.prctl(22, 2, ctypes.c_char_p(prog), 0, 0) == 0


@pytest.mark.skipif(platform.machine() != "x86_64", reason="unshare is syscall 272 on x86_64")
def test_server_refuses_to_start_where_the_sandbox_cannot_hold(server_release: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "server"))
    from server_support import free_port, stop_server

    port = free_port()
    command = [sys.executable, "-m", "cartkg.server", "--release", str(server_release)]
    command += ["--port", str(port), "--allow-service", "http://example.org/sparql"]
    command += ["--workers", "1", "--threads", "1"]
    refused = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=_deny_unshare
    )
    assert refused.returncode != 0
    assert "network sandbox cannot be enforced" in refused.stderr
    assert "--no-sandbox" in refused.stderr
    process = subprocess.Popen(
        [*command, "--no-sandbox"], cwd=ROOT, stderr=subprocess.DEVNULL, preexec_fn=_deny_unshare
    )
    try:
        assert _healthy(f"http://127.0.0.1:{port}/health"), "the server did not start"
    finally:
        stop_server(process)


def _healthy(url: str) -> bool:
    import time
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            time.sleep(0.3)
    return False
