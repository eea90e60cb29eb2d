"""The SPARQL Service Description of `/sparql`; the release's VoID at `/.well-known/void`, with
where this server serves it; the release's files at `/download/<name>`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, send_file

from cartkg.namespaces import SD, VOID
from cartkg.void import DATASET

from .formats import GRAPHS, SOLUTIONS, TRIPLE_FORMATS
from .responses import HttpError, choose, rdf_response
from .state import AppState, state

bp = Blueprint("description", __name__)

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

DEFAULT_GRAPH_NOTE = (
    "The default graph is the union of all the named graphs, unless the request names a "
    "dataset (default-graph-uri, named-graph-uri) or the query has FROM / FROM NAMED. Each "
    "source document's statements are in its own named graph (GRAPH ?g says which source "
    "states what); kgg:curation holds the curated types and labels, kgg:provenance one "
    "cartkg:Assertion per statement, kgg:ontology the ontology, kgg:inferred what the reasoner "
    "adds, kgg:mappings the external identifiers."
)


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(SD[name]))


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(VOID[name]))


def service_description(eng: AppState) -> list[ox.Triple]:
    config = eng.config
    endpoint = ox.NamedNode(eng.endpoint_url())
    dataset = ox.NamedNode(endpoint.value + "#dataset")
    default = ox.NamedNode(endpoint.value + "#default-graph")
    limits = (
        f"Read-only. Each query may run for {config.timeout:g} s; results are cut at "
        f"{config.row_cap} rows (the X-Result-Truncated header says so); requests may be "
        f"{config.max_request_bytes} bytes. SERVICE is refused unless its endpoint is allowed "
        f"({', '.join(config.service_allow_list) or 'none is'})."
    )
    sizes = eng.graph_sizes()
    default_size = eng.memo("default_graph_size", lambda: _default_graph_size(eng))
    t = ox.Triple
    out = [
        t(endpoint, RDF_TYPE, _sd("Service")),
        t(endpoint, _sd("endpoint"), endpoint),
        t(endpoint, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        t(endpoint, _sd("feature"), _sd("UnionDefaultGraph")),
        t(
            endpoint,
            _sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        t(endpoint, _sd("defaultDataset"), dataset),
        t(
            endpoint,
            ox.NamedNode(DCTERMS + "title"),
            ox.Literal("cartkg SPARQL endpoint", language="en"),
        ),
        t(endpoint, ox.NamedNode(RDFS + "comment"), ox.Literal(limits, language="en")),
        t(dataset, RDF_TYPE, _sd("Dataset")),
        t(
            dataset,
            ox.NamedNode(RDFS + "seeAlso"),
            ox.NamedNode(eng.site_url() + ".well-known/void"),
        ),
        t(dataset, _sd("defaultGraph"), default),
        t(default, RDF_TYPE, _sd("Graph")),
        t(default, ox.NamedNode(RDFS + "comment"), ox.Literal(DEFAULT_GRAPH_NOTE, language="en")),
        t(default, _void("triples"), ox.Literal(str(default_size), datatype=XSD_INTEGER)),
    ]
    if config.service_allow_list:
        out.append(t(endpoint, _sd("feature"), _sd("BasicFederatedQuery")))
    for fmt in (*SOLUTIONS, *GRAPHS):
        out.append(t(endpoint, _sd("resultFormat"), ox.NamedNode(fmt.w3c)))
    for name, size in sizes.items():
        node = ox.NamedNode(f"{endpoint.value}#graph-{name.rsplit('/', 1)[-1]}")
        graph = ox.NamedNode(node.value + "-content")
        out += [
            t(dataset, _sd("namedGraph"), node),
            t(node, RDF_TYPE, _sd("NamedGraph")),
            t(node, _sd("name"), ox.NamedNode(name)),
            t(node, _sd("graph"), graph),
            t(graph, RDF_TYPE, _sd("Graph")),
            t(graph, _void("triples"), ox.Literal(str(size), datatype=XSD_INTEGER)),
        ]
    return out


def _default_graph_size(eng: AppState) -> int:
    rows = eng.table("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").rows
    return int(rows[0][0].value) if rows and isinstance(rows[0][0], ox.Literal) else 0


@cache
def _void_triples(release_dir: Path) -> tuple[ox.Triple, ...]:
    path = release_dir / "void.ttl"
    return tuple(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


#: The release's files a client may download, by extension, with their media types.
_DOWNLOADS = {f".{fmt.extension}": fmt.media_type for fmt in GRAPHS} | {
    ".jsonld": "application/ld+json",
    ".json": "application/json",
}


@cache
def _artefacts(release_dir: Path) -> dict[str, str]:
    """The release's files (name -> SHA-256) that its manifest lists and that can be served."""
    try:
        listed = json.loads((release_dir / "manifest.json").read_text())["artefacts"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {
        name: digest
        for name, digest in sorted(listed.items())
        if Path(name).suffix in _DOWNLOADS and (release_dir / name).is_file()
    }


def _dumps(eng: AppState) -> list[ox.Triple]:
    """Where this server serves the dataset: its endpoint and the release's data files."""
    out = [ox.Triple(DATASET, _void("sparqlEndpoint"), ox.NamedNode(eng.endpoint_url()))]
    for name in _artefacts(eng.config.release_dir):
        if name.startswith("cartkg."):  # the whole dataset, in each syntax
            url = ox.NamedNode(f"{eng.site_url()}download/{name}")
            out.append(ox.Triple(DATASET, _void("dataDump"), url))
    return out


@bp.route("/.well-known/void")
@bp.route("/void")
@bp.route("/dataset")
def void() -> Response:
    """The VoID description the build wrote: sizes per named graph, class and property.

    `/dataset` is where the dataset's own IRI, https://w3id.org/cartkg/dataset, lands.
    """
    eng = state()
    if not (eng.config.release_dir / "void.ttl").is_file():
        raise HttpError(404, "this release has no VoID description")
    return rdf_response(
        [*_void_triples(eng.config.release_dir), *_dumps(eng)],
        eng.prefixes,
        choose(TRIPLE_FORMATS, html=True),
        "void",
        "Sizes of the dataset, its named graphs, classes and properties (VoID).",
    )


@bp.route("/download/<name>")
def download(name: str) -> Response:
    """A file of the release, by the name its manifest gives; its SHA-256 is the ETag."""
    eng = state()
    digest = _artefacts(eng.config.release_dir).get(name)
    if digest is None:
        raise HttpError(404, f"this release has no file {name!r} to download")
    return send_file(
        eng.config.release_dir / name,
        mimetype=_DOWNLOADS[Path(name).suffix],
        etag=digest,
        conditional=True,
        max_age=300,
    )
