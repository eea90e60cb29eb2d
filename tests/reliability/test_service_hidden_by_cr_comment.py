"""Reliability review 2026-12, ranked failure 1 (section 1, "SERVICE hidden by a parser
differential"): `# x\\rSERVICE <...>` -- a comment ends at CR for pyoxigraph but not for
rdflib's grammar, so the SERVICE went unchecked and the server fetched the canary's URL.

Against a real server: the query is refused with 403, by GET, form and body, and the canary
on 127.0.0.1 receives nothing.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from netcanary import Canary
from server_support import start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def endpoint(server_release: Path) -> Iterator[str]:
    process, url = start_server(server_release, "--workers", "1", "--threads", "2")
    yield url + "/sparql"
    stop_server(process)


def send(endpoint: str, query: str, how: str) -> tuple[int, str]:
    if how == "get":
        request = urllib.request.Request(endpoint + "?" + urllib.parse.urlencode({"query": query}))
    elif how == "form":
        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(endpoint, data=data)
    else:
        headers = {"Content-Type": "application/sparql-query"}
        request = urllib.request.Request(endpoint, data=query.encode(), headers=headers)
    request.add_header("Accept", "application/sparql-results+json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_service_after_a_comment_ended_by_cr_is_refused(endpoint: str, how: str) -> None:
    with Canary() as canary:
        query = f"SELECT * {{\n# x\rSERVICE <{canary.url}/cr> {{ ?s ?p ?o }}\n}}"
        status, body = send(endpoint, query, how)
    assert status == 403, body
    assert "SERVICE" in body and "not allowed" in body
    assert canary.paths == []
