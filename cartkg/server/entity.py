"""What an entity page shows: labels, types, facts with the sources that state them,
external identifiers, and what refers to the entity.

The sources come from the `cartkg:Assertion` nodes of kgg:provenance: one per statement of a
source document, with its locator (lines), status and our paraphrase.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from .formats import Term
from .state import AppState
from .view import RESOLVERS, Shown, identifier_link, show, text, web_link

P = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cartkg: <https://w3id.org/cartkg/ontology/>
"""
FACTS = (
    P
    + """SELECT ?e ?p ?o ?g ?pl ?ol WHERE {
  GRAPH ?g { ?e ?p ?o }
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?o rdfs:label|dcterms:title ?ol }
}"""
)
SOURCES = (
    P
    + """SELECT ?e ?p ?o ?src ?title ?locator ?status ?paraphrase ?where WHERE {
  GRAPH <https://w3id.org/cartkg/graph/provenance> {
    ?a rdf:subject ?e ; rdf:predicate ?p ; rdf:object ?o ; cartkg:statedIn ?src .
    OPTIONAL { ?a cartkg:locator ?locator }
    OPTIONAL { ?a cartkg:status ?status }
    OPTIONAL { ?a cartkg:paraphrase ?paraphrase }
    OPTIONAL { ?a cartkg:locatorIri ?where }
  }
  OPTIONAL { ?src rdfs:label|dcterms:title ?title }
}"""
)
INCOMING = (
    P
    + """SELECT ?e ?s ?p ?sl ?pl WHERE {
  ?s ?p ?e .
  FILTER(?p NOT IN (rdf:subject, rdf:object, cartkg:statedIn, cartkg:inGraph,
                    <http://www.w3.org/ns/prov#wasDerivedFrom>))
  OPTIONAL { ?s rdfs:label ?sl }
  OPTIONAL { ?p rdfs:label ?pl }
} ORDER BY ?p ?s LIMIT 500"""
)
VALUES = (
    P
    + """SELECT ?e ?v ?vp ?vo WHERE {
  ?e ?p ?v . ?v ?vp ?vo .
  FILTER(STRSTARTS(STR(?v), "https://w3id.org/cartkg/id/value-"))
}"""
)
DESCRIBE = """CONSTRUCT { ?e ?p ?o . ?o ?vp ?vo } WHERE {
  { ?e ?p ?o } UNION
  { ?e ?p ?o . ?o ?vp ?vo FILTER(STRSTARTS(STR(?o), "https://w3id.org/cartkg/id/value-")) }
}"""
GRAPH_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?e { ?s ?p ?o } }"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DESCRIPTIONS = (
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2004/02/skos/core#definition",
)
MATCHES = {
    "http://www.w3.org/2004/02/skos/core#" + m
    for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
} | {"http://www.w3.org/2002/07/owl#sameAs", "https://schema.org/sameAs"}
IDENTIFIER = "http://purl.org/dc/terms/identifier"


@dataclass
class Source:
    document: Shown
    locator: str
    status: str
    paraphrase: str
    where: str | None


@dataclass
class Fact:
    predicate: Shown
    value: Shown
    graphs: list[Shown] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    detail: str = ""


@dataclass
class EntityView:
    iri: str
    label: str
    types: list[Shown]
    description: str
    facts: list[Fact]
    identifiers: list[Shown]
    incoming: list[tuple[Shown, Shown]]
    is_graph: bool = False
    graph_size: int | None = None


def _best(labels: dict[Term, str], term: Term | None, row_label: Term | None) -> None:
    """Keep an English (or plain) label over others."""
    if term is None or not isinstance(row_label, ox.Literal):
        return
    if term not in labels or row_label.language in ("en", None, ""):
        labels[term] = row_label.value


def load(eng: AppState, iri: str) -> EntityView | None:
    entity = ox.NamedNode(iri)
    bind = (("e", entity),)
    facts_rows = eng.table(FACTS, bind).rows
    incoming_rows = eng.table(INCOMING, bind).rows
    graph_size = eng.graph_sizes().get(iri)
    if not facts_rows and not incoming_rows and graph_size is None:
        return None
    prefixes = eng.prefixes
    labels: dict[Term, str] = {}
    for _, p, o, _, pl, ol in facts_rows:
        _best(labels, p, pl)
        _best(labels, o, ol)
    for _, s, p, sl, pl in incoming_rows:
        _best(labels, s, sl)
        _best(labels, p, pl)

    facts: dict[tuple[Term, Term], Fact] = {}
    for _, p, o, g, _, _ in facts_rows:
        if p is None or o is None:
            continue
        fact = facts.get((p, o))
        if fact is None:
            fact = facts[(p, o)] = Fact(
                show(p, prefixes, labels.get(p)), _value(p, o, labels, prefixes)
            )
        shown = show(g, prefixes)
        if shown not in fact.graphs:
            fact.graphs.append(shown)
    _attach_sources(eng, bind, facts, prefixes)
    _attach_value_details(eng, bind, facts)

    by_property = [(text(p), f) for (p, _), f in facts.items()]
    own = [f for p, f in by_property if p == LABEL]
    label = own[0].value.text if own else labels.get(entity, iri.rsplit("/", 1)[-1])
    types = [f.value for p, f in by_property if p == RDF_TYPE]
    descriptions = [f.value.text for p, f in by_property if p in DESCRIPTIONS]
    found = {f.value.href: f.value for p, f in by_property if p in MATCHES | {IDENTIFIER}}
    identifiers = list(found.values())
    incoming = [
        (show(s, prefixes, labels.get(s)), show(p, prefixes, labels.get(p)))
        for _, s, p, _, _ in incoming_rows
        if s is not None and p is not None
    ]
    ordered = sorted(facts.values(), key=lambda f: (f.predicate.text.lower(), f.value.text))
    return EntityView(
        iri=iri,
        label=label,
        types=types,
        description=descriptions[0] if descriptions else "",
        facts=ordered,
        identifiers=identifiers,
        incoming=incoming,
        is_graph=graph_size is not None,
        graph_size=graph_size,
    )


def _value(p: Term, o: Term, labels: dict[Term, str], prefixes: dict[str, str]) -> Shown:
    shown = show(o, prefixes, labels.get(o))
    if isinstance(o, ox.Literal):
        if text(p) == IDENTIFIER:
            return Shown(o.value, identifier_link(o.value), external=True)
        pattern = RESOLVERS.get(text(p))
        if pattern:
            return Shown(
                o.value, pattern.format(quote(o.value, safe=":/")), shown.note, external=True
            )
        if o.datatype.value.endswith("#anyURI"):
            return Shown(o.value, web_link(o.value), external=True)
    return shown


def _attach_sources(
    eng: AppState,
    bind: tuple[tuple[str, Term], ...],
    facts: dict[tuple[Term, Term], Fact],
    prefixes: dict[str, str],
) -> None:
    for _, p, o, src, title, locator, status, paraphrase, where in eng.table(SOURCES, bind).rows:
        fact = facts.get((p, o)) if p is not None and o is not None else None
        if fact is None:
            continue
        fact.sources.append(
            Source(
                document=show(src, prefixes, text(title) or None),
                locator=text(locator),
                status=text(status).rsplit("/", 1)[-1],
                paraphrase=text(paraphrase),
                where=text(where) or None,
            )
        )


def _attach_value_details(
    eng: AppState, bind: tuple[tuple[str, Term], ...], facts: dict[tuple[Term, Term], Fact]
) -> None:
    parts: defaultdict[Term, dict[str, str]] = defaultdict(dict)
    for _, v, vp, vo in eng.table(VALUES, bind).rows:
        if v is not None:
            parts[v][text(vp).rsplit("/", 1)[-1].rsplit("#", 1)[-1]] = text(vo)
    for (_, o), fact in facts.items():
        if o in parts:
            fact.detail = describe_value(parts[o])


def describe_value(parts: dict[str, str]) -> str:
    """A value node in words: `4-6 week`, `9000000 GBP`.

    >>> describe_value({"minValue": "4", "maxValue": "6", "unitText": "week"})
    '4-6 week'
    """
    amount = parts.get("value")
    if amount is None and ("minValue" in parts or "maxValue" in parts):
        amount = f"{parts.get('minValue', '')}-{parts.get('maxValue', '')}"
    unit = parts.get("unitText") or parts.get("currency") or ""
    return f"{amount or ''} {unit}".strip()
