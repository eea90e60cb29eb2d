"""Reliability review 2026-12, ranked failure 1: whatever the scan misses, pyoxigraph in a query
worker fetched it (SSRF, port scanning). Now the kernel refuses: these jobs go to the worker
pool directly, past the scan, and a listener on 127.0.0.1 must see no connection.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from netcanary import Canary

from cartkg.server.execution import Pool
from cartkg.server.jobs import Job, QueryError


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary() as listener:
        yield listener


def refusal(pool: Pool, query: str) -> str:
    with pytest.raises(QueryError) as caught:
        pool.run(Job(query, raw=True))
    return caught.value.message


def test_default_worker_cannot_open_a_network_socket(server_release: Path, canary: Canary) -> None:
    target = ox.NamedNode(canary.url + "/variable")
    pool = Pool(server_release, {}, size=1, timeout=20)  # the default: no allow-list
    try:
        assert pool.wait_ready(60), pool.failure
        message = refusal(pool, f"SELECT * {{ SERVICE <{canary.url}/direct> {{ ?s ?p ?o }} }}")
        assert "Permission denied" in message
        bound = Job("SELECT ?e ?s { SERVICE ?e { ?s ?p ?o } }", substitutions=(("e", target),))
        with pytest.raises(QueryError, match="Permission denied"):
            pool.run(bound)
    finally:
        pool.close()
    assert canary.paths == []


def test_allow_listed_worker_reaches_only_the_relay(server_release: Path, canary: Canary) -> None:
    from cartkg.server.sandbox import Policy

    allowed = canary.url + "/allowed"
    pool = Pool(server_release, {}, size=1, timeout=20, sandbox=Policy((allowed,)))
    try:
        assert pool.wait_ready(60), pool.failure
        other = refusal(pool, f"SELECT * {{ SERVICE <{canary.url}/other> {{ ?s ?p ?o }} }}")
        assert "Connection refused" in other  # the worker's 127.0.0.1 is its own
        away = refusal(pool, "SELECT * { SERVICE <http://192.0.2.1/x> { ?s ?p ?o } }")
        assert "unreachable" in away
        assert canary.paths == []
        pool.run(Job(f"SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}", raw=True))
    finally:
        pool.close()
    assert canary.paths == ["/allowed"]  # through the relay
