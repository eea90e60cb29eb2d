"""A CONSTRUCT with relative IRIs got 400 ("IRI parsing failed"): no base IRI was given to
pyoxigraph. The W3C protocol test `query_content_type_construct` expects them resolved against
the request URL, as Oxigraph's server does (clients review 2026-12, section 1,
"Why cartkg fails each test", `query_content_type_construct`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app


@pytest.fixture(scope="module")
def client(server_release: Path):  # type: ignore[no-untyped-def]
    app = make_app(server_release, pool_size=1, service_allow_list=("http://localhost/other",))
    yield app.test_client()
    close_app(app)


def test_relative_iris_in_a_construct_resolve_against_the_endpoint_url(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    triples = [q.triple for q in ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)]
    assert triples == [
        ox.Triple(
            ox.NamedNode("http://localhost/s"),
            ox.NamedNode("http://localhost/p"),
            ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
    ]


def test_a_relative_service_iri_is_checked_against_the_same_base(client) -> None:  # type: ignore[no-untyped-def]
    # <other> resolves against http://localhost/sparql to the allow-listed endpoint, and a
    # relative <elsewhere> to one that is not; the refusal names the resolved IRI.
    refused = client.get(
        "/sparql", query_string={"query": "SELECT * { SERVICE <elsewhere> { ?s ?p ?o } }"}
    )
    assert refused.status_code == 403
    assert "<http://localhost/elsewhere>" in refused.get_data(as_text=True)
    allowed = client.get(
        "/sparql", query_string={"query": "SELECT * { SERVICE SILENT <other> { ?s ?p ?o } }"}
    )
    assert allowed.status_code == 200, allowed.get_data(as_text=True)
