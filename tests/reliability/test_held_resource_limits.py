"""Reliability review 2026-12 (`../shared/reviews/2026-12-reliability-review.md`), area 2
"Resource exhaustion": the attacks that held (PASS rows) and had no test keep one here. Flask's
test client on a real release with real query workers under their real time and memory limits.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app

JSON = {"Accept": "application/sparql-results+json"}
TIMEOUT = 20.0
HOSPITALS = "SELECT ?h WHERE { ?h a <https://w3id.org/cartkg/ontology/Hospital> } ORDER BY ?h"
A5000 = "a" * 5000
REGEXES = {
    "nested-quantifier-over-every-object":
        'SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(REGEX(STR(?o), "^(a+)+$")) }',
    # A backtracking engine takes exponential time on these two (5,000 a's, then a b).
    "nested-quantifier-on-5000-a": f'ASK {{ FILTER(REGEX("{A5000}b", "^(a+)+$")) }}',
    "alternation-on-5000-a": f'ASK {{ FILTER(REGEX("{A5000}b", "(a|aa)+$")) }}',
    "backreference": f'ASK {{ FILTER(REGEX("{A5000}", "(a+)\\\\1b")) }}',
    "huge-repetition": 'ASK { FILTER(REGEX("aaaa", "((a{1000}){1000}){1000}")) }',
    "regex-built-per-row":
        'SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER(REGEX(STR(?o), CONCAT("^(", STR(?p), ")+$"))) }',
}  # fmt: skip


@pytest.fixture(scope="module")
def app(server_release: Path) -> Iterator[Any]:
    application = make_app(server_release, pool_size=2, timeout=TIMEOUT)
    yield application
    close_app(application)


@pytest.mark.parametrize("name", REGEXES)
def test_regex_heavy_queries_are_fast_or_refused(app: Any, name: str) -> None:
    """Row "REGEX `^(a+)+$` over every object; `(a|aa)+$` on 5,000 a's; a backreference;
    `((a{1000}){1000}){1000}`; a regex built per row" (PASS): fast or refused. A
    backtracking engine would hit the time limit (503); a linear-time one with a size cap
    answers or refuses (200 or 400)."""
    response = app.test_client().post("/sparql", data={"query": REGEXES[name]}, headers=JSON)
    assert response.status_code in (200, 400), (response.status_code, response.data[:300])
    assert app.test_client().get("/health").status_code == 200


# GROUP_CONCAT over 105 triples cubed: about 150 MB, far over a 300 MB worker's room for it
# (tests/test_server_memory.py measures these).
BOMB = (
    "SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?a), STR(?d), STR(?g)))) AS ?n) "
    "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
)
LIMIT_MB = 300


def test_memory_bombs_at_once_are_contained(server_release: Path) -> None:
    """Row "10 memory bombs at once (`--worker-memory 512`)" (PASS), sampled: 4 bombs at once
    from 4 clients on 2 workers limited to 300 MB: every one 503 "exceeded the memory limit",
    and the server keeps serving."""
    application = make_app(server_release, pool_size=2, timeout=60.0, worker_memory_mb=LIMIT_MB)
    try:
        answers: list[tuple[int, bytes]] = []

        def bomb(address: str) -> None:
            client = application.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            response = client.get("/sparql", query_string={"query": BOMB}, headers=JSON)
            answers.append((response.status_code, response.data))

        threads = [threading.Thread(target=bomb, args=(f"127.0.0.{i}",)) for i in range(2, 6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert len(answers) == 4
        for status, body in answers:
            assert status == 503, body[:300]
            assert f"exceeded the memory limit of {LIMIT_MB} MB".encode() in body
        client = application.test_client()
        for _ in range(3):
            response = client.get("/sparql", query_string={"query": HOSPITALS}, headers=JSON)
            assert response.status_code == 200 and b"alpha-hospital" in response.data
        assert client.get("/health").status_code == 200
    finally:
        close_app(application)
