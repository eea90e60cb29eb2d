"""Canned queries: decorators, BASIL parameters, binding as RDF terms, the REST API, OpenAPI,
the SPARQL examples."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from cartkg.canned import ParameterError, load_all, parse_text
from cartkg.errors import SourceError
from cartkg.paths import layout
from cartkg.prefixes import sparql_prefixes as endpoint_prefixes

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import QUERIES, close_app, make_app

KG = "https://w3id.org/cartkg/id/"
CARTKG = "https://w3id.org/cartkg/ontology/"
ATTACK = 'x" } UNION { ?s ?p ?o } #'


@pytest.fixture(scope="module")
def app(server_release: Path):  # type: ignore[no-untyped-def]
    app = make_app(server_release)
    yield app
    close_app(app)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data
    parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in parsed]


# ---- reading the files -----------------------------------------------------------------------


def test_the_project_queries_load() -> None:
    queries = load_all(layout().queries, endpoint_prefixes())
    for name, query in queries.items():
        assert query.summary, f"{name} has no summary"
        assert query.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def test_the_project_queries_run(server_release: Path) -> None:
    """Every query of queries/ parses, binds its defaults and runs (on the small test data)."""
    app = make_app(server_release, queries_dir=layout().queries, pool_size=1)
    try:
        client = app.test_client()
        for name, query in app.extensions["cartkg"].canned.items():
            call = client.post if query.method == "POST" else client.get
            response = call(f"/api/{name}")
            assert response.status_code == 200, (name, response.data)
    finally:
        close_app(app)


def test_basil_parameters_are_typed() -> None:
    queries = load_all(QUERIES, endpoint_prefixes())
    found = {(q, p.name): p for q, query in queries.items() for p in query.parameters}
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert found[("things_of_type", "type")].type == "iri"
    assert found[("by_label", "label")].lang == "en"
    assert found[("petitions", "min")].datatype == xsd + "integer"
    assert found[("petitions", "since")].datatype == xsd + "date"
    assert found[("petitions", "score")].type == "number"
    assert not found[("petitions", "score")].required
    assert found[("petitions", "until")].datatype == xsd + "date"  # _prefix_datatype form
    assert found[("things_of_type", "type")].default == CARTKG + "Hospital"
    assert found[("things_of_type", "type")].enumerate_from_data


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("#+ summary: ok\n#+ tags: [a\nSELECT * {}", 2, "YAML"),
        ("#+ summary: ok\n#+ sumary: typo\nSELECT * {}", 2, "sumary"),
        ("#+ pagination: many\nSELECT * {}", 1, "pagination"),
        ("#+ summary: s\n#+ defaults:\n#+   - nothing: 1\nSELECT * { ?s ?p ?_x }", 2, "nothing"),
        ("#+ defaults:\n#+   - n: abc\nSELECT * { ?s ?p ?_n_integer }", 1, "integer"),
        ("#+ enumerate:\n#+   - nobody\nSELECT * { ?s ?p ?_x }", 1, "nobody"),
        ("#+ method: PUT\nSELECT * {}", 1, "GET or POST"),
    ],
)
def test_decorator_errors_name_the_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_text(text, "broken", Path("queries/broken.rq"))
    assert caught.value.file == "queries/broken.rq"
    assert caught.value.line == line
    assert words in str(caught.value)


def test_unknown_datatype_prefix_is_reported() -> None:
    with pytest.raises(SourceError, match="nope"):
        parse_text("SELECT * { ?s ?p ?_x_nope_thing }", "q", Path("q.rq"), endpoint_prefixes())


# ---- binding -------------------------------------------------------------------------------


def test_values_become_terms_not_text() -> None:
    query = parse_text("SELECT ?s WHERE { ?s rdfs:label ?_label }", "q")
    bound = query.bind({"label": ATTACK})
    # The value sits inside one string literal of a VALUES block; the query's shape is unchanged.
    assert bound.query.count("UNION") == 1
    assert '"x\\" } UNION { ?s ?p ?o } #"' in bound.query
    projected = parse_text("SELECT ?s ?_label WHERE { ?s rdfs:label ?_label }", "q")
    bound = projected.bind({"label": ATTACK})
    assert "UNION" not in bound.query
    assert bound.substitutions == (("_label", ox.Literal(ATTACK)),)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("?_x_iri", "not an iri", "an IRI"),
        ("?_x_iri", "https://w3id.org/x> } UNION { ?s ?p ?o", "an IRI"),
        ("?_x_integer", "12abc", "xsd:integer"),
        ("?_x_date", "2024-13", "xsd:date"),
        ("?_x_number", "many", "a number"),
        ("?_x_boolean", "yes", "xsd:boolean"),
    ],
)
def test_bad_values_name_the_parameter_and_type(variable: str, value: str, expected: str) -> None:
    query = parse_text(f"SELECT * {{ ?s ?p {variable} }}", "q")
    with pytest.raises(ParameterError) as caught:
        query.bind({"x": value})
    assert caught.value.parameter == "x"
    assert expected in str(caught.value)


def test_curies_are_accepted_for_iris() -> None:
    query = parse_text("SELECT ?_x_iri { ?s ?p ?_x_iri }", "q")
    bound = query.bind({"x": "kg:cd19"}, endpoint_prefixes())
    assert bound.substitutions == (("_x_iri", ox.NamedNode(KG + "cd19")),)


# ---- the REST API --------------------------------------------------------------------------


def test_defaults_and_values(client) -> None:  # type: ignore[no-untyped-def]
    hospitals = rows(client.get("/api/things_of_type"))
    assert [r["thing"] for r in hospitals] == [KG + "alpha-hospital", KG + "beta-hospital"]
    antigens = rows(
        client.get("/api/things_of_type", query_string={"type": "cartkg:TargetAntigen"})
    )
    assert [r["thing"] for r in antigens] == [KG + "cd19"]


def test_every_parameter_type(client) -> None:  # type: ignore[no-untyped-def]
    assert rows(client.get("/api/by_label", query_string={"label": "CD19"})) == [
        {"thing": KG + "cd19"}
    ]
    assert rows(
        client.get("/api/by_plain_text", query_string={"title": "Another invented article"})
    ) == [{"source": KG + "source-001"}]
    petitions = {"min": "100", "since": "2024-01-01"}
    assert len(rows(client.get("/api/petitions", query_string=petitions))) == 1
    assert rows(client.get("/api/petitions", query_string={**petitions, "min": "20000"})) == []
    assert rows(client.get("/api/petitions", query_string={**petitions, "score": "0.9"})) == []
    assert len(rows(client.get("/api/petitions", query_string={**petitions, "score": "0.5"}))) == 1
    assert (
        rows(client.get("/api/petitions", query_string={**petitions, "until": "2024-04-30"})) == []
    )


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("by_label", {"label": ATTACK}, None),
        ("by_plain_text", {"title": ATTACK}, None),
        ("things_of_type", {"type": ATTACK}, "type"),
        ("things_of_type", {"type": CARTKG + "Hospital> } UNION { ?thing ?p ?label } #"}, "type"),
        ("petitions", {"min": ATTACK, "since": "2024-01-01"}, "min"),
        ("petitions", {"min": "1", "since": ATTACK}, "since"),
        ("petitions", {"min": "1", "since": "2024-01-01", "score": ATTACK}, "score"),
        ("petitions", {"min": "1", "since": "2024-01-01", "until": ATTACK}, "until"),
        ("is_hospital", {"thing": ATTACK}, "thing"),
    ],
)
def test_injection_does_not_change_the_query(client, name, params, parameter) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/{name}", query_string=params)
    if parameter is None:
        # A text parameter takes any text: it is one literal, which matches nothing here.
        assert rows(response) == []
    else:
        assert response.status_code == 400
        assert f"parameter '{parameter}'".encode() in response.data


def test_missing_and_unknown_parameters(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/by_label")
    assert response.status_code == 400
    assert response.json["error"].startswith("parameter 'label': required")
    response = client.get("/api/by_label", query_string={"label": "CD19", "lable": "x"})
    assert response.status_code == 400 and "lable" in response.json["error"]
    assert client.get("/api/no_such_query").status_code == 404


def test_pagination_with_link_headers(client) -> None:  # type: ignore[no-untyped-def]
    everything = rows(
        client.get(
            "/sparql",
            query_string={
                "query": "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?label"
            },
        )
    )
    pages = -(-len(everything) // 3)
    assert pages >= 3
    collected = []
    for page in range(1, pages + 1):
        response = client.get("/api/labels_paged", query_string={"page": str(page)})
        collected += rows(response)
        links = {
            part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<")
            for part in response.headers["Link"].split(", ")
        }
        assert links["first"].endswith("page=1") and links["last"].endswith(f"page={pages}")
        assert ("prev" in links) == (page > 1)
        assert ("next" in links) == (page < pages)
        if page < pages:
            assert links["next"].endswith(f"page={page + 1}")
        assert response.headers["X-Total-Count"] == str(len(everything))
    assert collected == everything
    assert client.get("/api/labels_paged", query_string={"page": "0"}).status_code == 400
    assert client.get("/api/by_label", query_string={"label": "x", "page": "2"}).status_code == 400


def test_other_formats_and_forms(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/things_of_type", query_string={"format": "csv"})
    assert response.mimetype == "text/csv" and b"Alpha Hospital" in response.data
    response = client.get("/api/is_hospital", query_string={"thing": "kg:alpha-hospital"})
    assert response.json == {"head": {}, "boolean": True}
    response = client.get("/api/is_hospital", query_string={"thing": "kg:cd19"})
    assert response.json == {"head": {}, "boolean": False}
    # A POST query: GET is refused, a form POST gives a graph.
    assert client.get("/api/about", query_string={"thing": "kg:cd19"}).status_code == 405
    response = client.post(
        "/api/about", data={"thing": "kg:cd19"}, headers={"Accept": "text/turtle"}
    )
    triples = list(ox.parse(response.data, ox.RdfFormat.TURTLE))
    assert {t.subject.value for t in triples} == {KG + "cd19"} and len(triples) >= 3


def test_openapi(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert doc["servers"] == [{"url": "http://localhost/api"}]
    assert set(doc["paths"]) == {f"/{p.stem}" for p in QUERIES.glob("*.rq")}
    get = doc["paths"]["/things_of_type"]["get"]
    (param,) = get["parameters"]
    assert param["name"] == "type" and param["schema"]["format"] == "uri"
    assert CARTKG + "Hospital" in param["schema"]["enum"]  # enumerated from the data
    assert CARTKG + "TargetAntigen" in param["schema"]["enum"]
    petitions = {p["name"]: p for p in doc["paths"]["/petitions"]["get"]["parameters"]}
    assert petitions["min"]["schema"]["type"] == "integer" and petitions["min"]["required"]
    assert not petitions["score"]["required"]
    assert "page" in {p["name"] for p in doc["paths"]["/labels_paged"]["get"]["parameters"]}
    assert "requestBody" in doc["paths"]["/about"]["post"]
    assert "text/csv" in get["responses"]["200"]["content"]


def test_sparql_examples_run_as_published(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/sparql-examples", headers={"Accept": "text/turtle"})
    store = ox.Store()
    store.load(response.data, ox.RdfFormat.TURTLE)
    examples = list(
        store.query(
            """PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?ex ?text ?comment ?target WHERE {
          ?ex a sh:SPARQLExecutable ; rdfs:comment ?comment ; <https://schema.org/target> ?target ;
              sh:select|sh:ask|sh:construct|sh:describe ?text }""",
            prefixes={"rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
        )
    )
    assert len(examples) == len(list(QUERIES.glob("*.rq")))
    assert {e["target"].value for e in examples} == {"http://localhost/sparql"}
    text = next(e["text"].value for e in examples if e["ex"].value.endswith("/labels_paged"))
    assert text.startswith("PREFIX rdfs:")  # self-contained, for other editors
    assert len(rows(client.post("/sparql", data={"query": text}))) > 3


def test_api_pages(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and b"/queries/things_of_type" in page.data
    page = client.get("/queries/by_label", query_string={"label": "CD19", "run": "1"})
    assert page.status_code == 200 and b"/id/cd19" in page.data
    page = client.get(
        "/queries/petitions", query_string={"min": "abc", "since": "2024-01-01", "run": "1"}
    )
    assert page.status_code == 400 and b"parameter &#39;min&#39;" in page.data
