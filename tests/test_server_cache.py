"""The response cache (cartkg/server/cache.py): identical requests replayed, anything else passed
on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from flask import Flask, Response, request

from cartkg.server.cache import MAX_BODY, MAX_KEY_BODY, ResponseCache

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import build_release, close_app, make_app


def counting_app(entries: int = 8) -> tuple[Flask, list[str]]:
    """A small application that records every request that reaches it."""
    app = Flask(__name__)
    seen: list[str] = []

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> Response:
        seen.append(request.get_data(as_text=True))
        status = int(request.args.get("status", "200"))
        size = int(request.args.get("size", "0"))
        body = f"{request.accept_mimetypes} {request.host} {request.get_data(as_text=True)}"
        response = Response(body + "x" * size, status)
        if request.args.get("private") is None:
            response.cache_control.public = True
        return response

    app.wsgi_app = ResponseCache(app.wsgi_app, entries)  # type: ignore[method-assign]
    return app, seen


def test_an_identical_request_is_answered_from_the_cache() -> None:
    app, seen = counting_app()
    client = app.test_client()
    first = client.post("/echo", data="q=1", content_type="text/plain")
    second = client.post("/echo", data="q=1", content_type="text/plain")
    assert (first.status_code, first.data) == (second.status_code, second.data)
    assert first.headers == second.headers
    assert seen == ["q=1"]


@pytest.mark.parametrize(
    "change",
    [
        {"data": "q=2"},
        {"headers": {"Accept": "text/csv"}},
        {"headers": {"Host": "elsewhere.example"}},
        {"query_string": "a=b"},
        {"content_type": "application/x-www-form-urlencoded"},
    ],
    ids=["body", "accept", "host", "query-string", "content-type"],
)
def test_a_request_that_differs_in_what_the_app_reads_is_not_a_hit(change: dict) -> None:  # type: ignore[type-arg]
    app, seen = counting_app()
    client = app.test_client()
    base = {"data": "q=1", "content_type": "text/plain", "headers": {}, "query_string": ""}
    client.post("/echo", **base)
    response = client.post("/echo", **{**base, **change})
    assert response.status_code == 200
    assert len(seen) == 2


@pytest.mark.parametrize("query", ["status=400", "status=503", "private="])
def test_errors_and_private_answers_are_not_kept(query: str) -> None:
    app, seen = counting_app()
    client = app.test_client()
    client.get(f"/echo?{query}")
    client.get(f"/echo?{query}")
    assert len(seen) == 2


def test_large_bodies_pass_through_and_large_answers_are_not_kept() -> None:
    app, seen = counting_app()
    client = app.test_client()
    big = "q" * (MAX_KEY_BODY + 1)
    for _ in range(2):
        assert client.post("/echo", data=big, content_type="text/plain").data.endswith(b"q")
    assert seen == [big, big]  # the application still read the whole body
    for _ in range(2):
        assert len(client.get(f"/echo?size={MAX_BODY + 1}").data) > MAX_BODY
    assert len(seen) == 4


def test_the_least_recently_used_answer_is_dropped() -> None:
    app, seen = counting_app(entries=2)
    client = app.test_client()
    for path in ("/echo?n=1", "/echo?n=2", "/echo?n=1", "/echo?n=3", "/echo?n=1", "/echo?n=2"):
        client.get(path)
    # n=1 stayed (used again before n=3 came); n=2 was dropped to make room for n=3.
    assert len(seen) == 4


def test_no_entries_means_no_cache() -> None:
    app, seen = counting_app(entries=0)
    client = app.test_client()
    client.get("/echo")
    client.get("/echo")
    assert len(seen) == 2


# ---- on the endpoint --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    app = make_app(build_release(tmp_path_factory.mktemp("release")), pool_size=1, cache_entries=16)
    yield app
    close_app(app)


def test_answers_are_marked_cacheable_and_errors_and_health_are_not(endpoint) -> None:  # type: ignore[no-untyped-def]
    client = endpoint.test_client()
    answer = client.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 200
    assert answer.cache_control.public and answer.cache_control.max_age
    error = client.get("/sparql", query_string={"query": "ASK {"})
    assert error.status_code == 400 and not error.cache_control.public
    assert not client.get("/health").cache_control.public


def test_a_repeated_query_is_answered_without_a_query_worker(endpoint) -> None:  # type: ignore[no-untyped-def]
    client = endpoint.test_client()
    query = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}
    first = client.get("/sparql", query_string=query)
    assert first.status_code == 200
    endpoint.extensions["cartkg"].pool.close()  # no worker will answer from here on
    again = client.get("/sparql", query_string=query)
    assert (again.status_code, again.data) == (200, first.data)
    other = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert other.status_code == 503
