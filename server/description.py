"""The SPARQL Service Description of `/sparql`, and the release's VoID at `/.well-known/void`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response

from cartkg.namespaces import SD, VOID

from .engine import Engine, engine
from .formats import SOLUTIONS, TRIPLE_FORMATS
from .responses import HttpError, choose, rdf_response

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


def service_description(eng: Engine) -> list[ox.Triple]:
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
    ]
    if config.service_allow_list:
        out.append(t(endpoint, _sd("feature"), _sd("BasicFederatedQuery")))
    for fmt in (*SOLUTIONS, *TRIPLE_FORMATS):
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


@cache
def _void_triples(release_dir: Path) -> tuple[ox.Triple, ...]:
    path = release_dir / "void.ttl"
    return tuple(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


@bp.route("/.well-known/void")
@bp.route("/void")
@bp.route("/dataset")
def void() -> Response:
    """The VoID description the build wrote: sizes per named graph, class and property.

    `/dataset` is where the dataset's own IRI, https://w3id.org/cartkg/dataset, lands.
    """
    eng = engine()
    if not (eng.config.release_dir / "void.ttl").is_file():
        raise HttpError(404, "this release has no VoID description")
    return rdf_response(
        list(_void_triples(eng.config.release_dir)),
        eng.prefixes,
        choose(TRIPLE_FORMATS, html=True),
        "void",
        "Sizes of the dataset, its named graphs, classes and properties (VoID).",
    )
