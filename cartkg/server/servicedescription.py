"""The SPARQL Service Description of `/sparql`: what the endpoint offers and its limits."""

from __future__ import annotations

import pyoxigraph as ox

from cartkg.namespaces import SD, VOID

from .formats import GRAPHS, SOLUTIONS
from .state import AppState

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


def sd_term(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(SD[name]))


def void_term(name: str) -> ox.NamedNode:
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
        t(endpoint, RDF_TYPE, sd_term("Service")),
        t(endpoint, sd_term("endpoint"), endpoint),
        t(endpoint, sd_term("supportedLanguage"), sd_term("SPARQL11Query")),
        t(endpoint, sd_term("feature"), sd_term("UnionDefaultGraph")),
        t(
            endpoint,
            sd_term("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        t(endpoint, sd_term("defaultDataset"), dataset),
        t(
            endpoint,
            ox.NamedNode(DCTERMS + "title"),
            ox.Literal("cartkg SPARQL endpoint", language="en"),
        ),
        t(endpoint, ox.NamedNode(RDFS + "comment"), ox.Literal(limits, language="en")),
        t(dataset, RDF_TYPE, sd_term("Dataset")),
        t(
            dataset,
            ox.NamedNode(RDFS + "seeAlso"),
            ox.NamedNode(eng.site_url() + ".well-known/void"),
        ),
        t(dataset, sd_term("defaultGraph"), default),
        t(default, RDF_TYPE, sd_term("Graph")),
        t(default, ox.NamedNode(RDFS + "comment"), ox.Literal(DEFAULT_GRAPH_NOTE, language="en")),
        t(default, void_term("triples"), ox.Literal(str(default_size), datatype=XSD_INTEGER)),
    ]
    if config.service_allow_list:
        out.append(t(endpoint, sd_term("feature"), sd_term("BasicFederatedQuery")))
    for fmt in (*SOLUTIONS, *GRAPHS):
        out.append(t(endpoint, sd_term("resultFormat"), ox.NamedNode(fmt.w3c)))
    for name, size in sizes.items():
        node = ox.NamedNode(f"{endpoint.value}#graph-{name.rsplit('/', 1)[-1]}")
        graph = ox.NamedNode(node.value + "-content")
        out += [
            t(dataset, sd_term("namedGraph"), node),
            t(node, RDF_TYPE, sd_term("NamedGraph")),
            t(node, sd_term("name"), ox.NamedNode(name)),
            t(node, sd_term("graph"), graph),
            t(graph, RDF_TYPE, sd_term("Graph")),
            t(graph, void_term("triples"), ox.Literal(str(size), datatype=XSD_INTEGER)),
        ]
    return out


def _default_graph_size(eng: AppState) -> int:
    rows = eng.table("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }").rows
    return int(rows[0][0].value) if rows and isinstance(rows[0][0], ox.Literal) else 0
