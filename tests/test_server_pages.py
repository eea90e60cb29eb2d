"""Entity pages and the query page, through Flask's test client."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import build_release, close_app, make_app

KG = "https://w3id.org/cartkg/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    app = make_app(build_release(tmp_path_factory.mktemp("release")))
    yield app.test_client()
    close_app(app)


def page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/html"
    text: str = response.data.decode()
    return text


def test_entity_page_shows_facts_with_their_sources(client) -> None:  # type: ignore[no-untyped-def]
    html = page(client, "/id/tisagenlecleucel")
    assert '<h1 id="label">tisagenlecleucel</h1>' in html
    assert 'href="/ontology/CarTProduct"' in html  # the type, as a link
    assert 'href="/id/cd19"' in html  # a fact, as a link
    # Both sources that state "targets CD19", with their lines, status and paraphrase.
    assert "Another invented article</a>, lines 7-8" in html
    assert "An invented news article</a>, line 4" in html
    assert "The second article also names CD19 as the target." in html
    assert "status-verified" in html
    assert 'href="/id/alpha-hospital"' in html  # refers to it


def test_entity_page_links_identifiers_to_resolvers(client) -> None:  # type: ignore[no-untyped-def]
    html = page(client, "/id/lupus")
    assert 'href="http://purl.obolibrary.org/obo/MONDO_0007915"' in html
    assert ">MONDO:0007915<" in html


def test_value_nodes_are_described(client) -> None:  # type: ignore[no-untyped-def]
    assert "4-6 week" in page(client, "/id/stage-manufacturing")


def test_ontology_and_graph_pages(client) -> None:  # type: ignore[no-untyped-def]
    assert "targets antigen" in page(client, "/ontology/targetsAntigen")
    html = page(client, "/graph/source-001")
    assert "This named graph holds 3 triples" in html


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("*/*", ox.RdfFormat.TURTLE),
    ],
)
def test_entities_for_machines(client, accept, fmt) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/stage-manufacturing", headers={"Accept": accept})
    assert response.status_code == 200
    triples = list(ox.parse(response.data, fmt))
    subjects = {t.subject.value for t in triples}
    # The entity, and the value node of its duration.
    assert subjects == {KG + "stage-manufacturing", KG + "value-0a1b2c3d4e5f"}
    assert "Accept" in response.headers["Vary"]


def test_format_parameter_on_entities(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/cd19?format=jsonld", headers={"Accept": BROWSER})
    assert response.mimetype == "application/ld+json"
    assert json.loads(response.data)


def test_graph_iri_gives_the_graph(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/graph/source-001", headers={"Accept": "application/n-triples"})
    assert len(list(ox.parse(response.data, ox.RdfFormat.N_TRIPLES))) == 3


def test_unknown_entity_is_404(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/no-such-thing", headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert client.get("/id/no-such-thing", headers={"Accept": "text/turtle"}).status_code == 404


def test_query_page(client) -> None:  # type: ignore[no-untyped-def]
    html = page(client, "/")
    assert 'id="query"' in html and "sparql.js" in html and "query.js" in html
    examples = html.split('id="examples-data" type="application/json">')[1].split("</script>")[0]
    names = {e["name"] for e in json.loads(examples)}
    assert {"things_of_type", "labels_paged"} <= names
    # Works offline: every script and stylesheet comes from this server.
    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/") for a in assets)
