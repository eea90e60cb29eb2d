"""The query workers' network sandbox, enforced by the kernel rather than by reading queries.

pyoxigraph runs SERVICE clauses by itself, over HTTP, so a query the safety scan misreads (and
two grammars always disagree somewhere) would make the server fetch any URL and hand back the
answer. The scan (`safety.py`) is only the friendly first refusal; this module makes the
refusal hold whatever the scan thinks:

* Always, before a worker reads its first job, a seccomp filter makes `socket()` fail with
  EACCES for every address family but AF_UNIX (the worker's own socket pair), and denies the
  other ways to a network (`DENIED`: io_uring, setns, ptrace and the like). Syscalls of
  another ABI (x32, i386 on x86_64) kill the worker, so the filter cannot be stepped around.
* With a SERVICE allow-list, the worker first moves to a network namespace of its own, in
  which only `lo` exists, so AF_INET is allowed as well but reaches nothing but that namespace.
  There it listens on 127.0.0.1:RELAY_PORT and hands the listening socket to the server
  (SCM_RIGHTS); the server relays `/N` to allow-listed endpoint N from its own namespace
  (`relay.py`), and the worker rewrites `SERVICE <allowed>` to that address.

Where the kernel offers neither, `probe()` says why and the server refuses to start, unless
the operator asked for `--no-sandbox`.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass

#: The port the relay listens on inside each worker's own network namespace.
RELAY_PORT = 80
RELAY_URL = f"http://127.0.0.1:{RELAY_PORT}/"


@dataclass(frozen=True)
class Policy:
    """What a worker may reach: the allow-listed endpoints, through the relay; or, when
    `enforce` is off (`--no-sandbox`), whatever the scan lets through."""

    endpoints: tuple[str, ...] = ()
    enforce: bool = True


class Unavailable(Exception):
    """The kernel cannot enforce the sandbox here; the message says what is missing."""


# Per architecture: its audit number, and the numbers of socket() and seccomp().
_ARCHES = {
    "x86_64": (0xC000003E, {"socket": 41, "seccomp": 317}),
    "aarch64": (0xC00000B7, {"socket": 198, "seccomp": 277}),
}
#: Ways to network other than a socket of one's own: io_uring opens sockets without socket();
#: setns could join the server's network namespace; ptrace, process_vm_writev and pidfd_getfd
#: could borrow the server's own sockets or make it connect.
DENIED = {
    "x86_64": {"io_uring_setup": 425, "setns": 308, "ptrace": 101, "process_vm_writev": 311,
               "pidfd_getfd": 438},
    "aarch64": {"io_uring_setup": 425, "setns": 268, "ptrace": 117, "process_vm_writev": 271,
                "pidfd_getfd": 438},
}  # fmt: skip
_X32_SYSCALL_BIT = 0x40000000

# Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (little-endian arches only)

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def filter_program(machine: str, families: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """The BPF program as (code, jt, jf, k) rows: socket() only for `families`.

    >>> len(filter_program("x86_64", (socket.AF_UNIX,)))
    22
    >>> try:
    ...     filter_program("riscv64", ())
    ... except Unavailable as err:
    ...     print(err)
    no seccomp filter for riscv64 (only x86_64, aarch64)
    """
    if machine not in _ARCHES:
        raise Unavailable(f"no seccomp filter for {machine} (only {', '.join(_ARCHES)})")
    arch, nr = _ARCHES[machine]
    deny_socket = _RET_ERRNO | errno.EACCES
    deny = _RET_ERRNO | errno.EPERM
    tail: list[tuple[int, int, int, int]] = [(_LD_W_ABS, 0, 0, _ARG0)]
    for i, family in enumerate(families):
        tail.append((_JEQ_K, len(families) - i, 0, family))  # to the ALLOW below
    tail += [(_RET_K, 0, 0, deny_socket), (_RET_K, 0, 0, _RET_ALLOW)]
    head: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, arch),
        (_RET_K, 0, 0, _RET_KILL_PROCESS),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if machine == "x86_64":
        head += [(_JGE_K, 0, 1, _X32_SYSCALL_BIT), (_RET_K, 0, 0, _RET_KILL_PROCESS)]
    for number in DENIED[machine].values():
        head += [(_JEQ_K, 0, 1, number), (_RET_K, 0, 0, deny)]
    head += [(_JEQ_K, 1, 0, nr["socket"]), (_RET_K, 0, 0, _RET_ALLOW)]
    return head + tail


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise Unavailable(f"{what} failed: {os.strerror(code)}")


def install_filter(families: tuple[int, ...]) -> None:
    """Load the filter into every thread of this process; irreversible."""
    machine = platform.machine()
    if struct.calcsize("P") != 8:  # a 32-bit Python on a 64-bit kernel: another ABI
        raise Unavailable(f"a 32-bit Python on {machine} (the filter is for 64-bit processes)")
    program = filter_program(machine, families)
    rows = b"".join(struct.pack("HBBI", *row) for row in program)
    buffer = ctypes.create_string_buffer(rows, len(rows))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(len(program), ctypes.addressof(buffer))
    libc = _libc()
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    seccomp = _ARCHES[machine][1]["seccomp"]
    _check(
        libc.syscall(
            seccomp, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(prog)
        ),
        "seccomp(SECCOMP_SET_MODE_FILTER)",
    )


def isolate_network() -> socket.socket:
    """Move this (single-threaded) process into a network namespace of its own, bring up its
    loopback, and listen there on RELAY_PORT; the listening socket is returned."""
    libc = _libc()
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        _check(libc.unshare(_CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    else:  # an unprivileged user needs a user namespace to own the network namespace
        _check(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET), "unshare(CLONE_NEWUSER|NEWNET)")
        for name, text in (("uid_map", f"{uid} {uid} 1"), ("setgroups", "deny")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sh22x", b"lo", 0)
        flags = struct.unpack("16sh22x", fcntl.ioctl(s, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | _IFF_UP))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", RELAY_PORT))
    listener.listen(16)
    return listener


def enter(policy: Policy) -> socket.socket | None:
    """Put this worker in its sandbox; the relay's listening socket when there is one.

    Unavailable when the kernel cannot do it: the worker must then not run queries.
    """
    if not policy.enforce:
        return None
    listener = None
    families: tuple[int, ...] = (socket.AF_UNIX,)
    if policy.endpoints:
        try:
            listener = isolate_network()
        except OSError as err:
            raise Unavailable(f"no network namespace for the query workers: {err}") from None
        families = (socket.AF_UNIX, socket.AF_INET)
    install_filter(families)
    return listener


def probe(policy: Policy) -> str | None:
    """Why the sandbox cannot be enforced on this machine, or None when it can.

    A child process enters it and checks that the kernel then refuses a TCP socket (or, with
    an allow-list, a connection out of the namespace), so a server refuses to start rather
    than fail on every query.
    """
    if not policy.enforce:
        return None
    result = subprocess.run(
        [sys.executable, "-m", "cartkg.server.sandbox", *policy.endpoints],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode == 0:
        return None
    lines = (result.stdout + result.stderr).strip().splitlines()
    return lines[-1] if lines else f"the sandbox probe ended with status {result.returncode}"


def _probe_main(endpoints: list[str]) -> None:
    try:
        listener = enter(Policy(tuple(endpoints)))
    except Unavailable as err:
        sys.exit(f"the network sandbox cannot be enforced here: {err}")
    if listener is None:
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        except PermissionError:
            return
        sys.exit("the network sandbox did not hold: a TCP socket could still be opened")
    try:  # only the namespace's loopback is there: the outside is unreachable
        socket.create_connection(("192.0.2.1", 9), timeout=2).close()
    except OSError as err:
        if err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return
        sys.exit(f"the network sandbox did not hold: {err}")
    sys.exit("the network sandbox did not hold: a connection left the namespace")


if __name__ == "__main__":
    _probe_main(sys.argv[1:])
