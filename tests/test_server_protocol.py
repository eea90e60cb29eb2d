"""The SPARQL 1.1 Protocol at /sparql, through Flask's test client (real query workers)."""

from __future__ import annotations

import csv
import io
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import build_release, close_app, make_app

KG = "https://w3id.org/cartkg/id/"
KGG = "https://w3id.org/cartkg/graph/"
HOSPITALS = "SELECT ?h WHERE { ?h a cartkg:Hospital } ORDER BY ?h"
CONSTRUCT = "CONSTRUCT { ?h a cartkg:Hospital } WHERE { ?h a cartkg:Hospital }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
SRJ = "application/sparql-results+json"


@pytest.fixture(scope="module")
def store(server_release: Path) -> ox.Store:
    """The same data, read directly: what the endpoint's answers are compared with."""
    return ox.Store.read_only(str(server_release / "store"))


@pytest.fixture(scope="module")
def app(server_release: Path):  # type: ignore[no-untyped-def]
    app = make_app(server_release, timeout=3.0)
    yield app
    close_app(app)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture(scope="module")
def plain_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A server_release whose store has no union default graph of its own."""
    return build_release(tmp_path_factory.mktemp("plain"), union=False)


@pytest.fixture(scope="module")
def strict_client(plain_release: Path):  # type: ignore[no-untyped-def]
    """Small limits, and one allowed SERVICE endpoint (nothing listens there)."""
    app = make_app(
        plain_release,
        in_memory=False,
        pool_size=1,
        row_cap=3,
        max_request_bytes=2000,
        service_allow_list=("http://127.0.0.1:9/sparql",),
    )
    yield app.test_client()
    close_app(app)


def solutions(body: bytes, fmt: ox.QueryResultsFormat) -> list[dict[str, str]]:
    parsed = ox.parse_query_results(body, fmt)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in parsed]


def expected(store: ox.Store, query: str) -> list[dict[str, str]]:
    """The rows pyoxigraph gives on the store's default graph (the union, each triple once)."""
    result = store.query(query, prefixes={"cartkg": "https://w3id.org/cartkg/ontology/"})
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


# ---- the three ways to send a query ---------------------------------------------------------


def test_get_post_form_and_post_query_give_the_same_rows(client, store) -> None:  # type: ignore[no-untyped-def]
    want = expected(store, HOSPITALS)
    assert [r["h"] for r in want] == [KG + "alpha-hospital", KG + "beta-hospital"]
    answers = [
        client.get("/sparql?query=" + quote(HOSPITALS)),
        client.post("/sparql", data={"query": HOSPITALS}),
        client.post("/sparql", data=HOSPITALS.encode(), content_type="application/sparql-query"),
    ]
    for response in answers:
        assert response.status_code == 200, response.data
        assert response.mimetype == SRJ
        assert solutions(response.data, ox.QueryResultsFormat.JSON) == want


# ---- result formats and content negotiation --------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (SRJ, ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_formats_parse_to_the_same_rows(client, store, accept, fmt) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": HOSPITALS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert solutions(response.data, fmt) == expected(store, HOSPITALS)


def test_csv_has_a_header_and_plain_values(client) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?h ?label WHERE { ?h a cartkg:Hospital ; rdfs:label ?label } ORDER BY ?h"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows == [
        ["h", "label"],
        [KG + "alpha-hospital", "Alpha Hospital"],
        [KG + "beta-hospital", "Beta Hospital"],
    ]
    assert b"\r\n" in response.data


def test_xml_results_are_well_formed_with_language_tags(client) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?label WHERE { kg:cd19 rdfs:label ?label }"
    response = client.get("/sparql", query_string={"query": query, "format": "xml"})
    root = ET.fromstring(response.data)
    literal = root.find(".//{http://www.w3.org/2005/sparql-results#}literal")
    assert literal is not None and literal.text == "CD19"
    assert literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


@pytest.mark.parametrize("accept", [SRJ, "application/sparql-results+xml"])
def test_ask(client, accept) -> None:  # type: ignore[no-untyped-def]
    for query, answer in [
        ("ASK { kg:cd19 a cartkg:TargetAntigen }", True),
        ("ASK { kg:cd19 a cartkg:Hospital }", False),
    ]:
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        fmt = ox.QueryResultsFormat.JSON if "json" in accept else ox.QueryResultsFormat.XML
        assert bool(ox.parse_query_results(response.data, fmt)) is answer


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ],
)
def test_construct_formats_parse_to_the_same_triples(client, store, accept, fmt) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.data
    assert response.mimetype == accept
    got = {q.triple for q in ox.parse(response.data, fmt)}
    want = set(store.query(CONSTRUCT, prefixes={"cartkg": "https://w3id.org/cartkg/ontology/"}))
    assert got == want and len(got) == 2


def test_q_values_choose_the_format(client) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "text/csv;q=0.5, application/sparql-results+xml": "application/sparql-results+xml",
        f"{SRJ};q=0.1, text/tab-separated-values": "text/tab-separated-values",
        "text/*;q=0.9, text/csv;q=0": "text/tab-separated-values",
        "*/*": SRJ,
        "application/json": "application/json",
    }
    for accept, media in cases.items():
        response = client.get(
            "/sparql", query_string={"query": HOSPITALS}, headers={"Accept": accept}
        )
        assert response.mimetype == media, accept
        assert "Accept" in response.headers["Vary"]


def test_format_parameter_overrides_accept(client) -> None:  # type: ignore[no-untyped-def]
    for name, media in [
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
    ]:
        response = client.get(
            "/sparql", query_string={"query": HOSPITALS, "format": name}, headers={"Accept": SRJ}
        )
        assert response.mimetype == media
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "output": "nt"})
    assert response.mimetype == "application/n-triples"


def test_unknown_format_is_400_naming_the_parameter(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": HOSPITALS, "format": "yaml"})
    assert response.status_code == 400
    assert b"format" in response.data and b"yaml" in response.data


def test_406_when_nothing_acceptable(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql", query_string={"query": HOSPITALS}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    # A graph cannot be CSV: the kind of result decides.
    response = client.get(
        "/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 406
    assert b"text/turtle" in response.data


# ---- errors --------------------------------------------------------------------------------


def test_malformed_query_is_400_with_the_position(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert b"1:" in response.data and b"malformed" in response.data


def test_unsupported_media_type_is_415(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/sparql", data=HOSPITALS, content_type="text/plain")
    assert response.status_code == 415
    assert b"application/sparql-query" in response.data


def test_wrong_method_is_405_with_allow(client) -> None:  # type: ignore[no-untyped-def]
    response = client.put("/sparql", data=HOSPITALS)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_two_query_parameters_are_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400
    response = client.post("/sparql?query=ASK%7B%7D", data={"query": "ASK {}"})
    assert response.status_code == 400
    response = client.post(
        "/sparql?query=ASK%7B%7D", data=b"ASK {}", content_type="application/sparql-query"
    )
    assert response.status_code == 400


def test_post_without_query_is_400(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/sparql", data={"default-graph-uri": KGG + "curation"}).status_code == 400


def test_updates_are_refused(client, store) -> None:  # type: ignore[no-untyped-def]
    before = len(store)
    update = f"INSERT DATA {{ <{KG}x> <{KG}p> <{KG}y> }}"
    answers = [
        client.post("/sparql", data=update, content_type="application/sparql-update"),
        client.post("/sparql", data={"update": update}),
        client.get("/sparql", query_string={"update": update}),
        client.get("/sparql", query_string={"query": update}),
        client.get("/sparql", query_string={"query": "DROP ALL"}),
    ]
    for response in answers:
        assert response.status_code == 403
        assert b"read-only" in response.data
    assert len(store) == before


def test_no_stack_traces_or_paths_in_errors(client, server_release) -> None:  # type: ignore[no-untyped-def]
    for response in [
        client.get("/sparql", query_string={"query": "SELECT"}),
        client.get("/nowhere"),
        client.delete("/sparql"),
    ]:
        assert b"Traceback" not in response.data
        assert str(server_release).encode() not in response.data


# ---- the dataset ---------------------------------------------------------------------------


def count(client, query: str, **params: str | list[str]) -> int:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.data
    return int(solutions(response.data, ox.QueryResultsFormat.JSON)[0]["n"])


def test_default_graph_is_the_union_of_named_graphs(client, store) -> None:  # type: ignore[no-untyped-def]
    # kg:tisagenlecleucel targets kg:cd19 in two source graphs: the union has it once.
    distinct = {(q.subject, q.predicate, q.object) for q in store}
    assert len(distinct) < len([q for q in store if q.graph_name != ox.DefaultGraph()])
    assert count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == len(distinct)


def test_in_memory_workers_make_the_union_themselves(plain_release, store) -> None:  # type: ignore[no-untyped-def]
    # A small store without a union graph of its own is loaded into memory by default.
    distinct = {(q.subject, q.predicate, q.object) for q in store}
    app = make_app(plain_release, pool_size=1)
    try:
        assert count(app.test_client(), "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == len(distinct)
    finally:
        close_app(app)


def test_default_and_named_graph_uris(client, store) -> None:  # type: ignore[no-untyped-def]
    in_001 = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(KGG + "source-001"))))
    assert (
        count(
            client,
            "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
            **{"default-graph-uri": KGG + "source-001"},
        )
        == in_001
    )
    both = [KGG + "source-000", KGG + "source-001"]
    assert (
        count(
            client,
            "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }",
            **{"named-graph-uri": both},
        )
        == 2
    )
    # With only named graphs given, the default graph is empty.
    assert count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", **{"named-graph-uri": both}) == 0


def test_from_in_the_query_is_honoured(client, store) -> None:  # type: ignore[no-untyped-def]
    in_000 = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(KGG + "source-000"))))
    query = f"SELECT (COUNT(*) AS ?n) FROM <{KGG}source-000> {{ ?s ?p ?o }}"
    assert count(client, query) == in_000


def test_bad_graph_uri_is_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"}
    )
    assert response.status_code == 400
    assert b"default-graph-uri" in response.data


# ---- descriptions ----------------------------------------------------------------------------


def test_service_description(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    store = ox.Store()
    store.load(response.data, ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    rows = list(
        store.query(f"""PREFIX sd: <{sd}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?endpoint ?format ?comment WHERE {{
          ?s sd:endpoint ?endpoint ; sd:resultFormat ?format ;
             sd:defaultDataset/sd:defaultGraph/rdfs:comment ?comment
        }}""")
    )
    assert {r["endpoint"].value for r in rows} == {"http://localhost/sparql"}
    formats = {r["format"].value.rsplit("/", 1)[-1] for r in rows}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_CSV", "Turtle", "JSON-LD"} <= formats
    assert "union of all the named graphs" in rows[0]["comment"].value
    graphs = list(store.query(f"PREFIX sd: <{sd}> SELECT ?name WHERE {{ ?g sd:name ?name }}"))
    assert {g["name"].value for g in graphs} >= {KGG + "source-000", KGG + "provenance"}


def test_browsers_get_the_query_page(client) -> None:  # type: ignore[no-untyped-def]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": browser})
    assert response.mimetype == "text/html"
    assert b'id="query"' in response.data
    response = client.get("/sparql", query_string={"query": HOSPITALS}, headers={"Accept": browser})
    assert response.mimetype == "text/html" and b"cartkg:Hospital" in response.data


def test_void(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/.well-known/void", "/dataset"):
        response = client.get(path, headers={"Accept": "application/n-triples"})
        triples = list(ox.parse(response.data, ox.RdfFormat.N_TRIPLES))
        assert any(t.predicate.value == "http://rdfs.org/ns/void#triples" for t in triples)
    page = client.get("/.well-known/void", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and b"void:triples" in page.data


# ---- limits and safety ---------------------------------------------------------------------


def test_row_cap_cuts_and_says_so(strict_client) -> None:  # type: ignore[no-untyped-def]
    response = strict_client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert len(solutions(response.data, ox.QueryResultsFormat.JSON)) == 3
    assert "X-Result-Truncated" in response.headers
    response = strict_client.get("/sparql", query_string={"query": HOSPITALS})
    assert "X-Result-Truncated" not in response.headers


def test_request_size_limit(strict_client) -> None:  # type: ignore[no-untyped-def]
    long_query = "ASK {}" + " " * 3000
    assert strict_client.get("/sparql", query_string={"query": long_query}).status_code == 413
    assert strict_client.post("/sparql", data={"query": long_query}).status_code == 413
    assert (
        strict_client.post(
            "/sparql", data=long_query.encode(), content_type="application/sparql-query"
        ).status_code
        == 413
    )


HIDDEN_SERVICE = """SELECT * WHERE {
  ?s <http://example.org/x'''> ?o .
  FILTER(?a<?b)#>\"\"\"
  SERVICE <http://127.0.0.1:8/sparql> { ?x ?y ?z }
  #\"\"\"'''
}"""


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://127.0.0.1:8/sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT <http://127.0.0.1:8/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://127.0.0.1:8/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
        "SELECT * { BIND(<http://127.0.0.1:9/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "select * { service <http://127.0.0.1:9/sparql/other> { ?s ?p ?o } }",
        HIDDEN_SERVICE,
    ],
)
def test_service_is_refused_unless_allowed(strict_client, query) -> None:  # type: ignore[no-untyped-def]
    response = strict_client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert b"SERVICE" in response.data


def test_an_allowed_service_is_called(strict_client) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens there: SILENT turns the failed call into one empty solution.
    query = "SELECT * { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = strict_client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.data
    response = strict_client.get("/sparql", query_string={"query": query.replace(" SILENT", "")})
    assert response.status_code == 400  # the call was attempted, and failed


def test_cors(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://x.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/sparql", headers={"Origin": "https://x.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


def test_runaway_query_is_stopped_while_others_are_served(client, app) -> None:  # type: ignore[no-untyped-def]
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        # Another client: one client's queries wait for its own (cartkg/server/admission.py).
        runner = app.test_client()
        runner.environ_base["REMOTE_ADDR"] = "127.0.0.2"
        response = runner.get("/sparql", query_string={"query": RUNAWAY})
        outcome.update(
            status=response.status_code,
            body=response.data,
            seconds=time.monotonic() - started,
            done=time.monotonic(),
        )

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    served = []
    while thread.is_alive():
        response = client.get("/sparql", query_string={"query": HOSPITALS})
        served.append((response.status_code, time.monotonic()))
        time.sleep(0.2)
    thread.join()
    assert outcome["status"] == 503
    assert b"time limit" in outcome["body"]  # type: ignore[operator]
    assert 2.5 < outcome["seconds"] < 15  # type: ignore[operator]
    during = [status for status, at in served if at < outcome["done"]]  # type: ignore[operator]
    assert during and all(status == 200 for status in during)
    # The killed worker was replaced: both workers answer, several clients at once.
    statuses: list[int] = []

    def one(n: int) -> None:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"127.0.1.{n}"
        response = client.get("/sparql", query_string={"query": HOSPITALS})
        statuses.append(response.status_code)

    clients = [threading.Thread(target=one, args=(n,)) for n in range(6)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert statuses == [200] * 6


def test_health(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}
