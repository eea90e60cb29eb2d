"""Reliability review 2026-12, area 2 row "Slowloris, 2,000 connections for 60 s" and ranked
failure 7: 2,000 connections that send their headers slowly locked new clients out (Granian's
defaults: 30 s to send the headers, about 1,000 connections held, no more accepted).

The attack here keeps 2,000 connections open, each sending one more header line every second
and never finishing, and opens a new one whenever the server drops one. Fresh clients must
still be served throughout. The second test does the same with clients that leave large
answers unread. The third shows what still needs a reverse proxy (server/README.md): request
bodies sent a byte a second each hold an HTTP thread, since Granian 2.8.9 calls the
application before the body has arrived and has no timeout for it.
"""

from __future__ import annotations

import resource
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from load_support import Answer, get, median_ms, sparql, start_server, stop_server

pytestmark = pytest.mark.slow

ATTACK_SECONDS = 12.0
#: Everything of the test release, as N-Triples: a few hundred KB, more than a socket buffers.
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 100000"


@pytest.fixture(scope="module")
def endpoint(server_release: Path):  # type: ignore[no-untyped-def]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:  # 2,000 sockets here; the server raises its own limit
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    process, url = start_server(server_release, "--workers", "1", "--threads", "2")
    yield url
    stop_server(process)


def _open(address: tuple[str, int], first: bytes) -> socket.socket | None:
    sock = socket.socket()
    sock.settimeout(0.2)
    try:
        sock.connect(address)
        sock.sendall(first)
    except OSError:
        sock.close()
        return None
    sock.setblocking(False)
    return sock


def _attack(
    address: tuple[str, int], count: int, first: bytes, more: bytes, stop: threading.Event
) -> dict[str, int]:
    """Keep `count` connections open, each sending `more` every second; reopen dropped ones."""
    socks: list[socket.socket | None] = [None] * count
    stats = {"opened": 0, "dropped": 0}
    while not stop.is_set():
        round_started = time.monotonic()
        for i, sock in enumerate(socks):
            if stop.is_set():
                break
            if sock is not None:
                try:
                    sock.send(more)
                    continue
                except OSError:
                    stats["dropped"] += 1
                    sock.close()
            socks[i] = _open(address, first)
            stats["opened"] += socks[i] is not None
        stop.wait(max(0.0, 1.0 - (time.monotonic() - round_started)))
    for sock in socks:
        if sock is not None:
            sock.close()
    return stats


def _probe_while(
    url: str, attack: threading.Thread, stop: threading.Event, seconds: float = ATTACK_SECONDS
) -> list[Answer]:
    time.sleep(3.0)  # the attack's connections are open
    answers = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        answers.append(get(url, "/health", timeout=5))
        answers.append(get(url, sparql("ASK { ?s ?p ?o }"), timeout=5))
        time.sleep(0.2)
    stop.set()
    attack.join()
    return answers


def _report(name: str, answers: list[Answer]) -> None:
    ok = [a for a in answers if a.status == 200]
    slowest = 1000 * max(a.seconds for a in answers)
    print(f"{name}: {len(ok)}/{len(answers)} fresh probes answered, "
          f"median {median_ms(answers):.1f} ms, max {slowest:.0f} ms")  # fmt: skip
    assert len(ok) == len(answers), [a for a in answers if a.status != 200][:3]


def test_slow_headers_do_not_lock_out_new_clients(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    address = (str(parts.hostname), int(parts.port or 80))
    stop = threading.Event()
    stats: dict[str, int] = {}
    attack = threading.Thread(
        target=lambda: stats.update(
            _attack(address, 2000, b"GET /health HTTP/1.1\r\nHost: x\r\n", b"X-a: b\r\n", stop)
        )
    )
    attack.start()
    try:
        answers = _probe_while(endpoint, attack, stop)
    finally:
        stop.set()
        attack.join()
    print(f"slowloris: {stats}")
    assert stats["opened"] >= 2000
    _report("slowloris", answers)


def test_unread_answers_do_not_lock_out_new_clients(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    address = (str(parts.hostname), int(parts.port or 80))
    request = (
        f"GET {sparql(EVERYTHING)} HTTP/1.1\r\nHost: x\r\nAccept: application/n-triples\r\n\r\n"
    ).encode()
    readers = [_open(address, request) for _ in range(200)]  # each never reads its answer
    stop = threading.Event()
    idle = threading.Thread(target=stop.wait)
    idle.start()
    try:
        answers = _probe_while(endpoint, idle, stop, seconds=5.0)
    finally:
        stop.set()
        for sock in readers:
            if sock is not None:
                sock.close()
    assert all(readers)
    _report("unread answers", answers)


@pytest.mark.xfail(
    strict=True,
    reason="Granian 2.8.9 runs the application before the body has arrived, with no timeout "
    "for it: slow bodies hold HTTP threads; a reverse proxy that buffers bodies is needed",
)
def test_slow_bodies_do_not_lock_out_new_clients(endpoint: str) -> None:
    parts = urlsplit(endpoint)
    address = (str(parts.hostname), int(parts.port or 80))
    stop = threading.Event()
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100000\r\n\r\nASK {"
    )
    attack = threading.Thread(target=_attack, args=(address, 100, head, b" ", stop))
    attack.start()
    try:
        answers = _probe_while(endpoint, attack, stop, seconds=2.0)
    finally:
        stop.set()
        attack.join()
    _report("slow bodies", answers)
