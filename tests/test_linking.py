"""Linking in and out of the graph, end to end over a built release and the real endpoint:
lookup by external identifier, queries over the imported hierarchy, and federation (SERVICE)
with a second SPARQL server on loopback standing in for Wikidata and UniProt."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from cartkg import prefixes
from cartkg.imports import load_modules
from cartkg.namespaces import BASE
from cartkg.server import create_app
from cartkg.server.config import ServerConfig

REMOTE_DATA = Path(__file__).parent / "fixtures" / "federation" / "remote.ttl"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def release(project_release: Path) -> Path:
    """The release built from the curated data, imports included."""
    return project_release


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _oxigraph() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of a real `oxigraph serve-read-only` on loopback, holding the stand-in
    UniProt and Wikidata statements."""
    binary = _oxigraph()
    if binary is None:
        pytest.skip("the `oxigraph` server binary (PyPI package oxigraph, test extra) is missing")
    location = tmp_path_factory.mktemp("remote") / "store"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(REMOTE_DATA)],
                   check=True, capture_output=True)  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    ask = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"oxigraph exited: {server.stderr and server.stderr.read()!r}")
        try:
            with urllib.request.urlopen(ask, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"oxigraph did not answer at {url}")


@pytest.fixture(scope="module")
def client(release: Path, remote: str) -> Iterator[FlaskClient]:
    """The cartkg endpoint with the loopback server, and only it, on the SERVICE allow-list."""
    app = create_app(ServerConfig(release_dir=release, service_allow_list=(remote,), pool_size=1))
    yield app.test_client()
    app.extensions["cartkg"].pool.close()


def solutions(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True))
    return [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]


def sparql(client: FlaskClient, query: str) -> Any:
    return client.post("/sparql", data={"query": query}, headers={"Accept": JSON})


KG = prefixes.expand("kg:x")[:-1]


# ---- lookup by external identifier ----------------------------------------------------------


@pytest.mark.parametrize(
    ("curie", "entity"),
    [("MONDO:0007915", "systemic-lupus-erythematosus"), ("HGNC:1633", "cd19")],
)
def test_lookup_by_curie_returns_the_entity_and_what_is_linked_to_it(
    client: FlaskClient, curie: str, entity: str
) -> None:
    rows = solutions(client.get(f"/api/lookup_external_id?id={curie}", headers={"Accept": JSON}))
    assert {r["entity"] for r in rows} == {KG + entity}
    graphs = {r["graph"].rsplit("/", 1)[-1] for r in rows}
    assert {"curation", "mappings"} <= graphs, graphs
    assert any(g.startswith("source-") for g in graphs), "no source document says anything"
    assert all(r["id"] == prefixes.expand(curie) for r in rows)


def test_lookup_accepts_a_full_iri_too(client: FlaskClient) -> None:
    iri = urllib.parse.quote(prefixes.expand("MONDO:0007915"), safe="")
    rows = solutions(client.get(f"/api/lookup_external_id?id={iri}", headers={"Accept": JSON}))
    assert {r["entity"] for r in rows} == {KG + "systemic-lupus-erythematosus"}


def test_queries_may_use_the_project_prefixes_without_declaring_them(client: FlaskClient) -> None:
    query = "SELECT ?e WHERE { ?e skos:exactMatch MONDO:0007915 ; skos:closeMatch ?x }"
    assert solutions(sparql(client, query)) == []  # the lupus entity has no closeMatch
    rows = solutions(sparql(client, "SELECT ?e WHERE { ?e skos:closeMatch HGNC:1633 }"))
    assert rows == [{"e": KG + "cd19"}]


# ---- the imported hierarchy -----------------------------------------------------------------


def lymphomas_by_python() -> set[str]:
    """Curated diseases under lymphoma, found without SPARQL: the modules' subclass closure
    (across exact matches), joined with the curated exact matches read from the SSSOM files."""
    modules = load_modules()
    lymphoma = URIRef(prefixes.expand("MONDO:0005062"))
    same = {lymphoma} | set(modules.objects(lymphoma, SKOS.exactMatch))
    same |= set(modules.subjects(SKOS.exactMatch, lymphoma))
    under: set[URIRef] = set()
    for cls in set(modules.subjects(RDFS.subClassOf, None)):
        ancestors = set(modules.transitive_objects(cls, RDFS.subClassOf))
        if ancestors & same:
            under |= {cls, *modules.objects(cls, SKOS.exactMatch)}
    under |= same
    from tests.test_mappings import ROWS

    return {
        r.cells["subject_id"].removeprefix("kg:")
        for r in ROWS
        if r.cells.get("predicate_id") == "skos:exactMatch"
        and URIRef(prefixes.expand(prefixes.standardize(r.cells["object_id"]))) in under
    }


def test_therapies_for_any_lymphoma_walk_the_imported_hierarchy(client: FlaskClient) -> None:
    lymphoma = urllib.parse.quote("MONDO:0005062")
    url = f"/api/therapies_for_disease_hierarchy?class={lymphoma}"
    rows = solutions(client.get(url, headers={"Accept": JSON}))
    found = {r["disease"].removeprefix(KG) for r in rows}
    expected = lymphomas_by_python()
    assert "large-b-cell-lymphoma" in expected and "systemic-lupus-erythematosus" not in expected
    assert found and found <= expected, found - expected
    with_indication = {d for d in expected if _has_indication_or_study(client, d)}
    assert found == with_indication
    assert {r["kind"] for r in rows} >= {"therapy"}
    assert all(r["graph"].rsplit("/", 1)[-1].startswith("source-") for r in rows)


def _has_indication_or_study(client: FlaskClient, disease: str) -> bool:
    query = f"""ASK {{
        {{ ?x cartkg:hasIndication kg:{disease} }}
        UNION {{ ?x cartkg:studiesCondition kg:{disease} }}
        UNION {{ ?r cartkg:recommendedFor kg:{disease} ; cartkg:recommendsTherapy ?t }} }}"""
    response = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
    return bool(json.loads(response.get_data(as_text=True))["boolean"])


def test_a_narrower_class_finds_fewer_diseases(client: FlaskClient) -> None:
    def diseases(curie: str) -> set[str]:
        url = f"/api/therapies_for_disease_hierarchy?class={urllib.parse.quote(curie)}"
        return {r["disease"] for r in solutions(client.get(url, headers={"Accept": JSON}))}

    everything = diseases("MONDO:0005062")
    b_cell = diseases("DOID:707")
    assert b_cell < everything
    assert KG + "non-hodgkin-lymphoma" in everything - b_cell


# ---- federation -----------------------------------------------------------------------------


def test_a_federated_query_joins_our_mappings_with_the_remote_data(
    client: FlaskClient, remote: str
) -> None:
    query = f"""
        SELECT ?entity ?mnemonic WHERE {{
          GRAPH kgg:mappings {{ ?entity skos:exactMatch ?protein }}
          SERVICE <{remote}> {{ ?protein up:mnemonic ?mnemonic }}
        }} ORDER BY ?mnemonic"""
    rows = solutions(sparql(client, query))
    assert rows == [
        {"entity": KG + "cd19", "mnemonic": "CD19_HUMAN"},
        {"entity": KG + "bcma", "mnemonic": "TNR17_HUMAN"},
    ]


def test_a_federated_query_reads_wikidata_style_labels(client: FlaskClient, remote: str) -> None:
    query = f"""
        SELECT ?entity ?remoteLabel WHERE {{
          GRAPH kgg:mappings {{ ?entity skos:exactMatch ?item }}
          FILTER(STRSTARTS(STR(?item), STR(wikidata:)))
          SERVICE <{remote}> {{ ?item rdfs:label ?remoteLabel }}
        }}"""
    rows = solutions(sparql(client, query))
    assert {(r["entity"], r["remoteLabel"]) for r in rows} >= {
        (KG + "kings-college-hospital", "King's College Hospital")
    }


def test_a_service_not_on_the_allow_list_is_refused(client: FlaskClient, remote: str) -> None:
    elsewhere = f"http://127.0.0.1:{_free_port()}/query"
    for target in (elsewhere, "https://query.wikidata.org/sparql", remote + "?x=1"):
        response = sparql(client, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
        assert response.status_code == 403, (target, response.get_data(as_text=True))
        assert "not allowed" in response.get_data(as_text=True)


def test_without_an_allow_list_even_the_loopback_server_is_refused(
    release: Path, remote: str
) -> None:
    app = create_app(ServerConfig(release_dir=release, pool_size=1))
    try:
        response = app.test_client().post(
            "/sparql",
            data={"query": f"SELECT * WHERE {{ SERVICE <{remote}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": JSON},
        )
        assert response.status_code == 403
    finally:
        app.extensions["cartkg"].pool.close()


def test_the_release_carries_the_imported_terms_and_each_has_a_curie(release: Path) -> None:
    ontology = Graph().parse(release / "ontology.ttl", format="turtle")
    external = {
        cls
        for cls in ontology.subjects(RDF.type, OWL.Class)
        if isinstance(cls, URIRef) and not str(cls).startswith(BASE)
    }
    imported = {s for s in load_modules().subjects(RDF.type, OWL.Class)}
    assert imported and imported <= external
    assert [c for c in imported if prefixes.compress(str(c)) is None] == []
