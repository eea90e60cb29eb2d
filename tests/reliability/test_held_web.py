"""Reliability review 2026-12 (`../shared/reviews/2026-12-reliability-review.md`), area 5 "Web":
every row held; each keeps a test here. A real server process for raw request targets and
headers (the HTTP server decides what a target means), Flask's test client on a real release
with real query workers for the pages.
"""

from __future__ import annotations

import http.client
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app, start_server, stop_server

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/sparql-results+json"
XSS = "<script>alert(1)</script>"
KG = "https://w3id.org/cartkg/id/"


@pytest.fixture(scope="module")
def server(server_release: Path) -> Iterator[str]:
    """The server as `cartkg serve` runs it, cache on (its default)."""
    process, url = start_server(server_release, "--workers", "1", "--threads", "4")
    yield url
    stop_server(process)


@pytest.fixture(scope="module")
def app(server_release: Path) -> Iterator[Any]:
    application = make_app(server_release, pool_size=2, cache_entries=64)
    yield application
    close_app(application)


def fetch(url: str, target: str, headers: dict[str, str] | None = None,
          method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:  # fmt: skip
    """One request with the target sent exactly as given."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_host="Host" in (headers or {}),
                        skip_accept_encoding=True)  # fmt: skip
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


TRAVERSAL = [
    f"/{base}/{trick}"
    for base in ("id", "ontology", "graph", "queries", "static", ".well-known", "api")
    for trick in (
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
        "..%5c..%5c..%5cetc%5cpasswd",
        "....//....//....//etc/passwd",
        "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    )
] + [
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/static/..%00/etc/passwd",
    "//etc/passwd",
    "/static//etc/passwd",
    "http://127.0.0.1/../../etc/passwd",
    "file:///etc/passwd",
]


def test_path_traversal_serves_no_file(server: str) -> None:
    """Row "Path traversal, 44 raw request targets on `/id/`, `/ontology/`, `/graph/`,
    `/queries/`, `/static/`, `/.well-known/`, `/api/` ..." (PASS): 404/400 (or a 308 to the
    same host from merging slashes), and no file content in any body."""
    secrets = [Path("/etc/passwd").read_bytes()[:20], Path(__file__).read_bytes()[:60]]
    assert len(TRAVERSAL) == 48
    for target in TRAVERSAL:
        status, headers, body = fetch(server, target)
        assert status in (400, 404, 308), (target, status)
        if status == 308:
            assert urlsplit(headers["Location"]).netloc in ("", urlsplit(server).netloc)
        assert not any(s in body for s in secrets), target
        assert b"root:x:0:0" not in body


def xss_targets() -> list[str]:
    x = quote(XSS)
    return [
        f"/id/a'{x}",
        f"/id/javascript:{x}",
        f"/graph/{x}",
        f"/sparql?query={quote('</textarea></script>' + XSS)}",
        f"/sparql?query={quote('SELECT * { ' + XSS + ' }')}",  # a SPARQL error
        f"/?q={x}",
        f"/queries/by_label?label_en={x}",
        f"/queries/things_of_type?type_iri={x}",
        f"/queries/labels_paged?page={x}",
        f"/queries/by_label?{x}=1",
        f"/queries/{x}",
        f"/.well-known/sparql-examples/{x}",
        f"/api/{x}",
        f"/nowhere/{x}",
        f"/id/x?format={x}",
        f"/sparql?query=ASK%7B%7D&format={x}",
        f"/queries/by_label?format={x}",
    ]


def test_reflected_xss_is_escaped_and_html_has_csp(app: Any) -> None:
    """Row "Reflected XSS, 20 placements: entity IRIs with `'`, `<script>`, `javascript:`; graph
    IRI; query page `query=` ...; canned page ...; 404 page; `format=` on 3 pages; SPARQL error"
    (PASS): escaped everywhere; CSP `default-src 'self'` and nosniff on every HTML response; no
    `javascript:` href."""
    html_seen = 0
    for target in xss_targets():
        response = app.test_client().get(target, headers={"Accept": BROWSER})
        body = response.get_data(as_text=True)
        assert XSS not in body and "<script>alert" not in body, target
        assert not re.search(r"href=[\"']?\s*javascript:", body, re.I), target
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if response.mimetype == "text/html":
            html_seen += 1
            assert "default-src 'self'" in response.headers["Content-Security-Policy"], target
    assert html_seen >= 10


def test_data_shown_on_pages_goes_through_the_same_escaping(app: Any) -> None:
    """Row "Stored XSS (data shown on entity, canned and query pages)" (PASS): the data is
    curated, so here a query puts markup into the data the query page shows: it is escaped."""
    query = f'SELECT ?x {{ BIND("{XSS}" AS ?x) }}'
    response = app.test_client().get("/sparql", query_string={"query": query},
                                     headers={"Accept": BROWSER})  # fmt: skip
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert XSS not in body.replace(query, "")  # the query text itself sits in a textarea, escaped
    assert "&lt;script&gt;" in body or "\\u003cscript" in body


def test_host_header_reaches_only_the_requester(server: str) -> None:
    """Row "`Host: evil.example` (also with a port, userinfo, duplicated)" (PASS): reflected only
    into the requester's own answer; the next clean client never sees it (the cache key
    includes Host)."""
    for path in ("/sparql", "/api/openapi.json", "/.well-known/sparql-examples"):
        for evil in ("evil.example", "evil.example:666", "user@evil.example"):
            accept = {"Accept": "text/turtle"} if path == "/sparql" else {}
            fetch(server, path, {"Host": evil, **accept})
            status, headers, body = fetch(server, path, {"Host": urlsplit(server).netloc, **accept})
            assert status == 200
            assert b"evil.example" not in body and "evil" not in str(headers), (path, evil)


FORWARDING = [
    {"X-Forwarded-Host": "evil.example"},
    {"X-Forwarded-Proto": "javascript"},
    {"X-Forwarded-Port": "666"},
    {"Forwarded": "host=evil.example;proto=https"},
    {"X-Original-URL": "/evil"},
    {"X-Rewrite-URL": "/evil"},
    {"X-Host": "evil.example"},
]


def test_forwarding_headers_are_ignored(server: str) -> None:
    """Row "`X-Forwarded-Host/Proto/Port`, `Forwarded`, `X-Original-URL`, `X-Rewrite-URL`,
    `X-Host`, an absolute-form target with another authority" (PASS): ignored; no poisoning."""
    clean = fetch(server, "/sparql", {"Accept": "text/turtle"})[2]
    for header in FORWARDING:
        status, _, body = fetch(server, "/sparql", {"Accept": "text/turtle", **header})
        assert status == 200 and b"evil" not in body and b"666" not in body, header
        assert body == clean
    # An absolute-form target names the requester's own authority, like Host: reflected to it
    # alone at most; the next clean client gets the clean answer.
    fetch(server, "http://evil.example/sparql", {"Accept": "text/turtle"})
    assert fetch(server, "/sparql", {"Accept": "text/turtle"})[2] == clean


def test_the_cache_keeps_formats_apart(server: str) -> None:
    """Row "Cache keyed on Accept (CSV then XML for the same URL)" (PASS): two formats."""
    target = "/sparql?query=" + quote("SELECT ?s { ?s ?p ?o } LIMIT 2")
    csv = fetch(server, target, {"Accept": "text/csv"})
    xml = fetch(server, target, {"Accept": "application/sparql-results+xml"})
    assert csv[1]["Content-Type"].startswith("text/csv") and csv[2].startswith(b"s\r\n")
    assert xml[1]["Content-Type"].startswith("application/sparql-results+xml")
    assert xml[2].lstrip().startswith(b"<?xml")


REDIRECTS = [
    "//evil.example/", "//evil.example/%2F..", "/\\evil.example", "/%5Cevil.example",
    "/%2F%2Fevil.example", "/%2f%2fevil.example/", "/@evil.example", "/http://evil.example",
    "/https:%2F%2Fevil.example", "/%09/evil.example", "/%09//evil.example", "///evil.example/",
    "////evil.example", "/api//evil.example/", "/id//evil.example", "/queries//evil.example",
    "/.well-known/sparql-examples//evil.example/", "/api/", "/static//evil.example/",
    "/ontology/",
]  # fmt: skip


def test_no_open_redirect(server: str) -> None:
    """Row "Open redirects: 20 targets (`//evil.example/`, `/\\evil.example`, `%2F%2F`,
    `/@evil.example`, `/http://evil.example`, `%09`, trailing slashes)" (PASS): no off-site
    Location."""
    assert len(REDIRECTS) == 20
    for target in REDIRECTS:
        status, headers, _ = fetch(server, target)
        location = headers.get("Location")
        if location is not None:
            resolved = urlsplit(location)
            assert resolved.netloc in ("", urlsplit(server).netloc), (target, location)
            assert not location.startswith(("//", "/\\")), (target, location)
        assert status < 500, target


def test_cors_is_star_without_credentials(server: str) -> None:
    """Row "CORS with `Origin: https://evil.example` plus a Cookie; preflight asking for
    `Authorization`; `Origin: null`" (PASS): `*` without credentials. Since issue 12 a preflight
    allows the request headers it asks for (a browser client's own headers), still without
    credentials, so no cookie or authorization of the visitor's is ever sent along."""
    target = "/sparql?query=ASK%7B%7D"
    for origin in ("https://evil.example", "null"):
        _, headers, _ = fetch(server, target, {"Origin": origin, "Cookie": "session=1"})
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in headers
    _, headers, _ = fetch(server, "/sparql", {
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization"}, method="OPTIONS")  # fmt: skip
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in headers
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"accept", "content-type", "authorization"} <= allowed


def test_no_stack_traces_or_file_paths_in_bodies(app: Any, server_release: Path) -> None:
    """Row "Stack traces or file paths in any body (every response kept in areas 1-6 was
    grepped)" (PASS): none. A sample of error-making requests from those areas."""
    client = app.test_client()
    answers = [
        client.get("/sparql", query_string={"query": "SELECT * { ?s"}),
        client.post("/sparql", data=b"ASK {} #\xff", content_type="application/sparql-query"),
        client.get("/sparql", query_string={"query": "ASK {}\x00"}),
        client.get("/sparql", query_string={"query": "DROP ALL"}),
        client.get("/sparql", query_string={"query": "ASK {}", "format": "../../etc/passwd"}),
        client.get("/api/by_label", query_string={"label_en": "x", "extra": "1"}),
        client.get("/api/things_of_type", query_string={"type_iri": "not an iri>"}),
        client.get("/api/labels_paged", query_string={"page": "²"}),
        client.get("/id/" + "x" * 5000),
        client.put("/sparql"),
        client.post("/sparql", data=b"ASK {}", content_type="text/plain"),
    ]
    root = str(Path(__file__).parents[2]).encode()
    for response in answers:
        assert response.status_code < 500, response.data[:300]
        for leak in (b"Traceback", b'File "', str(server_release).encode(), root, b".py"):
            assert leak not in response.data, (leak, response.data[:300])
