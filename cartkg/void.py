"""A VoID description of a release: what the dataset is, and sizes of it, its named graphs,
classes and properties. Where it is served (void:sparqlEndpoint, void:dataDump) is added by the
server that serves it (cartkg/server/description.py), which alone knows its URL.

Partitions get IRIs made from a hash of what they partition by, so the description is the same
for the same data (no blank nodes, no timestamps).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import URIRef

from cartkg.namespaces import BASE, CARTKG, KG, VOID
from cartkg.report import compact

DATASET = ox.NamedNode(BASE + "dataset")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_DCTERMS = "http://purl.org/dc/terms/"
TITLE = "cartkg: a knowledge graph of CAR-T cell therapy"
#: The licence of the whole repository, the data included (LICENSE).
LICENSE = ox.NamedNode("http://spdx.org/licenses/MIT")


def _v(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(VOID[name]))


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_XSD_INTEGER)


def _part(kind: str, iri: ox.NamedNode) -> ox.NamedNode:
    """`dataset#class-cartkg-Therapy`; a hash where no project prefix fits."""
    name = compact(URIRef(iri.value))
    if name.startswith("<"):
        name = hashlib.sha256(iri.value.encode("utf-8")).hexdigest()[:12]
    return ox.NamedNode(f"{DATASET.value}#{kind}-{name.replace(':', '-')}")


def describe(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """VoID triples for a dataset given as quads (the union counts each triple once)."""
    per_graph: Counter[str] = Counter()
    triples: set[ox.Triple] = set()
    for quad in quads:
        per_graph[quad.graph_name.value] += 1  # type: ignore[union-attr]
        triples.add(ox.Triple(quad.subject, quad.predicate, quad.object))
    members: defaultdict[ox.NamedNode, set[object]] = defaultdict(set)
    properties: Counter[ox.NamedNode] = Counter()
    for triple in triples:
        properties[triple.predicate] += 1
        if triple.predicate == _RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            members[triple.object].add(triple.subject)
    entities = {t.subject for t in triples if str(t.subject).startswith(f"<{KG}")}
    out = [
        ox.Triple(DATASET, _RDF_TYPE, _v("Dataset")),
        ox.Triple(DATASET, ox.NamedNode(_DCTERMS + "title"), ox.Literal(TITLE, language="en")),
        ox.Triple(DATASET, ox.NamedNode(_DCTERMS + "license"), LICENSE),
        ox.Triple(DATASET, _v("triples"), _count(len(triples))),
        ox.Triple(DATASET, _v("entities"), _count(len(entities))),
        ox.Triple(DATASET, _v("classes"), _count(len(members))),
        ox.Triple(DATASET, _v("properties"), _count(len(properties))),
        ox.Triple(DATASET, _v("uriSpace"), ox.Literal(str(KG))),
        ox.Triple(DATASET, _v("vocabulary"), ox.NamedNode(str(CARTKG))),
    ]
    for graph, count in sorted(per_graph.items()):
        subset = ox.NamedNode(graph)
        out += [
            ox.Triple(DATASET, _v("subset"), subset),
            ox.Triple(subset, _RDF_TYPE, _v("Dataset")),
            ox.Triple(subset, _v("triples"), _count(count)),
        ]
    for cls, subjects in sorted(members.items(), key=lambda item: item[0].value):
        part = _part("class", cls)
        out += [
            ox.Triple(DATASET, _v("classPartition"), part),
            ox.Triple(part, _v("class"), cls),
            ox.Triple(part, _v("entities"), _count(len(subjects))),
        ]
    for prop, count in sorted(properties.items(), key=lambda item: item[0].value):
        part = _part("property", prop)
        out += [
            ox.Triple(DATASET, _v("propertyPartition"), part),
            ox.Triple(part, _v("property"), prop),
            ox.Triple(part, _v("triples"), _count(count)),
        ]
    # Grouped by subject, the dataset first, so the Turtle reads top-down.
    return sorted(out, key=lambda t: (t.subject != DATASET, str(t.subject), str(t.predicate)))
