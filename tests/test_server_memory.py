"""The query workers' memory limit: a query that needs more than the limit gets a clear 503, its
worker is replaced, and everything else goes on as before.

The limits here are small (300 MB) and the time limits generous, so that a query can only be
stopped by the memory limit; without one, the same queries answer within two seconds (see
`test_the_big_queries_answer_without_a_limit`).
"""

from __future__ import annotations

import http.client
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import close_app, make_app, start_server, stop_server

LIMIT_MB = 300
TIMEOUT = 60.0
HOSPITALS = (
    "PREFIX cartkg: <https://w3id.org/cartkg/ontology/>\n"
    "SELECT ?h WHERE { ?h a cartkg:Hospital } ORDER BY ?h"
)
# GROUP_CONCAT over 105 triples cubed: a string of 150 MB, on which pyoxigraph runs out (and
# aborts) under 300 MB; and one of 60 MB, which pyoxigraph makes but which Python's copies of it
# for the response do not fit beside (MemoryError). Measured: the first needs about 340 MB, the
# second 360-400 MB; under 250 MB the second aborts in pyoxigraph instead. The client cannot tell
# which: both end the worker with SIGABRT.
CROSS = "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BIG = [
    f"SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?a), STR(?d), STR(?g)))) AS ?n) {CROSS}",
    f'SELECT (GROUP_CONCAT(CONCAT(STR(?a), "0123456789")) AS ?n) {CROSS}',
]
SRJ = "application/sparql-results+json"


@pytest.fixture(scope="module")
def endpoint(server_release: Path):  # type: ignore[no-untyped-def]
    """A real server, its limit set as an operator sets it."""
    process, url = start_server(
        server_release,
        *("--workers", "1", "--threads", "2", "--timeout", str(TIMEOUT)),
        *("--worker-memory", str(LIMIT_MB)),
    )
    yield url
    stop_server(process)


def get(url: str, query: str) -> tuple[int, bytes, float]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT + 30)
    started = time.monotonic()
    try:
        conn.request("GET", "/sparql?query=" + quote(query), headers={"Accept": SRJ})
        response = conn.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("query", BIG, ids=["pyoxigraph", "python"])
def test_a_query_over_the_limit_gets_503_and_the_server_goes_on(
    endpoint: str, server_release: Path, query: str
) -> None:
    status, body, seconds = get(endpoint, query)
    assert status == 503, body[:300]
    assert f"exceeded the memory limit of {LIMIT_MB} MB".encode() in body
    assert b"Traceback" not in body and str(server_release).encode() not in body
    assert seconds < TIMEOUT / 2  # the memory limit stopped it, not the time limit
    # The dead worker is replaced: every later query is answered, by both workers.
    for _ in range(4):
        status, body, _ = get(endpoint, HOSPITALS)
        assert status == 200 and b"alpha-hospital" in body


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "on-disk"])
def test_the_release_opens_and_answers_under_the_limit(
    server_release: Path, in_memory: bool
) -> None:
    app = make_app(
        server_release, timeout=TIMEOUT, pool_size=1, in_memory=in_memory, worker_memory_mb=LIMIT_MB
    )
    try:
        response = app.test_client().get("/sparql", query_string={"query": HOSPITALS})
        assert response.status_code == 200, response.data
        assert b"alpha-hospital" in response.data
        (worker,) = app.extensions["cartkg"].pool._all
        assert data_limit(worker.process.pid) == LIMIT_MB << 20
    finally:
        close_app(app)


def test_the_big_queries_answer_without_a_limit(server_release: Path) -> None:
    """What the limit is tested with: queries that are fine, only larger than it."""
    app = make_app(server_release, timeout=TIMEOUT, pool_size=1, worker_memory_mb=0)
    try:
        client = app.test_client()
        for query in BIG:
            response = client.get("/sparql", query_string={"query": query}, headers={"Accept": SRJ})
            assert response.status_code == 200, response.data[:300]
    finally:
        close_app(app)


def data_limit(pid: int) -> int | None:
    """A process's RLIMIT_DATA (soft), as /proc says; None when unlimited."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max data size"):
            soft = line.split()[3]
            return None if soft == "unlimited" else int(soft)
    raise AssertionError(f"no data size limit in /proc/{pid}/limits")
