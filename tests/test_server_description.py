"""The service description and the VoID say what a client needs to find and use the data:
every format served, the default graph's size, the endpoint, the data dumps (served, and the
same bytes as the release's), a title and a licence. Both are parsed as RDF, as a client would."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from cartkg.paths import layout
from cartkg.void import DATASET, LICENSE

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import close_app, make_app

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
FORMATS = "http://www.w3.org/ns/formats/"
SERVED = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
          "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG")  # fmt: skip


@pytest.fixture(scope="module")
def app(project_release: Path) -> Iterator[Any]:
    app = make_app(project_release, queries_dir=layout().queries)
    yield app
    close_app(app)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def graph(client: Any, path: str) -> ox.Store:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.data[:500]
    store = ox.Store()
    store.load(response.data, ox.RdfFormat.TURTLE, base_iri="http://localhost/")
    return store


def objects(store: ox.Store, subject: ox.NamedNode, predicate: str) -> list[Any]:
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def test_service_description_lists_every_format_served(client: Any) -> None:
    sd = graph(client, "/sparql")
    endpoint = ox.NamedNode("http://localhost/sparql")
    formats = {o.value for o in objects(sd, endpoint, SD + "resultFormat")}
    assert formats == {FORMATS + name for name in SERVED}


def test_service_description_gives_the_default_graph_size(
    client: Any, project_release: Path
) -> None:
    sd = graph(client, "/sparql")
    (default,) = objects(sd, ox.NamedNode("http://localhost/sparql#dataset"), SD + "defaultGraph")
    (size,) = objects(sd, default, VOID + "triples")
    store = ox.Store.read_only(str(project_release / "store"))
    expected = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert int(size.value) == expected > 0


def test_void_names_endpoint_title_and_licence(client: Any) -> None:
    void = graph(client, "/.well-known/void")
    assert objects(void, DATASET, VOID + "sparqlEndpoint") == [
        ox.NamedNode("http://localhost/sparql")
    ]
    (title,) = objects(void, DATASET, DCTERMS + "title")
    assert title.language == "en" and "CAR-T" in title.value
    assert objects(void, DATASET, DCTERMS + "license") == [LICENSE]


def test_void_data_dumps_are_served_as_the_release_wrote_them(
    client: Any, project_release: Path
) -> None:
    void = graph(client, "/.well-known/void")
    dumps = sorted(o.value for o in objects(void, DATASET, VOID + "dataDump"))
    names = [url.rsplit("/", 1)[-1] for url in dumps]
    assert {"cartkg.nq", "cartkg.trig", "cartkg.ttl", "cartkg.jsonld"} <= set(names)
    for url, name in zip(dumps, names, strict=True):
        response = client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200, url
        body = response.get_data()
        assert body == (project_release / name).read_bytes()
        assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'


def test_a_dump_is_answered_304_when_unchanged(client: Any) -> None:
    first = client.get("/download/cartkg.nq")
    again = client.get("/download/cartkg.nq", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


@pytest.mark.parametrize("name", ["store", "manifest.json.bak", "../LICENSE", "nothing.nq"])
def test_only_the_release_files_can_be_downloaded(client: Any, name: str) -> None:
    assert client.get(f"/download/{name}").status_code == 404
