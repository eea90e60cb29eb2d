"""Curated data -> an RDF dataset, one named graph per source plus the bookkeeping graphs.

| graph | holds |
|---|---|
| `kgg:ontology` | the ontology |
| `kgg:curation` | entity types, labels, aliases, descriptions; the source document records |
| `kgg:<source id>` | what that source states, and the value nodes it uses |
| `kgg:provenance` | one `cartkg:Assertion` per (source, subject, predicate, object), with the
  claim's kind, holder and qualifiers; the content of opinions, expectations and summaries |
| `kgg:mappings` | external identifiers (SKOS mappings) |
"""

from __future__ import annotations

import hashlib

from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from cartkg.curation.schema import KINDS
from cartkg.namespaces import (
    CARTKG,
    CURATION_GRAPH,
    GRAPH,
    KG,
    MAPPINGS_GRAPH,
    ONTOLOGY_GRAPH,
    PROV,
    PROVENANCE_GRAPH,
)
from cartkg.records import Claim, Curation, Statement

STATUS = {s: CARTKG[s.capitalize()] for s in ("stated", "verified", "contradicted", "unverifiable")}


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


def assertion_iri(
    source: str, s: URIRef, p: URIRef, o: Node, qualified: tuple[str, ...] = ()
) -> URIRef:
    """`kg:assertion-<12 hex>` of sha256("source|s|p|o"), o in N-Triples form; a claim's kind
    and qualifiers, where it has them, are part of the key (`qualified`), so that the same
    triple stated as fact and as opinion, or with two scopes, is two assertions."""
    key = "|".join((source, str(s), str(p), o.n3(), *qualified))
    return KG["assertion-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]]


def _qualified(claim: Claim, graph: Graph) -> tuple[str, ...]:
    """What sets the claim's assertions apart beyond their triple: kind, holder, qualifiers."""
    key = [] if claim.kind == "fact" else [f"kind={claim.kind}"]
    if claim.holder:
        key.append(f"holder={claim.holder}")
    for q in claim.qualifiers:
        key.append(f"{q.predicate}={_object(q, graph).n3()}")
    return tuple(sorted(key))


def locator_iri(source: str, first: int, last: int) -> URIRef:
    """An RFC 5147 fragment: `#line=10,13` selects lines 11 to 13 (positions between lines)."""
    return URIRef(f"{KG[source]}#line={first - 1},{last}")


def _curation(curation: Curation, graph: Graph) -> None:
    for entity in curation.entities:
        node = KG[entity.id]
        for cls in entity.types:
            graph.add((node, RDF.type, cls))
        graph.add((node, RDFS.label, _en(entity.label)))
        for alias in entity.aliases:
            graph.add((node, SKOS.altLabel, _en(alias)))
        if entity.description:
            graph.add((node, DCTERMS.description, _en(entity.description)))
    for source in curation.sources:
        node = KG[source.id]
        graph.add((node, RDF.type, source.kind))
        graph.add((node, RDFS.label, _en(source.title)))
        graph.add((node, DCTERMS.title, _en(source.title)))
        graph.add((node, CARTKG["sha256"], Literal(source.sha256)))
        graph.add((node, CARTKG["fileName"], Literal(source.file)))
        graph.add((node, CARTKG["namedGraph"], GRAPH[source.id]))
        graph.add((GRAPH[source.id], RDF.type, PROV.Bundle))
        if source.publisher:
            graph.add((node, DCTERMS.publisher, KG[source.publisher]))
        if source.date is not None:
            graph.add((node, DCTERMS.date, source.date))
        if source.reliability:
            graph.add((node, CARTKG["reliabilityNote"], _en(source.reliability)))


def _object(statement: Statement, graph: Graph) -> Node:
    """The statement's object; a value node's description goes into `graph`."""
    value = statement.value
    if isinstance(value, tuple):
        amount, specific = value
        for triple in amount.triples(specific):
            graph.add(triple)
        return amount.iri(specific)
    return value


def _assertion(
    claim: Claim, s: URIRef, p: URIRef, o: Node, graph: Graph, publisher: str | None
) -> None:
    node = assertion_iri(claim.source, s, p, o, _qualified(claim, graph))
    source = KG[claim.source]
    lines = (
        f"line {claim.first_line}"
        if claim.first_line == claim.last_line
        else (f"lines {claim.first_line}-{claim.last_line}")
    )
    triples: list[tuple[URIRef, URIRef, Node]] = [
        (node, RDF.type, CARTKG["Assertion"]),
        (node, RDF.subject, s),
        (node, RDF.predicate, p),
        (node, RDF.object, o),
        (node, CARTKG["statedIn"], source),
        (node, PROV.wasDerivedFrom, source),
        (node, CARTKG["inGraph"], GRAPH[claim.source]),
        (node, CARTKG["locator"], Literal(lines)),
        (node, CARTKG["locatorIri"], locator_iri(claim.source, claim.first_line, claim.last_line)),
        (node, CARTKG["lineStart"], Literal(str(claim.first_line), datatype=XSD.positiveInteger)),
        (node, CARTKG["lineEnd"], Literal(str(claim.last_line), datatype=XSD.positiveInteger)),
        (node, CARTKG["paraphrase"], _en(claim.says)),
        (node, CARTKG["status"], STATUS[claim.status]),
    ]
    if claim.record:
        triples.append((node, CARTKG["checkedAgainst"], URIRef(claim.record)))
    if claim.note:
        triples.append((node, CARTKG["statusNote"], _en(claim.note)))
    if (kind := KINDS[claim.kind]) is not None:
        triples.append((node, RDF.type, CARTKG[kind]))
    triples.append((node, CARTKG["asserted"], Literal(claim.asserted)))
    # Whose opinion it is, where the claim does not say: the document's publisher.
    holder = claim.holder or (None if claim.asserted else publisher)
    if holder:
        triples.append((node, CARTKG["heldBy"], KG[holder]))
    for qualifier in claim.qualifiers:
        triples.append((node, qualifier.predicate, _object(qualifier, graph)))
    for triple in triples:
        graph.add(triple)


def generate(curation: Curation, ontology: Graph) -> Dataset:
    """The whole dataset except `kgg:inferred`, which the reasoner adds. `ontology` is what
    `vocabulary.load_ontology` reads: the ontology with its imported external terms."""
    dataset = Dataset()
    ontology_graph = dataset.graph(ONTOLOGY_GRAPH)
    for triple in ontology:
        ontology_graph.add(triple)
    _curation(curation, dataset.graph(CURATION_GRAPH))
    provenance = dataset.graph(PROVENANCE_GRAPH)
    publishers = {s.id: s.publisher for s in curation.sources}
    for claim in curation.claims:
        # An opinion's content is not a fact of the source: it lives only on its assertion.
        graph = dataset.graph(GRAPH[claim.source]) if claim.asserted else provenance
        subject = KG[claim.about]
        for statement in claim.statements:
            obj = _object(statement, graph)
            if claim.asserted:
                graph.add((subject, statement.predicate, obj))
            publisher = publishers.get(claim.source)
            _assertion(claim, subject, statement.predicate, obj, provenance, publisher)
    mappings = dataset.graph(MAPPINGS_GRAPH)
    for mapping in curation.mappings:
        for triple in mapping.triples():
            mappings.add(triple)
    return dataset


def union(dataset: Dataset, *, ontology: bool = True) -> Graph:
    """All named graphs merged into one graph (what validation and reasoning look at)."""
    merged = Graph()
    for graph in dataset.graphs():
        if ontology or graph.identifier != ONTOLOGY_GRAPH:
            for triple in graph:
                merged.add(triple)
    return merged
