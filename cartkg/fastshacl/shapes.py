"""The shapes graph as a typed model: shapes, targets, paths and constraints.

Anything the model cannot express is kept as a reason in `Shape.unsupported`; `support.py`
sends such shapes to pySHACL. Which nodes count as shapes, and when a parameter is malformed,
follow pySHACL, so that both engines validate the same shapes.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
...   ex:S a sh:NodeShape ; sh:targetClass ex:C ;
...     sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ; sh:minCount 1 ] .''',
...   format="turtle")
>>> model = ShapesModel(g)
>>> [s.node.n3() for s in model.roots()]
['<http://example.org/S>']
>>> prop = model.roots()[0].properties[0]
>>> [type(step).__name__ for step in prop.path.steps], prop.constraints
(['Pred', 'Inverse'], [MinCount(n=1)])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.fastshacl import sparql
from cartkg.fastshacl.sparql import SparqlQuery

ShapeNode = URIRef | BNode


# ---- paths ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pred:
    iri: URIRef


@dataclass(frozen=True)
class Inverse:
    path: Path


@dataclass(frozen=True)
class Seq:
    steps: tuple[Path, ...]


@dataclass(frozen=True)
class Alt:
    options: tuple[Path, ...]


@dataclass(frozen=True)
class Repeat:
    path: Path
    op: str  # "*", "+" or "?"


Path = Union[Pred, Inverse, Seq, Alt, Repeat]  # noqa: UP007 (a forward reference)


# ---- constraints ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MinCount:
    n: int


@dataclass(frozen=True)
class MaxCount:
    n: int


@dataclass(frozen=True)
class Datatype:
    iri: URIRef


@dataclass(frozen=True)
class Class:
    iri: Node


@dataclass(frozen=True)
class NodeKind:
    kind: URIRef


@dataclass(frozen=True)
class In:
    values: tuple[Node, ...]


@dataclass(frozen=True)
class HasValue:
    value: Node


@dataclass(frozen=True)
class Pattern:
    regex: str
    flags: str


@dataclass(frozen=True)
class Length:
    component: URIRef  # sh:MinLength... or sh:MaxLength...
    n: int


@dataclass(frozen=True)
class Range:
    component: URIRef  # sh:MinInclusive... and the like
    bound: Literal


@dataclass(frozen=True)
class LanguageIn:
    tags: tuple[str, ...]


@dataclass(frozen=True)
class UniqueLang:
    pass


@dataclass(frozen=True)
class PropertyPair:
    component: URIRef  # sh:Equals..., sh:Disjoint..., sh:LessThan..., sh:LessThanOrEquals...
    predicate: URIRef


@dataclass(frozen=True)
class Closed:
    allowed: frozenset[Node]


@dataclass(frozen=True)
class ShapeRef:
    """sh:node, sh:not, sh:and, sh:or, sh:xone: a value must (not) conform to shapes."""

    component: URIRef
    shapes: tuple[ShapeNode, ...]


@dataclass(frozen=True)
class Qualified:
    shape: ShapeNode
    min_count: int | None
    max_count: int | None
    siblings: tuple[ShapeNode, ...]


Constraint = (
    MinCount
    | MaxCount
    | Datatype
    | Class
    | NodeKind
    | In
    | HasValue
    | Pattern
    | Length
    | Range
    | LanguageIn
    | UniqueLang
    | PropertyPair
    | Closed
    | ShapeRef
    | Qualified
)

COMPONENTS: dict[type, URIRef] = {
    MinCount: SH.MinCountConstraintComponent,
    MaxCount: SH.MaxCountConstraintComponent,
    Datatype: SH.DatatypeConstraintComponent,
    Class: SH.ClassConstraintComponent,
    NodeKind: SH.NodeKindConstraintComponent,
    In: SH.InConstraintComponent,
    HasValue: SH.HasValueConstraintComponent,
    Pattern: SH.PatternConstraintComponent,
    LanguageIn: SH.LanguageInConstraintComponent,
    UniqueLang: SH.UniqueLangConstraintComponent,
    Closed: SH.ClosedConstraintComponent,
}


def component(constraint: Constraint) -> URIRef:
    """The constraint component a result names (for sh:qualified* see the engine)."""
    own = getattr(constraint, "component", None)
    return own if isinstance(own, URIRef) else COMPONENTS[type(constraint)]


@dataclass(frozen=True)
class Targets:
    classes: tuple[Node, ...] = ()
    nodes: tuple[Node, ...] = ()
    subjects_of: tuple[Node, ...] = ()
    objects_of: tuple[Node, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.classes or self.nodes or self.subjects_of or self.objects_of)


@dataclass
class Shape:
    node: ShapeNode
    path: Path | None = None  # None for a node shape
    path_node: Node | None = None  # the sh:path value, for sh:resultPath
    targets: Targets = field(default_factory=Targets)
    severity: Node = SH.Violation
    messages: tuple[Literal, ...] = ()
    deactivated: bool = False
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    sparql: list[SparqlQuery] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def references(self) -> list[ShapeNode]:
        """The shapes this shape's constraints and property shapes depend on."""
        found: list[ShapeNode] = [p.node for p in self.properties]
        for c in self.constraints:
            if isinstance(c, ShapeRef):
                found.extend(c.shapes)
            elif isinstance(c, Qualified):
                found.extend((c.shape, *c.siblings))
        return found


# Parameters of SHACL Core handled here; any other sh: parameter makes a shape unsupported.
_KNOWN = {
    SH[name]
    for name in (
        "path",
        "targetClass",
        "targetNode",
        "targetSubjectsOf",
        "targetObjectsOf",
        "severity",
        "message",
        "deactivated",
        "name",
        "description",
        "order",
        "group",
        "defaultValue",
        "property",
        "minCount",
        "maxCount",
        "datatype",
        "class",
        "nodeKind",
        "in",
        "hasValue",
        "pattern",
        "flags",
        "minLength",
        "maxLength",
        "minInclusive",
        "minExclusive",
        "maxInclusive",
        "maxExclusive",
        "languageIn",
        "uniqueLang",
        "equals",
        "disjoint",
        "lessThan",
        "lessThanOrEquals",
        "closed",
        "ignoredProperties",
        "node",
        "not",
        "and",
        "or",
        "xone",
        "qualifiedValueShape",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "qualifiedValueShapesDisjoint",
        "sparql",
        "select",
        "prefixes",
    )
}
_RANGES = {
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
}
_PAIRS = {
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
}
_LOGICAL = {SH.node: SH.NodeConstraintComponent, SH["not"]: SH.NotConstraintComponent}
_LISTS = {
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
}
_NODE_KINDS = {
    SH.IRI,
    SH.BlankNode,
    SH.Literal,
    SH.BlankNodeOrIRI,
    SH.BlankNodeOrLiteral,
    SH.IRIOrLiteral,
}


class Unsupported(Exception):
    """A part of a shape the fast engine does not model; pySHACL validates the shape."""


class ShapesModel:
    """Shapes parsed on demand from an rdflib shapes graph, each once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._shapes: dict[ShapeNode, Shape] = {}

    def all_shape_nodes(self) -> set[ShapeNode]:
        """The nodes pySHACL treats as shapes (typed, or implied by how they are used)."""
        g = self.graph
        found: set[Node] = set(g.subjects(RDF.type, SH.NodeShape))
        found |= set(g.subjects(RDF.type, SH.PropertyShape))
        for p in (
            SH.targetClass,
            SH.targetNode,
            SH.targetObjectsOf,
            SH.targetSubjectsOf,
            SH.property,
            SH.node,
        ):
            found |= set(g.subjects(p, None))
        for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            found |= set(g.objects(None, p))
        for p in _LISTS:
            for lst in g.objects(None, p):
                found |= set(g.items(lst))
        return {n for n in found if isinstance(n, URIRef | BNode)}

    def roots(self) -> list[Shape]:
        """Shapes with targets, in a stable order: the ones validated on their own."""
        shapes = (self.shape(n) for n in self.all_shape_nodes())
        roots = [s for s in shapes if s.targets]
        return sorted(roots, key=lambda s: (isinstance(s.node, BNode), str(s.node)))

    def shape(self, node: ShapeNode) -> Shape:
        if node not in self._shapes:
            shape = Shape(node)
            self._shapes[node] = shape  # registered first: references may loop back
            try:
                self._fill(shape)
            except Unsupported as reason:
                shape.unsupported.append(str(reason))
        return self._shapes[node]

    # -- parsing ---------------------------------------------------------------------------
    def _values(self, node: Node, p: URIRef) -> list[Node]:
        return list(self.graph.objects(node, p))

    def _one(self, node: Node, p: URIRef) -> Node | None:
        values = self._values(node, p)
        if len(values) > 1:
            raise Unsupported(f"more than one {p.n3(self.graph.namespace_manager)}")
        return values[0] if values else None

    def _list(self, head: Node) -> tuple[Node, ...]:
        if head == RDF.nil:
            return ()
        if self.graph.value(head, RDF.first) is None:
            raise Unsupported(f"not an RDF list: {head}")
        return tuple(Collection(self.graph, head))

    def _int(self, node: Node, p: URIRef) -> int | None:
        value = self._one(node, p)
        if value is None:
            return None
        if not (
            isinstance(value, Literal)
            and value.datatype == XSD.integer
            and isinstance(value.value, int)
            and value.value >= 0
        ):
            raise Unsupported(f"{p} is not a non-negative xsd:integer")
        return value.value

    def _fill(self, shape: Shape) -> None:
        g, node = self.graph, shape.node
        types = set(g.objects(node, RDF.type))
        # Targets first: a root shape that turns out unsupported still goes to pySHACL.
        shape.targets = self._targets(node, types)
        if any(isinstance(t, BNode) for t in (*shape.targets.nodes, *shape.targets.classes)):
            raise Unsupported("a blank node as target")
        paths = self._values(node, SH.path)
        if len(paths) > 1 or (paths and SH.NodeShape in types):
            raise Unsupported("a shape with several paths, or a node shape with a path")
        if paths:
            shape.path_node = paths[0]
            shape.path = self.path(paths[0])
        shape.severity = self._one(node, SH.severity) or SH.Violation
        shape.messages = tuple(m for m in g.objects(node, SH.message) if isinstance(m, Literal))
        deactivated = self._one(node, SH.deactivated)
        shape.deactivated = isinstance(deactivated, Literal) and bool(deactivated.value)
        unknown = {p for p in g.predicates(node) if str(p).startswith(str(SH)) and p not in _KNOWN}
        if unknown:
            raise Unsupported("parameters " + ", ".join(sorted(str(p) for p in unknown)))
        for p in self._values(node, SH.property):
            if not isinstance(p, URIRef | BNode):
                raise Unsupported("sh:property is not a shape")
            child = self.shape(p)
            if child.path is None and not child.unsupported:
                raise Unsupported("sh:property names a shape without sh:path")
            shape.properties.append(child)
        shape.constraints = self._constraints(shape)
        for constraint in self._values(node, SH.sparql):
            try:
                shape.sparql.append(sparql.read(g, constraint, shape.path is not None))
            except sparql.Refused as reason:
                raise Unsupported(f"SPARQL constraint {constraint}: {reason}") from None

    def _targets(self, node: Node, types: set[Node]) -> Targets:
        g = self.graph
        classes = self._values(node, SH.targetClass)
        # pySHACL: an implicit class target needs rdf:type rdfs:Class or a direct subclass of it.
        class_types = {RDFS.Class, *g.subjects(RDFS.subClassOf, RDFS.Class)}
        if types & class_types:
            classes.append(node)
        return Targets(
            tuple(classes),
            tuple(self._values(node, SH.targetNode)),
            tuple(self._values(node, SH.targetSubjectsOf)),
            tuple(self._values(node, SH.targetObjectsOf)),
        )

    def path(self, node: Node, inverse: bool = False) -> Path:
        g = self.graph
        if isinstance(node, URIRef):
            return Pred(node)
        if not isinstance(node, BNode):
            raise Unsupported(f"not a property path: {node}")
        if g.value(node, RDF.first) is not None:
            if inverse:  # pySHACL reads ^(p/q) as ^p/^q; leave that reading to it
                raise Unsupported("an inverse of a sequence path")
            steps = tuple(self.path(s, inverse) for s in self._list(node))
            if len(steps) < 2:
                raise Unsupported("a sequence path with fewer than two steps")
            return Seq(steps)
        forms = [(p, o) for p, o in g.predicate_objects(node)]
        if len(forms) != 1:
            raise Unsupported(f"a malformed property path: {node}")
        p, inner = forms[0]
        if p == SH.inversePath:
            return Inverse(self.path(inner, not inverse))
        if p == SH.alternativePath:
            options = tuple(self.path(o, inverse) for o in self._list(inner))
            if len(options) < 2:
                raise Unsupported("an alternative path with fewer than two options")
            return Alt(options)
        ops = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
        if isinstance(p, URIRef) and p in ops:
            return Repeat(self.path(inner, inverse), ops[p])
        raise Unsupported(f"a property path with {p}")

    def _constraints(self, shape: Shape) -> list[Constraint]:
        node, out = shape.node, []
        is_property = shape.path is not None
        out += self._cardinality(node, is_property)
        if (dt := self._one(node, SH.datatype)) is not None:
            if not isinstance(dt, URIRef):
                raise Unsupported("sh:datatype is not an IRI")
            out.append(Datatype(dt))
        out += [Class(c) for c in self._values(node, SH["class"])]
        if (kind := self._one(node, SH.nodeKind)) is not None:
            if kind not in _NODE_KINDS:
                raise Unsupported(f"unknown sh:nodeKind {kind}")
            out.append(NodeKind(URIRef(str(kind))))
        if (members := self._one(node, SH["in"])) is not None:
            values = self._list(members)
            if any(isinstance(v, BNode) for v in values):
                raise Unsupported("a blank node in sh:in")
            out.append(In(values))
        for value in self._values(node, SH.hasValue):
            if isinstance(value, BNode):
                raise Unsupported("a blank node as sh:hasValue")
            out.append(HasValue(value))
        out += self._strings(node)
        for p, comp in _RANGES.items():
            for bound in self._values(node, p):
                if not isinstance(bound, Literal):
                    raise Unsupported(f"{p} is not a literal")
                out.append(Range(comp, bound))
        for p, comp in _PAIRS.items():
            for other in self._values(node, p):
                if not isinstance(other, URIRef):
                    raise Unsupported(f"{p} is not an IRI")
                if not is_property and p in (SH.lessThan, SH.lessThanOrEquals):
                    raise Unsupported(f"{p} on a node shape")
                out.append(PropertyPair(comp, other))
        out += self._closed(shape)
        out += self._logical(node)
        return out

    def _cardinality(self, node: Node, is_property: bool) -> list[Constraint]:
        low, high = self._int(node, SH.minCount), self._int(node, SH.maxCount)
        if (low is not None or high is not None) and not is_property:
            raise Unsupported("sh:minCount or sh:maxCount on a node shape")
        out: list[Constraint] = []
        if low:  # pySHACL skips sh:minCount 0
            out.append(MinCount(low))
        if high is not None:
            out.append(MaxCount(high))
        return out

    def _strings(self, node: Node) -> list[Constraint]:
        out: list[Constraint] = []
        for p, comp in (
            (SH.minLength, SH.MinLengthConstraintComponent),
            (SH.maxLength, SH.MaxLengthConstraintComponent),
        ):
            n = self._int(node, p)
            if n is not None:
                out.append(Length(comp, n))
        flags = self._values(node, SH.flags)
        for regex in self._values(node, SH.pattern):
            if not isinstance(regex, Literal):
                raise Unsupported("sh:pattern is not a literal")
            out.append(Pattern(str(regex), str(flags[0]) if flags else ""))
        if (langs := self._one(node, SH.languageIn)) is not None:
            tags = self._list(langs)
            if not all(isinstance(t, Literal) and isinstance(t.value, str) for t in tags):
                raise Unsupported("sh:languageIn holds something other than strings")
            out.append(LanguageIn(tuple(str(t).lower() for t in tags)))
        unique = self._one(node, SH.uniqueLang)
        if unique is not None:
            if not (isinstance(unique, Literal) and unique.value is True):
                raise Unsupported("sh:uniqueLang other than true")
            out.append(UniqueLang())
        return out

    def _closed(self, shape: Shape) -> list[Constraint]:
        closed = self._one(shape.node, SH.closed)
        ignored = self._one(shape.node, SH.ignoredProperties)
        if closed is None:
            if ignored is not None:
                raise Unsupported("sh:ignoredProperties without sh:closed")
            return []
        if not isinstance(closed, Literal) or closed.value is not True:
            if isinstance(closed, Literal) and closed.value is False:
                return []
            raise Unsupported("sh:closed is not a boolean")
        allowed = {p.path_node for p in shape.properties}
        allowed |= set(self._list(ignored)) if ignored is not None else set()
        return [Closed(frozenset(a for a in allowed if a is not None))]

    def _logical(self, node: Node) -> list[Constraint]:
        out: list[Constraint] = []
        for p, comp in _LOGICAL.items():
            for ref in self._values(node, p):
                out.append(ShapeRef(comp, (self._shape_node(ref),)))
        for p, comp in _LISTS.items():
            for head in self._values(node, p):
                members = self._list(head)  # sh:xone counts a shape listed twice twice
                out.append(ShapeRef(comp, tuple(self._shape_node(m) for m in members)))
        qualified = self._values(node, SH.qualifiedValueShape)
        if qualified:
            out.append(self._qualified(node, qualified))
        return out

    def _qualified(self, node: Node, qualified: list[Node]) -> Qualified:
        if len(qualified) > 1:
            raise Unsupported("several sh:qualifiedValueShape")
        low = self._int(node, SH.qualifiedMinCount)
        high = self._int(node, SH.qualifiedMaxCount)
        if low is None and high is None:
            raise Unsupported("sh:qualifiedValueShape without counts")
        disjoint = self._one(node, SH.qualifiedValueShapesDisjoint)
        siblings: set[ShapeNode] = set()
        if isinstance(disjoint, Literal) and disjoint.value is True:
            for parent in self.graph.subjects(SH.property, node):
                for sibling in self.graph.objects(parent, SH.property):
                    siblings |= {
                        self._shape_node(q)
                        for q in self.graph.objects(sibling, SH.qualifiedValueShape)
                    }
        main = self._shape_node(qualified[0])
        return Qualified(main, low, high, tuple(sorted(siblings - {main}, key=str)))

    def _shape_node(self, node: Node) -> ShapeNode:
        if not isinstance(node, URIRef | BNode):
            raise Unsupported(f"not a shape: {node}")
        return node
