"""Reliability review 2026-12 (`../shared/reviews/2026-12-reliability-review.md`), area 1
"Hostile queries, SERVICE, Update": the attacks that held (PASS rows) keep a test here, where no
older test exercised them. Flask's test client on a real release with real query workers, and a
real server process where the HTTP layer decides; a canary listener on 127.0.0.1 must receive
nothing.
"""

from __future__ import annotations

import http.client
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
sys.path.insert(0, str(Path(__file__).parent))
from netcanary import Canary
from server_support import close_app, make_app, start_server, stop_server

JSON = {"Accept": "application/sparql-results+json"}
KG = "https://w3id.org/cartkg/id/"
LIMIT = 1_000_000  # the default request limit (cartkg/server/config.py), which the review used


@pytest.fixture(scope="module")
def app(server_release: Path) -> Iterator[Any]:
    application = make_app(server_release, pool_size=2, timeout=20.0)
    yield application
    close_app(application)


@pytest.fixture(scope="module")
def server(server_release: Path) -> Iterator[tuple[Any, str]]:
    process, url = start_server(server_release, "--workers", "1", "--threads", "4")
    yield process, url
    stop_server(process)


def rows(response: Any) -> list[dict[str, str]]:
    parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in parsed]


def post_query(
    client: Any, text: str | bytes, content_type: str = "application/sparql-query"
) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.post("/sparql", data=data, content_type=content_type, headers=JSON)


def raw(url: str, data: bytes, timeout: float = 10) -> bytes:
    """Sends bytes as they are and returns what comes back until the server closes or pauses."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        got = b""
        try:  # the server may answer and close before it has read everything
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        try:
            while chunk := sock.recv(65536):
                got += chunk
        except OSError:
            pass
        return got


def status_of(url: str, method: str, target: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> int:  # fmt: skip
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def healthy(url: str) -> bool:
    return status_of(url, "GET", "/health") == 200


@pytest.mark.parametrize("depth", [10, 1000])
@pytest.mark.parametrize("shape", ["parentheses", "sub-selects"])
def test_nesting_10_and_1000_levels_answers_or_400(app: Any, shape: str, depth: int) -> None:
    """Row "Nested groups, parentheses, sub-selects, OPTIONALs: 10 and 1000 levels" (PASS):
    answered or 400, never a dead worker. (Groups and OPTIONALs just inside the limit:
    test_deep_nesting_crashes_worker.py::test_just_inside_the_limit_runs.)"""
    if shape == "parentheses":
        query = "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    else:
        query = "SELECT * " + "{ SELECT * " * depth + "{}" + "}" * depth
    response = post_query(app.test_client(), query)
    assert response.status_code in (200, 400), response.data[:300]
    if depth == 10:
        assert response.status_code == 200
    assert app.test_client().get("/health").status_code == 200


def test_60000_nested_optionals_over_1_mb_are_413(app: Any) -> None:
    """Row "60,000 nested OPTIONALs (>1 MB)" (PASS): 413."""
    query = "SELECT * {" + "OPTIONAL { ?s ?p ?o " * 60_000 + "}" * 60_001
    assert len(query) > LIMIT
    assert post_query(app.test_client(), query).status_code == 413


@pytest.mark.parametrize("word", ["", "service"])
def test_a_1_mb_string_literal_is_answered(app: Any, word: str) -> None:
    """Row "≈1 MB string literal, with and without the word "service"" (PASS): answered."""
    head, tail = 'SELECT (STRLEN(?x) AS ?n) { BIND("', '" AS ?x) }'
    text = (word + " " + "x" * (LIMIT - 200))[: LIMIT - 200]
    response = post_query(app.test_client(), head + text + tail)
    assert response.status_code == 200, response.data[:300]
    assert rows(response) == [{"n": str(len(text))}]


def test_40000_projected_variables_and_100000_values_rows_are_answered(app: Any) -> None:
    """Row "40,000 projected variables; VALUES with 100,000 rows" (PASS): answered."""
    names = " ".join(f"?v{i}" for i in range(40_000))
    response = post_query(app.test_client(), f"SELECT {names} {{}}")
    assert response.status_code == 200, response.data[:300]
    values = " ".join(str(i) for i in range(100_000))
    response = post_query(
        app.test_client(), f"SELECT (COUNT(*) AS ?n) {{ VALUES ?x {{ {values} }} }}"
    )
    assert response.status_code == 200, response.data[:300]
    assert rows(response) == [{"n": "100000"}]


@pytest.mark.parametrize(
    "query", ["ASK {}\x00", "SELECT * { <http://a\x00b> ?p ?o }", "\x00ASK {}"],
    ids=["after", "in-iri", "before-keyword"],
)  # fmt: skip
def test_nul_bytes_are_400(app: Any, query: str) -> None:
    """Row "NUL after the query, in an IRI, before the keyword; NUL inside a literal" (PASS)."""
    for response in (
        post_query(app.test_client(), query),
        app.test_client().get("/sparql", query_string={"query": query}, headers=JSON),
    ):
        assert response.status_code == 400, response.data[:300]


def test_an_escaped_nul_inside_a_literal_is_kept(app: Any) -> None:
    """Row "NUL ... inside a literal" (PASS): `"a\\u0000b"` comes back exactly."""
    response = post_query(app.test_client(), 'SELECT ?x { BIND("a\\u0000b" AS ?x) }')
    assert response.status_code == 200, response.data[:300]
    assert rows(response) == [{"x": "a\x00b"}]


def test_invalid_utf8_body_is_400_and_query_strings_do_not_crash(app: Any) -> None:
    """Row "Invalid UTF-8: POST body `\\xff\\xfe`, overlong `\\xc0\\xaf`; GET `%FF%FE`, form
    `%FF`" (PASS): the body is 400 "not valid utf-8"; GET and form are never a 5xx."""
    for body in (b"ASK {} #\xff\xfe", b"ASK {} #\xc0\xaf"):
        response = post_query(app.test_client(), body)
        assert response.status_code == 400
        assert b"utf-8" in response.data.lower()
    client = app.test_client()
    get = client.get("/sparql?query=ASK%20%7B%7D%20%23%FF%FE", headers=JSON)
    form = client.post("/sparql", data=b"query=ASK+%7B%7D+%23%FF",
                       content_type="application/x-www-form-urlencoded", headers=JSON)  # fmt: skip
    for response in (get, form):
        assert response.status_code in (200, 400), response.data[:300]


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "x-nope", "utf-7"])
def test_a_charset_other_than_utf8_is_400_naming_it(app: Any, charset: str) -> None:
    """Row "`charset=latin-1`, `utf-16`, unknown charset; `charset=utf-7` used to hide the word
    SERVICE" (PASS: "decoded correctly or 400"). Since issue 12, `application/sparql-query` is
    UTF-8 only, as its registration says (the W3C protocol test bad_query_non_utf8): 400 naming
    the charset, for every other one. So UTF-7 can hide nothing: it is never decoded."""
    body = 'ASK { FILTER("café" != "") }'.encode(
        "utf-8" if charset in ("x-nope", "utf-7") else charset
    )
    with Canary() as canary:
        if charset == "utf-7":
            body = f"SELECT * {{ +AFM-ERVICE <{canary.url}/utf7> {{ ?s ?p ?o }} }}".encode()
            assert b"SERVICE" not in body and "SERVICE" in body.decode("utf-7")
        response = post_query(
            app.test_client(), body, f"application/sparql-query; charset={charset}"
        )
    assert response.status_code == 400, response.data[:300]
    assert charset.encode() in response.data
    assert canary.paths == []


def test_utf8_declared_or_not_is_decoded(app: Any) -> None:
    """The same row, the other side: UTF-8, with or without the parameter, is read as UTF-8."""
    query = 'SELECT ?x { BIND("café" AS ?x) }'
    for content_type in ("application/sparql-query", "application/sparql-query; charset=UTF-8"):
        response = post_query(app.test_client(), query.encode(), content_type)
        assert response.status_code == 200, response.data[:300]
        assert rows(response) == [{"x": "café"}]


def test_body_size_limit_is_exact(app: Any) -> None:
    """Row "Size limit: POST body of 1,000,000 and 1,000,001 bytes (query and form) ..." (PASS):
    200 / 413 for both kinds of body."""
    client = app.test_client()
    query = "ASK {}" + " " * (LIMIT - 6)
    assert post_query(client, query).status_code == 200
    assert post_query(client, query + " ").status_code == 413
    form = "query=ASK+%7B%7D" + "+" * (LIMIT - 16)
    assert len(form) == LIMIT
    form_type = "application/x-www-form-urlencoded"
    assert client.post("/sparql", data=form, content_type=form_type).status_code == 200
    assert client.post("/sparql", data=form + "+", content_type=form_type).status_code == 413


def test_get_query_string_limits(server: tuple[Any, str]) -> None:
    """Row "... GET query string of 65,000 / 65,536 / 1,000,001 bytes" (PASS): 200 / 414 / 431
    (a request line that long is refused by the HTTP server, with 414 or 431)."""
    _, url = server

    def target(size: int) -> str:
        start = "/sparql?query=ASK%7B%7D%23"
        return start + "a" * (size - len(start))

    assert status_of(url, "GET", target(65_000), headers=JSON) == 200
    assert status_of(url, "GET", target(65_536), headers=JSON) == 414
    assert status_of(url, "GET", target(LIMIT + 1), headers=JSON) in (414, 431)
    assert healthy(url)


SERVICE_FORMS = [
    "SELECT * {{ SERVICE <{c}/plain> {{ ?s ?p ?o }} }}",
    "select * {{ service <{c}/lower> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SeRvIcE SILENT <{c}/mixed> {{ ?s ?p ?o }} }}",
    "SELECT * {{ {{ SELECT * {{ SERVICE <{c}/sub> {{ ?s ?p ?o }} }} }} }}",
    "ASK {{ FILTER EXISTS {{ SERVICE <{c}/exists> {{ ?s ?p ?o }} }} }}",
    "ASK {{ FILTER NOT EXISTS {{ SERVICE <{c}/not-exists> {{ ?s ?p ?o }} }} }}",
    "SELECT * {{ ?a ?b ?c OPTIONAL {{ SERVICE <{c}/optional> {{ ?s ?p ?o }} }} }}",
    "SELECT * {{ {{ ?a ?b ?c }} MINUS {{ SERVICE <{c}/minus> {{ ?a ?b ?c }} }} }}",
    "SELECT * {{ {{}} UNION {{ SERVICE <{c}/union> {{ ?s ?p ?o }} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} {{ SERVICE <{c}/construct> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s {{ SERVICE <{c}/describe> {{ ?s ?p ?o }} }}",
    "PREFIX : <{c}/> SELECT * {{ SERVICE :empty-prefix {{ ?s ?p ?o }} }}",
    "PREFIX kg: <{c}/> SELECT * {{ SERVICE kg:redefined {{ ?s ?p ?o }} }}",
    "BASE <{c}/> SELECT * {{ SERVICE <relative> {{ ?s ?p ?o }} }}",
    "BASE <http://elsewhere.example/> BASE <{c}/a/> SELECT * {{ SERVICE <../up> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE <\\u0068ttp://127.0.0.1:{port}/u4> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE <\\U00000068ttp://127.0.0.1:{port}/u8> {{ ?s ?p ?o }} }}",
    "PREFIX c: <{c}/> SELECT * {{ SERVICE c:pname\\_escape {{ ?s ?p ?o }} }}",
    "SELECT * {{ VALUES ?e {{ <{c}/values> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * {{ BIND(<{c}/bind> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE <{c}/outer> {{ SERVICE <{c}/inner> {{ ?s ?p ?o }} }} }}",
]


@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_service_to_the_canary_is_refused_in_every_form(app: Any, how: str) -> None:
    """Row "SERVICE to the canary: plain, lower/mixed case, SILENT, in a sub-select, FILTER
    EXISTS / NOT EXISTS, ... (30 variants, 90 requests)" (PASS): 403, no request reaches the
    canary. (`SERV\\u0049CE` is 400: pyoxigraph does not decode escapes in keywords.)"""
    with Canary() as canary:
        port = canary.url.rsplit(":", 1)[1]
        answers = []
        for form in SERVICE_FORMS:
            query = form.format(c=canary.url, port=port)
            client = app.test_client()
            if how == "get":
                response = client.get("/sparql", query_string={"query": query}, headers=JSON)
            elif how == "form":
                response = client.post("/sparql", data={"query": query}, headers=JSON)
            else:
                response = post_query(client, query)
            answers.append((response.status_code, query))
        escaped_keyword = f"SELECT * {{ SERV\\u0049CE <{canary.url}/kw> {{ ?s ?p ?o }} }}"
        keyword = app.test_client().get("/sparql", query_string={"query": escaped_keyword})
    assert [a for a in answers if a[0] != 403] == []
    assert keyword.status_code in (400, 403)
    assert canary.paths == []


def test_from_and_dataset_parameters_naming_the_canary_fetch_nothing(app: Any) -> None:
    """Row "FROM / FROM NAMED / `default-graph-uri` / `named-graph-uri` naming a canary URL"
    (PASS): 200 with empty results, no request."""
    with Canary() as canary:
        client = app.test_client()
        answers = [
            client.get("/sparql", headers=JSON, query_string={
                "query": f"SELECT * FROM <{canary.url}/from> {{ ?s ?p ?o }}"}),
            client.get("/sparql", headers=JSON, query_string={
                "query": f"SELECT * FROM NAMED <{canary.url}/nm> {{ GRAPH ?g {{ ?s ?p ?o }} }}"}),
            client.get("/sparql", headers=JSON, query_string={
                "query": "SELECT * { ?s ?p ?o }", "default-graph-uri": f"{canary.url}/dg"}),
            client.get("/sparql", headers=JSON, query_string={
                "query": "SELECT * { GRAPH ?g { ?s ?p ?o } }",
                "named-graph-uri": f"{canary.url}/ng"}),
        ]  # fmt: skip
    for response in answers:
        assert response.status_code == 200, response.data[:300]
        assert rows(response) == []
    assert canary.paths == []


def update_forms(canary: str) -> list[tuple[str, dict[str, Any]]]:
    insert = f"INSERT DATA {{ <{KG}held-x> <{KG}held-p> <{KG}held-y> }}"
    load = f"LOAD <{canary}/load>"
    sparql_update = "application/sparql-update"
    return [
        ("GET", {"query_string": {"update": insert}}),
        ("GET", {"query_string": {"update": insert, "query": "ASK {}"}}),
        ("POST", {"data": {"update": insert}}),
        ("POST", {"data": {"update": load}}),
        ("POST", {"data": insert, "content_type": sparql_update}),
        ("POST", {"data": insert, "content_type": "APPLICATION/SPARQL-UPDATE; charset=utf-8"}),
        ("GET", {"query_string": {"query": insert}}),
        ("GET", {"query_string": {"query": load}}),
        ("GET", {"query_string": {"query": insert.lower().replace("held", "HELD")}}),
        ("GET", {"query_string": {"query": f"WITH <{KG}g> DELETE {{ ?s ?p ?o }} WHERE {{}}"}}),
        ("GET", {"query_string": {"query": "DROP ALL"}}),
        ("GET", {"query_string": {"query": "CLEAR DEFAULT"}}),
        ("GET", {"query_string": {"query": "SELECT * {} ; " + load}}),
        ("GET", {"query_string": {"query": "# x\r" + load}}),
        ("GET", {"query_string": {"query": f"LO\\u0041D <{canary}/escaped>"}}),
        ("POST", {"data": "DELETE WHERE { ?s ?p ?o }", "content_type": "application/sparql-query"}),
        ("POST", {"data": {"update": insert}, "content_type": "multipart/form-data"}),
        ("PUT", {"data": insert, "content_type": sparql_update}),
        ("DELETE", {}),
        ("PATCH", {"data": insert, "content_type": sparql_update}),
    ]


def test_update_is_refused_in_21_forms_and_the_store_is_unchanged(app: Any) -> None:
    """Row "SPARQL Update, 21 forms: GET `update=` ..., PUT / DELETE / PATCH on /sparql, POST
    /data" (PASS): refused, store unchanged, LOAD never fetches."""
    count = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    before = rows(app.test_client().get("/sparql", query_string={"query": count}, headers=JSON))
    with Canary() as canary:
        refused = []
        for method, kwargs in update_forms(canary.url):
            response = app.test_client().open("/sparql", method=method, headers=JSON, **kwargs)
            refused.append((response.status_code, method, kwargs))
        data = app.test_client().post("/data", data="INSERT DATA {}",
                                      content_type="application/sparql-update")  # fmt: skip
        refused.append((data.status_code, "POST", {"path": "/data"}))
    assert len(refused) == 21
    assert [r for r in refused if not 400 <= r[0] < 500] == []
    client = app.test_client()
    after = rows(client.get("/sparql", query_string={"query": count}, headers=JSON))
    ask = client.get("/sparql", headers=JSON,
                     query_string={"query": f"ASK {{ <{KG}held-x> ?p ?o }}"})  # fmt: skip
    assert after == before and b"false" in ask.data
    assert canary.paths == []


RAW = {
    "content-length-larger": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
    b"application/sparql-query\r\nContent-Length: 100\r\n\r\nASK {}",
    "content-length-smaller": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
    b"application/sparql-query\r\nContent-Length: 3\r\n\r\nASK {}",
    "content-length-negative": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "content-length-huge": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
    b"application/sparql-query\r\nContent-Length: 99999999999999999999\r\n\r\nASK {}",
    "cl-and-te": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
    b"\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nASK {}\r\n0\r\n\r\n",
    "100-kb-header": b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
    "1000-headers": b"GET /health HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-H%d: v\r\n" % i for i in range(1000))
    + b"\r\n",
    "http-0.9": b"GET /health\r\n",
    "tls-bytes": bytes.fromhex("160301020001000200fc0303") + bytes(500),
}


@pytest.mark.parametrize("name", RAW)
def test_raw_protocol_oddities_do_not_hurt_the_server(server: tuple[Any, str], name: str) -> None:
    """Row "Raw protocol oddities: Content-Length larger or smaller than the body, negative or
    huge; both CL and TE; a 100 KB header; 1000 headers; HTTP/0.9; TLS bytes" (PASS): no crash,
    healthy after each."""
    process, url = server
    answer = raw(url, RAW[name])
    assert answer == b"" or answer.startswith(b"HTTP/1."), answer[:200]
    assert b" 500 " not in answer.split(b"\r\n", 1)[0]
    assert process.poll() is None and healthy(url)
    if name == "100-kb-header":  # refused, or the connection closed unanswered
        assert answer == b"" or answer.split()[1] in (b"400", b"431"), answer[:200]
