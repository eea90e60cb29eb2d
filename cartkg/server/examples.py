"""`/.well-known/sparql-examples`: the canned queries as `sh:SPARQLExecutable` examples.

This is the convention of UniProt's and the SIB's endpoints (and of the sparql-examples
project), so that generic query editors can list the queries: each example has an
`rdfs:comment`, the query under `sh:select` / `sh:ask` / `sh:construct` / `sh:describe`, and the
endpoint it runs on as `schema:target`.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response

from cartkg.canned import CannedQuery

from .formats import TRIPLE_FORMATS
from .responses import HttpError, choose, rdf_response
from .state import AppState, state

bp = Blueprint("examples", __name__)

SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_ANY_URI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
PATH = ".well-known/sparql-examples"
ABOUT = "The canned queries as SHACL SPARQL executables, for query editors to list."


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def example_triples(eng: AppState, query: CannedQuery) -> list[ox.Triple]:
    base = eng.site_url() + PATH
    node = _n(f"{base}/{query.name}")
    form = query.form.lower()
    comment = query.summary or query.name
    if query.description:
        comment = f"{comment}. {query.description}" if query.summary else query.description
    out = [
        ox.Triple(node, RDF_TYPE, _n(SH + "SPARQLExecutable")),
        ox.Triple(node, RDF_TYPE, _n(f"{SH}SPARQL{form.capitalize()}Executable")),
        ox.Triple(node, _n(RDFS + "label"), ox.Literal(query.name)),
        ox.Triple(node, _n(RDFS + "comment"), ox.Literal(comment, language="en")),
        ox.Triple(node, _n(SH + form), ox.Literal(query.self_contained(eng.prefixes))),
        ox.Triple(node, _n(SCHEMA + "target"), _n(eng.endpoint_url())),
        ox.Triple(node, _n(SH + "prefixes"), _n(f"{base}/prefixes")),
    ]
    out += [ox.Triple(node, _n(SCHEMA + "keywords"), ox.Literal(tag)) for tag in query.tags]
    return out


def prefix_triples(eng: AppState) -> list[ox.Triple]:
    node = _n(eng.site_url() + PATH + "/prefixes")
    out = []
    for prefix, namespace in sorted(eng.prefixes.items()):
        decl = _n(f"{node.value}#{prefix}")
        out += [
            ox.Triple(node, _n(SH + "declare"), decl),
            ox.Triple(decl, _n(SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(decl, _n(SH + "namespace"), ox.Literal(namespace, datatype=XSD_ANY_URI)),
        ]
    return out


@bp.route(f"/{PATH}")
@bp.route(f"/{PATH}/")
def all_examples() -> Response:
    eng = state()
    triples = [t for q in eng.canned.values() for t in example_triples(eng, q)]
    return rdf_response(
        triples + prefix_triples(eng),
        eng.prefixes,
        choose(TRIPLE_FORMATS, html=True),
        "sparql-examples",
        ABOUT,
    )


@bp.route(f"/{PATH}/<name>")
def one_example(name: str) -> Response:
    eng = state()
    if name == "prefixes":
        triples = prefix_triples(eng)
    elif name in eng.canned:
        triples = example_triples(eng, eng.canned[name])
    else:
        raise HttpError(404, f"no example named {name!r}")
    return rdf_response(triples, eng.prefixes, choose(TRIPLE_FORMATS, html=True), name, ABOUT)
