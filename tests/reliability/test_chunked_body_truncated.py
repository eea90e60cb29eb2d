"""Reliability review 2026-12, area 1 row "Same limit with Transfer-Encoding: chunked" and
ranked failure 12: a chunked body over the size limit was cut at the limit and the cut text run
(200 for a query whose first part is valid on its own, 400 at the cut otherwise). It must get
413, as a body with Content-Length does.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from load_support import start_server, stop_server

pytestmark = pytest.mark.slow

LIMIT = 5000
QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def endpoint(server_release: Path):  # type: ignore[no-untyped-def]
    process, url = start_server(
        server_release, "--workers", "1", "--threads", "2", "--max-request-bytes", str(LIMIT)
    )
    yield url
    stop_server(process)


def post_chunked(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(
            "POST", "/sparql", body=chunks(), headers={"Content-Type": content_type},
            encode_chunked=True,
        )  # fmt: skip
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_chunked_body_over_the_limit_is_refused(endpoint: str) -> None:
    # Valid within the limit, a syntax error as a whole: run cut, it would answer 200.
    valid_then_more = b"ASK {}".ljust(LIMIT) + b"} not SPARQL"
    assert post_chunked(endpoint, valid_then_more, QUERY)[0] == 413
    assert post_chunked(endpoint, b"ASK {}".ljust(LIMIT + 1), QUERY)[0] == 413
    assert post_chunked(endpoint, b"query=ASK+%7B%7D" + b"+" * LIMIT, FORM)[0] == 413


def test_a_chunked_body_within_the_limit_is_run(endpoint: str) -> None:
    status, body = post_chunked(endpoint, b"ASK {}".ljust(LIMIT), QUERY)
    assert status == 200 and b"true" in body
    status, body = post_chunked(endpoint, b"query=ASK+%7B%7D", FORM)
    assert status == 200 and b"true" in body
