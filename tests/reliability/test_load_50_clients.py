"""Reliability review 2026-12, area 3 row "50 concurrent clients, 60 s" (it passed), kept as a
regression test now that queries are admitted per client (cartkg/server/admission.py): 50 clients,
each from its own loopback address, keep a real server (2 processes x 4 query workers, the defaults)
busy for 20 s with the review's mix, and no answer may be an error. The figures printed are
indicative only (the load generator shares the cores); throughput belongs in bench/.

Mix: 40 % a canned query with its defaults, 20 % a canned query with unique text, 20 % the same
SPARQL query, 20 % a unique SPARQL query (the unique ones are never answered from the cache).
"""

from __future__ import annotations

import http.client
import itertools
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from load_support import HOSPITALS, sparql, start_server, stop_server

pytestmark = pytest.mark.slow

CLIENTS = 50
SECONDS = 20.0


KINDS = {
    (0, 1): "canned, defaults",
    (2,): "canned, unique text",
    (3,): "SPARQL, the same",
    (4,): "SPARQL, unique",
}


def _percentiles(seconds: list[float]) -> str:
    p50 = 1000 * statistics.median(seconds)
    return f"p50 {p50:.1f} ms, p99 {1000 * seconds[int(0.99 * len(seconds))]:.1f} ms"


def _path(n: int) -> str:
    kind = n % 5
    if kind in (0, 1):
        return "/api/things_of_type"
    if kind == 2:
        return "/api/by_label?label=" + quote(f"no such label {n}")
    if kind == 3:
        return sparql(HOSPITALS)
    return sparql(f"SELECT ?s WHERE {{ ?s ?p ?o FILTER({n} > 0) }} LIMIT 10")


def test_50_clients_get_no_errors(server_release: Path) -> None:
    process, url = start_server(server_release)
    parts = urlsplit(url)
    counter = itertools.count()
    results: list[tuple[int, float, int]] = []  # status (0: no response), seconds, kind
    problems: list[str] = []
    end = time.monotonic() + SECONDS

    def client(source: str) -> None:
        conn = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=30, source_address=(source, 0)
        )
        while time.monotonic() < end:
            n = next(counter)
            path = _path(n)
            started = time.monotonic()
            try:
                conn.request("GET", path, headers={"Accept": "application/json"})
                response = conn.getresponse()
                body = response.read()
                results.append((response.status, time.monotonic() - started, n % 5))
                if not 200 <= response.status < 300:
                    problems.append(f"{response.status} {path}: {body[:200]!r}")
            except (OSError, http.client.HTTPException) as err:
                results.append((0, time.monotonic() - started, n % 5))
                problems.append(f"{err!r} {path}")
                conn.close()
                conn = http.client.HTTPConnection(
                    parts.hostname, parts.port, timeout=30, source_address=(source, 0)
                )
        conn.close()

    threads = [threading.Thread(target=client, args=(f"127.0.0.{10 + i}",)) for i in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop_server(process)
    seconds = sorted(s for _, s, _ in results)
    rate = len(results) / SECONDS
    print(f"{len(results)} requests in {SECONDS:.0f} s ({rate:.0f}/s), {_percentiles(seconds)}, "
          f"max {1000 * seconds[-1]:.0f} ms, {len(problems)} errors")  # fmt: skip
    for kind, name in KINDS.items():
        print(f"  {name}: {_percentiles(sorted(s for _, s, k in results if k in kind))}")
    assert len(results) > CLIENTS
    assert not problems, problems[:5]
