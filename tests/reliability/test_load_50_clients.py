"""Reliability review 2026-12, area 3 row "50 concurrent clients, 60 s" (it passed), kept as a
regression test now that queries are admitted per client (server/admission.py): 50 clients, each
from its own loopback address, keep a real server (2 processes x 4 query workers, the defaults)
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
    results: list[tuple[int, float]] = []  # status (0: no response), seconds
    problems: list[str] = []
    end = time.monotonic() + SECONDS

    def client(source: str) -> None:
        conn = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=30, source_address=(source, 0)
        )
        while time.monotonic() < end:
            path = _path(next(counter))
            started = time.monotonic()
            try:
                conn.request("GET", path, headers={"Accept": "application/json"})
                response = conn.getresponse()
                body = response.read()
                results.append((response.status, time.monotonic() - started))
                if not 200 <= response.status < 300:
                    problems.append(f"{response.status} {path}: {body[:200]!r}")
            except (OSError, http.client.HTTPException) as err:
                results.append((0, time.monotonic() - started))
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
    seconds = sorted(s for _, s in results)
    print(f"{len(results)} requests in {SECONDS:.0f} s ({len(results) / SECONDS:.0f}/s), "
          f"p50 {1000 * statistics.median(seconds):.1f} ms, "
          f"p99 {1000 * seconds[int(0.99 * len(seconds))]:.1f} ms, "
          f"max {1000 * seconds[-1]:.0f} ms, {len(problems)} errors")  # fmt: skip
    assert len(results) > CLIENTS
    assert not problems, problems[:5]
