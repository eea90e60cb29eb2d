"""What the ontology allows: its classes, properties and their ranges, read once per build.

The curation checker asks this index whether a `type` is a class, whether a `state` key is a
property, and what kind of value the property's `rdfs:range` calls for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cartkg.errors import SourceError
from cartkg.namespaces import CARTKG, PREFIXES
from cartkg.rdffiles import graph


def ontology_files(ontology_dir: Path) -> list[Path]:
    """The ontology set, the one that `cartkg build`, `validate` and `qc` check: the
    ontology's Turtle files, then the imported term modules (imports/*.ttl)."""
    return sorted(ontology_dir.glob("*.ttl")) + sorted(ontology_dir.glob("imports/*.ttl"))


def load_ontology(ontology_dir: Path) -> Graph:
    """The ontology with its imported external terms, as one graph."""
    return load_files(ontology_files(ontology_dir), ontology_dir, "ontology")


def load_files(files: list[Path], folder: Path, what: str) -> Graph:
    """The RDF files of a folder as one graph; none at all is an error naming the folder."""
    if not files:
        raise SourceError(f"no {what} (*.ttl) found", file=str(folder))
    return graph(files)


@dataclass(frozen=True)
class Property:
    iri: URIRef
    is_object: bool
    #: The range's members (a union is flattened); empty means unconstrained.
    ranges: frozenset[URIRef]


_DATATYPE_NS = (str(XSD), str(RDF), str(RDFS))


def _is_datatype(iri: URIRef) -> bool:
    return str(iri).startswith(_DATATYPE_NS)


_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)


class Vocabulary:
    """An index of one ontology graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.classes: frozenset[URIRef] = frozenset(
            c
            for t in (OWL.Class, RDFS.Class)
            for c in graph.subjects(RDF.type, t)
            if isinstance(c, URIRef)
        )
        self._parents: dict[URIRef, set[URIRef]] = {}
        for sub, sup in graph.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                self._parents.setdefault(sub, set()).add(sup)
        self.defined: frozenset[URIRef] = frozenset(
            c for c in graph.subjects(OWL.equivalentClass) if isinstance(c, URIRef)
        )
        self.properties: dict[URIRef, Property] = {}
        for kind in _PROPERTY_TYPES:
            for prop in graph.subjects(RDF.type, kind):
                if isinstance(prop, URIRef) and prop not in self.properties:
                    self.properties[prop] = self._property(prop)
        self.individuals: dict[URIRef, frozenset[URIRef]] = {}
        for subject, cls in graph.subject_objects(RDF.type):
            if isinstance(subject, URIRef) and isinstance(cls, URIRef) and cls in self.classes:
                types = self.individuals.get(subject, frozenset())
                self.individuals[subject] = types | {cls}

    def _members(self, node: Node) -> set[URIRef]:
        """The named classes or datatypes a range allows: a union is flattened, and a named
        datatype defined as a union (cartkg:PartialDate) is replaced by its members."""
        found: set[URIRef] = set()
        if isinstance(node, URIRef):
            if (node, RDF.type, RDFS.Datatype) in self.graph:
                for definition in self.graph.objects(node, OWL.equivalentClass):
                    found |= self._members(definition)
            return found or {node}
        for union in self.graph.objects(node, OWL.unionOf):
            for member in Collection(self.graph, union):
                found |= self._members(member)
        return found

    def _property(self, prop: URIRef, seen: frozenset[URIRef] = frozenset()) -> Property:
        ranges: set[URIRef] = set()
        for node in self.graph.objects(prop, RDFS.range):
            ranges |= self._members(node)
        if not ranges:  # inherit the range of a super-property
            for sup in self.graph.objects(prop, RDFS.subPropertyOf):
                if isinstance(sup, URIRef) and sup not in seen:
                    ranges |= self._property(sup, seen | {prop}).ranges
        types = set(self.graph.objects(prop, RDF.type))
        if OWL.ObjectProperty in types:
            is_object = True
        elif OWL.DatatypeProperty in types:
            is_object = False
        else:
            is_object = bool(ranges) and not any(map(_is_datatype, ranges))
        return Property(prop, is_object, frozenset(ranges - {RDFS.Resource}))

    def is_subproperty(self, prop: URIRef, of: URIRef) -> bool:
        """Whether `prop` is `of` or below it (rdfs:subPropertyOf, transitively)."""
        todo, seen = [prop], set[URIRef]()
        while todo:
            here = todo.pop()
            if here == of:
                return True
            if here not in seen:
                seen.add(here)
                todo.extend(
                    p for p in self.graph.objects(here, RDFS.subPropertyOf) if isinstance(p, URIRef)
                )
        return False

    def resolve(self, name: str) -> URIRef:
        """`CarTProduct` -> cartkg:CarTProduct; `schema:Person` -> its full IRI."""
        prefix, colon, local = name.partition(":")
        if colon and prefix in PREFIXES:
            return URIRef(PREFIXES[prefix] + local)
        return CARTKG[name]

    def ancestors(self, classes: Iterable[URIRef]) -> set[URIRef]:
        """The classes and all their named superclasses."""
        todo, seen = list(classes), set[URIRef]()
        while todo:
            cls = todo.pop()
            if cls not in seen:
                seen.add(cls)
                todo.extend(self._parents.get(cls, ()))
        return seen

    def is_subclass(self, cls: URIRef, of: URIRef) -> bool:
        return of in self.ancestors([cls])

    def fits(self, types: Iterable[URIRef], ranges: frozenset[URIRef]) -> bool:
        """Whether something of `types` may be the value of a property with `ranges`.

        Defined classes and classes outside the ontology are not judged here: the reasoner
        and the shapes do that.
        """
        if not ranges or OWL.Thing in ranges:
            return True
        if any(r in self.defined or r not in self.classes for r in ranges):
            return True
        return bool(self.ancestors(types) & ranges)

    def is_datatype_range(self, ranges: frozenset[URIRef]) -> bool:
        return bool(ranges) and all(map(_is_datatype, ranges))

    def label(self, iri: URIRef) -> str:
        """A short name for messages: the local name."""
        text = str(iri)
        return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
