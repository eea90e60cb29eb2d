"""A real server process (gunicorn, as `cartkg serve` runs it) with real clients: SPARQLWrapper
in every result format, rdflib's SPARQLStore, raw HTTP for the error codes, a runaway query,
and SERVICE to an allowed endpoint."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
import xml.dom.minidom
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import start_server, stop_server

pytestmark = pytest.mark.slow

KG = "https://w3id.org/cartkg/id/"
HOSPITALS = (
    "PREFIX cartkg: <https://w3id.org/cartkg/ontology/>\n"
    "SELECT ?h WHERE { ?h a cartkg:Hospital } ORDER BY ?h"
)
CONSTRUCT = (
    "PREFIX cartkg: <https://w3id.org/cartkg/ontology/>\n"
    "CONSTRUCT { ?h a cartkg:Hospital } WHERE { ?h a cartkg:Hospital }"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
WANT = [KG + "alpha-hospital", KG + "beta-hospital"]
TIMEOUT = 3.0


@pytest.fixture(scope="module")
def endpoint(server_release: Path):  # type: ignore[no-untyped-def]
    process, url = start_server(
        server_release,
        "--workers",
        "1",
        "--threads",
        "4",
        "--timeout",
        str(TIMEOUT),
        "--max-request-bytes",
        "5000",
    )
    yield url + "/sparql"
    stop_server(process)


def wrapper(endpoint: str, query: str, fmt: str, method: str = "GET") -> object:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method == POST:
        client.setMethod(POST)
    return client.query().convert()


# ---- SPARQLWrapper, every result format --------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_json(endpoint, method) -> None:  # type: ignore[no-untyped-def]
    result = wrapper(endpoint, HOSPITALS, JSON, method)
    assert [b["h"]["value"] for b in result["results"]["bindings"]] == WANT  # type: ignore[index]


def test_sparqlwrapper_xml(endpoint) -> None:  # type: ignore[no-untyped-def]
    document = wrapper(endpoint, HOSPITALS, XML)
    assert isinstance(document, xml.dom.minidom.Document)
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == WANT


@pytest.mark.parametrize(("fmt", "separator"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_csv_tsv(endpoint, fmt, separator) -> None:  # type: ignore[no-untyped-def]
    body = wrapper(endpoint, HOSPITALS, fmt)
    assert isinstance(body, bytes)
    lines = body.decode().splitlines()
    assert lines[0] in ("h", "?h")
    assert [line.strip("<>") for line in lines[1:]] == WANT
    assert separator == "\t" or "\t" not in body.decode()


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(endpoint, fmt) -> None:  # type: ignore[no-untyped-def]
    result = wrapper(endpoint, f"ASK {{ <{KG}cd19> ?p ?o }}", fmt)
    if fmt == JSON:
        assert result["boolean"] is True  # type: ignore[index]
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_construct(endpoint, fmt) -> None:  # type: ignore[no-untyped-def]
    result = wrapper(endpoint, CONSTRUCT, fmt)
    if isinstance(result, bytes):
        graph = Graph().parse(data=result, format={TURTLE: "turtle", N3: "n3"}[fmt])
    else:
        graph = result
    assert isinstance(graph, Graph)
    assert sorted(str(s) for s in graph.subjects()) == WANT


# ---- rdflib's SPARQLStore ------------------------------------------------------------------


def test_rdflib_sparqlstore(endpoint) -> None:  # type: ignore[no-untyped-def]
    store = SPARQLStore(endpoint)
    graph = Graph(store=store)
    rows = list(graph.query(HOSPITALS))
    assert [str(row[0]) for row in rows] == WANT
    label = graph.value(URIRef(KG + "cd19"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    assert str(label) == "CD19"
    assert len(list(graph.triples((URIRef(KG + "alpha-hospital"), None, None)))) >= 3


# ---- raw HTTP: the error codes ------------------------------------------------------------------


def request(
    endpoint: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Message, bytes]:
    """Status, headers (names in any case, as HTTP has them) and body."""
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_error_codes(endpoint) -> None:  # type: ignore[no-untyped-def]
    q = "/sparql?query="
    cases = [
        ("GET", q + quote("SELECT ?s WHERE { ?s"), None, {}, 400),
        ("GET", q + "ASK%7B%7D&" + q[8:] + "ASK%7B%7D", None, {}, 400),
        ("GET", q + quote(HOSPITALS), None, {"Accept": "image/png"}, 406),
        ("GET", q + quote(HOSPITALS) + "&format=yaml", None, {}, 400),
        ("POST", "/sparql", HOSPITALS.encode(), {"Content-Type": "text/plain"}, 415),
        ("POST", "/sparql", b"DROP ALL", {"Content-Type": "application/sparql-update"}, 403),
        (
            "POST",
            "/sparql",
            b"update=DROP+ALL",
            {"Content-Type": "application/x-www-form-urlencoded"},
            403,
        ),
        ("DELETE", "/sparql", None, {}, 405),
        ("GET", q + quote("ASK {}" + " " * 6000), None, {}, 413),
        (
            "POST",
            "/sparql",
            b"ASK {}" + b" " * 6000,
            {"Content-Type": "application/sparql-query"},
            413,
        ),
        (
            "GET",
            q + quote("SELECT * { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }"),
            None,
            {},
            403,
        ),
        ("GET", "/api/by_label?label=", None, {}, 400),
        ("GET", "/no/such/page", None, {}, 404),
    ]
    for method, path, body, headers, status in cases:
        got, response_headers, data = request(endpoint, method, path, body, headers)
        assert got == status, (method, path, data)
        assert b"Traceback" not in data and b"/tmp" not in data
        assert response_headers.get("Access-Control-Allow-Origin") == "*"


def test_a_query_too_long_for_a_url_is_414(endpoint) -> None:  # type: ignore[no-untyped-def]
    """The HTTP server takes request lines of up to 64 KB; longer queries are POSTed."""
    status, _, _ = request(endpoint, "GET", "/sparql?query=ASK%7B%7D%23" + "a" * 70_000)
    assert status == 414


def test_ok_and_health(endpoint) -> None:  # type: ignore[no-untyped-def]
    status, _, body = request(endpoint, "GET", "/health")
    assert status == 200 and body == b'{"status": "ok"}'
    status, _, body = request(endpoint, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and endpoint.encode() in body  # the exact endpoint URL


# ---- a runaway query is stopped; others are served meanwhile --------------------------------


def test_runaway_query(endpoint) -> None:  # type: ignore[no-untyped-def]
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        status, _, body = request(endpoint, "GET", "/sparql?query=" + quote(RUNAWAY))
        outcome.update(
            status=status, body=body, seconds=time.monotonic() - started, done=time.monotonic()
        )

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    answered = []
    while thread.is_alive():
        started = time.monotonic()
        status, _, _ = request(endpoint, "GET", "/sparql?query=" + quote(HOSPITALS))
        answered.append((status, time.monotonic() - started, time.monotonic()))
        time.sleep(0.1)
    thread.join()
    assert outcome["status"] == 503 and b"time limit" in outcome["body"]  # type: ignore[operator]
    assert TIMEOUT - 0.5 < outcome["seconds"] < TIMEOUT + 10  # type: ignore[operator]
    during = [a for a in answered if a[2] < outcome["done"]]  # type: ignore[operator]
    assert during and all(status == 200 and seconds < TIMEOUT for status, seconds, _ in during)
    assert request(endpoint, "GET", "/sparql?query=" + quote(HOSPITALS))[0] == 200


def test_a_broken_canned_query_stops_the_start(server_release, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.rq").write_text("#+ summary: fine\n#+ pagination: lots\nSELECT * {}\n")
    command = [sys.executable, "-m", "cartkg.server", "--release", str(server_release),
               "--queries", str(tmp_path), "--port", "9"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"{tmp_path / 'broken.rq'}:2: pagination" in done.stderr
    assert "Traceback" not in done.stderr


# ---- SERVICE to an allowed endpoint --------------------------------------------------------


def test_allowed_service_is_federated(server_release, endpoint) -> None:  # type: ignore[no-untyped-def]
    process, url = start_server(
        server_release, "--workers", "1", "--threads", "2", "--allow-service", endpoint
    )
    try:
        hospital = "<https://w3id.org/cartkg/ontology/Hospital>"
        query = f"SELECT ?h WHERE {{ SERVICE <{endpoint}> {{ ?h a {hospital} }} }} ORDER BY ?h"
        result = wrapper(url + "/sparql", query, JSON)
        assert [b["h"]["value"] for b in result["results"]["bindings"]] == WANT  # type: ignore[index]
        other = query.replace(endpoint, endpoint + "/elsewhere")
        status, _, body = request(url + "/sparql", "GET", "/sparql?query=" + quote(other))
        assert status == 403 and b"not allowed" in body
    finally:
        stop_server(process)
