"""Admission of queries (cartkg/server/admission.py): who the client is, and the bounds per client
and overall. The whole server under attack is tested in tests/reliability/."""

from __future__ import annotations

import threading
import time

import pytest

from cartkg.server.admission import Admission, Busy, client_address, parse_networks

PROXIES = parse_networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("192.0.2.1", "198.51.100.7", (), "192.0.2.1"),  # off by default: the header is ignored
        ("192.0.2.1", "198.51.100.7", PROXIES, "192.0.2.1"),  # not from a trusted proxy
        ("127.0.0.1", "198.51.100.7", PROXIES, "198.51.100.7"),
        ("127.0.0.1", "203.0.113.9, 198.51.100.7", PROXIES, "198.51.100.7"),  # first is forged
        ("127.0.0.1", "198.51.100.7, 10.1.2.3", PROXIES, "198.51.100.7"),  # two proxies
        ("127.0.0.1", None, PROXIES, "127.0.0.1"),
        ("127.0.0.1", "10.1.2.3", PROXIES, "10.1.2.3"),  # only proxies: the first of them
    ],
)
def test_client_address(peer: str, forwarded: str | None, trusted, client: str) -> None:  # type: ignore[no-untyped-def]
    assert client_address(peer, forwarded, trusted) == client


def test_a_bad_trusted_proxy_is_named() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.example'"):
        parse_networks(["127.0.0.1", "proxy.example"])


def test_a_client_waits_for_its_own_queries_and_others_do_not() -> None:
    admission = Admission(workers=4, per_client=1, queue=4, client_queue=2)
    far = time.monotonic() + 60
    with admission.enter("a", far):
        started = time.monotonic()
        # a's second query waits for its first, in vain
        with pytest.raises(Busy) as refused, admission.enter("a", time.monotonic() + 0.3):
            pass
        assert time.monotonic() - started >= 0.3
        assert refused.value.status == 503 and refused.value.headers() == {"Retry-After": "1"}
        with admission.enter("b", time.monotonic()):  # b runs at once
            pass


def test_full_lines_are_refused_at_once() -> None:
    admission = Admission(workers=1, per_client=1, queue=3, client_queue=1)
    release = threading.Event()

    def hold(client: str) -> None:
        with admission.enter(client, time.monotonic() + 60):
            release.wait()

    holders = [threading.Thread(target=hold, args=(c,)) for c in ("a", "a", "b", "d")]

    def start(count: int) -> None:
        for holder in holders[:count]:
            if not holder.is_alive():
                holder.start()
        time.sleep(0.2)

    try:
        start(3)  # a runs one and waits with one; b runs one
        started = time.monotonic()
        with pytest.raises(Busy, match="too many queries from a"):
            admission.enter("a", time.monotonic() + 60).__enter__()
        assert time.monotonic() - started < 5  # at once, not at the deadline
        start(4)  # and d: 4 in all, 1 worker + 3 waiting
        started = time.monotonic()
        with pytest.raises(Busy, match="the line is full"):
            admission.enter("c", time.monotonic() + 60).__enter__()
        assert time.monotonic() - started < 5
    finally:
        release.set()
        for holder in holders:
            holder.join()
    with admission.enter("c", time.monotonic()):  # all gone: room again
        pass
