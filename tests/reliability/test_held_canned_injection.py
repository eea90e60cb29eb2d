"""Reliability review 2026-12 (`../shared/reviews/2026-12-reliability-review.md`), area 6
"Canned-query injection": the attacks that held (PASS rows) keep a test here. Flask's test client
on a real release with real query workers. A sample of the review's hostile values (not all 754
requests) goes into every parameter of the fixture queries, on the API and on the HTML page; the
answer must be what pyoxigraph gives with the value substituted as one RDF term, or 400 naming
the parameter.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = {"Accept": "application/sparql-results+json"}
KG = "https://w3id.org/cartkg/id/"
PREFIXES = {
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "cartkg": "https://w3id.org/cartkg/ontology/",
    "dcterms": "http://purl.org/dc/terms/",
}
HOSTILE = [
    'x" } UNION { ?s ?p ?o } #',
    "<http://a> } ; DROP ALL #",
    "kg:x> } UNION { ?s ?p ?o } #",
    "http://a b",
    'http://a"b',
    "http://a\r\nb",
    "http://a>b",
    "http://a{}",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "_:b0",
    "?s",
    "a\x00b",
    "1e999999",
    "NaN",
    "INF",
    "-INF",
    "9" * 5000,
    '1"^^xsd:integer } UNION { ?s ?p ?o } #',
    'x"@en',
    "\\u0022 } UNION { ?s ?p ?o } #",
    "\U0001f600",
    "\u200fCD19",
    "y" * 20_000,
    "<script>alert(1)</script>",
    "{{7*7}}",
    " ",
]


@pytest.fixture(scope="module")
def app(server_release: Path) -> Iterator[Any]:
    application = make_app(server_release, pool_size=2)
    yield application
    close_app(application)


@pytest.fixture(scope="module")
def store(server_release: Path) -> ox.Store:
    return ox.Store.read_only(str(server_release / "store"))


def direct(store: ox.Store, query: str, **terms: ox.NamedNode | ox.Literal) -> list[dict[str, str]]:
    """The rows with each value substituted as one term by pyoxigraph itself."""
    result = store.query(
        query, prefixes=PREFIXES, substitutions={ox.Variable(k): v for k, v in terms.items()}
    )
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables if v.value not in terms]
    return sorted(({n: s[n].value for n in names if s[n] is not None} for s in result), key=str)


def rows(response: Any) -> list[dict[str, str]]:
    parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return sorted(({n: s[n].value for n in names if s[n] is not None} for s in parsed), key=str)


def typed(value: str, kind: str) -> ox.NamedNode | ox.Literal | None:
    """The term the value stands for, or None where it is not a valid value of that kind."""
    try:
        if kind == "iri":
            return ox.NamedNode(value)
        if kind == "en":
            return ox.Literal(value, language="en")
        if kind == "string":
            return ox.Literal(value)
    except ValueError:
        return None
    raise AssertionError(kind)


# (query, parameter, its kind, the query text with the parameter as ?v)
CASES = [
    ("by_label", "label", "en", "SELECT ?thing ?v WHERE { ?thing rdfs:label ?v }"),
    ("by_plain_text", "title", "string",
     "SELECT ?source ?v WHERE { ?source dcterms:title ?title FILTER(STR(?title) = ?v) }"),
    ("is_hospital", "thing", "iri", None),
    ("things_of_type", "type", "iri",
     "SELECT ?thing ?label ?v WHERE { ?thing a ?v ; rdfs:label ?label }"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "parameter", "kind", "query"), CASES, ids=[c[0] for c in CASES])
def test_hostile_values_are_bound_as_one_term(
    app: Any, store: ox.Store, name: str, parameter: str, kind: str, query: str | None
) -> None:
    """Row "Every parameter of every canned query ... x 57 hostile values ... (754 requests, on
    the API and on the HTML page)" (PASS), sampled: no change to the query, no extra rows, no
    5xx; bad IRIs 400 naming the parameter."""
    for value in HOSTILE:
        response = app.test_client().get(f"/api/{name}", query_string={parameter: value},
                                         headers=JSON)  # fmt: skip
        term = typed(value, kind)
        assert response.status_code < 500, (value, response.data[:300])
        if response.status_code == 400:
            assert kind == "iri" or "\x00" in value, (value, response.data[:300])
            assert f"parameter '{parameter}'".encode() in response.data, value
            continue
        assert response.status_code == 200, (value, response.data[:300])
        assert term is not None, value
        if query is None:  # an ASK: true only for a hospital, which no hostile value names
            assert response.json == {"head": {}, "boolean": False}, value
        else:
            assert rows(response) == direct(store, query, v=term), value
        page = app.test_client().get(f"/queries/{name}", query_string={parameter: value},
                                     headers={"Accept": BROWSER})  # fmt: skip
        assert page.status_code < 500, value
        assert "<script>alert" not in page.get_data(as_text=True)


def test_typed_parameters_refuse_hostile_values_naming_them(app: Any) -> None:
    """Same row, for the typed parameters (integer, date, number, xsd:date) and `page`: each
    hostile value is 400 naming the parameter, never a 5xx or a changed query."""
    base = {"min": "1", "since": "2024-01-01"}
    for parameter in ("min", "since", "score", "until"):
        for value in HOSTILE:
            response = app.test_client().get("/api/petitions", headers=JSON,
                                             query_string={**base, parameter: value})  # fmt: skip
            assert response.status_code in (200, 400), (parameter, value, response.data[:300])
            if response.status_code == 400:
                assert f"parameter '{parameter}'".encode() in response.data
            else:  # only a value of the type is accepted: the NaN/INF of xsd:double, say
                assert len(rows(response)) <= 1, (parameter, value)
    for value in [*HOSTILE, "0", "-1", "1.5", "\u00b2", "\u0661"]:
        response = app.test_client().get("/api/labels_paged", query_string={"page": value},
                                         headers=JSON)  # fmt: skip
        assert response.status_code == 400, (value, response.status_code)
        assert b"page" in response.data


BASIL = {
    # suffix: (a value, the term it must come back as)
    "number": ("4.5", ox.Literal("4.5", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#decimal"))),
    "integer": ("-12", ox.Literal("-12", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))),
    "date": ("2024-02-29", ox.Literal("2024-02-29", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#date"))),
    "xsd_gYear": ("2024", ox.Literal("2024", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#gYear"))),
    "boolean": ("true", ox.Literal("true", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#boolean"))),
    "xsd_double": ("1000", ox.Literal("1000", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#double"))),
    "string": ('a "quoted" } UNION {', ox.Literal('a "quoted" } UNION {')),
    "en": ("café \U0001f600", ox.Literal("café \U0001f600", language="en")),
    "iri": ("https://w3id.org/cartkg/id/cd19", ox.NamedNode(KG + "cd19")),
    "literal": ("x\ny", ox.Literal("x\ny")),
}  # fmt: skip


@pytest.fixture(scope="module")
def typed_app(server_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Test queries, one per BASIL type and binding path: VALUES (the parameter is not
    projected) and substitution (it is)."""
    folder = tmp_path_factory.mktemp("basil")
    for suffix in BASIL:
        (folder / f"values_{suffix}.rq").write_text(
            f"#+ summary: {suffix} by VALUES\n\nSELECT ?v WHERE {{ BIND(?_x_{suffix} AS ?v) }}\n"
        )
        (folder / f"sub_{suffix}.rq").write_text(
            f"#+ summary: {suffix} by substitution\n\nSELECT ?_x_{suffix} WHERE {{}}\n"
        )
    application = make_app(server_release, pool_size=1, queries_dir=folder)
    yield application
    close_app(application)


@pytest.mark.parametrize("suffix", BASIL)
def test_every_basil_type_round_trips_by_both_paths(typed_app: Any, suffix: str) -> None:
    """Row "Every BASIL type, using test queries served with `--queries`: `_number`,
    `_integer`, `_date`, `_xsd_gYear`, `_boolean`, `_double`, `_string`, `_en`, IRI and literal
    bound by VALUES and by substitution" (PASS): exactly one term of the right type or
    language."""
    value, want = BASIL[suffix]
    for name in (f"values_{suffix}", f"sub_{suffix}"):
        response = typed_app.test_client().get(f"/api/{name}", query_string={"x": value},
                                               headers=JSON)  # fmt: skip
        assert response.status_code == 200, (name, response.data[:300])
        parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.JSON)
        assert isinstance(parsed, ox.QuerySolutions)
        solutions = list(parsed)
        assert len(solutions) == 1, name
        (got,) = [solutions[0][v] for v in parsed.variables]
        assert got == want, (name, got)


def test_parameter_handling_is_400_naming_the_parameter(app: Any) -> None:
    """Row "Parameter handling: repeated, unknown, `format=../../etc/passwd`, `page` on an
    unpaginated query, empty value" (PASS): 400 x4 naming the parameter. The review saw an empty
    value count as "not given"; since issue 12 (schemathesis: an empty IRI is not an IRI) it is
    400 naming the parameter too, and leaving the parameter out gives the default."""
    client = app.test_client()
    repeated = client.get("/api/by_label?label=CD19&label=x", headers=JSON)
    unknown = client.get("/api/by_label", query_string={"label": "CD19", "lable": "x"})
    fmt = client.get("/api/by_label", query_string={"label": "CD19", "format": "../../etc/passwd"})
    page = client.get("/api/by_label", query_string={"label": "CD19", "page": "2"})
    for response, named in ((repeated, b"label"), (unknown, b"lable"), (fmt, b"format"),
                            (page, b"page")):  # fmt: skip
        assert response.status_code == 400, response.data[:300]
        assert named in response.data
        assert b"root:x" not in response.data
    empty = client.get("/api/things_of_type", query_string={"type": ""}, headers=JSON)
    assert empty.status_code == 400 and b"type" in empty.data
    assert client.get("/api/things_of_type", headers=JSON).status_code == 200
    required = client.get("/api/by_label", query_string={"label": ""})
    assert required.status_code == 400 and b"label" in required.data
