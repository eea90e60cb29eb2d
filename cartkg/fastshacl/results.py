"""fastshacl's validation report: what failed, where, and why, as strings.

Terms are written with a prefix map, the W3C namespaces of SHACL unless the caller gives its own
(`validate(..., prefixes=...)`), so that fastshacl knows nothing of the project using it.

>>> compact(URIRef("http://www.w3.org/ns/shacl#MinCountConstraintComponent"))
'sh:MinCountConstraintComponent'
>>> compact(URIRef("http://example.org/a b"))
'<http://example.org/a b>'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

Compact = Callable[[Node | None], str]

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": str(SH),
}


def compactor(prefixes: Mapping[str, str]) -> Compact:
    """A function writing an IRI as prefix:local where a prefix fits, else <iri>; literals in N3;
    blank nodes as _:id."""
    by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def compact(node: Node | None) -> str:
        if node is None:
            return ""
        if isinstance(node, URIRef):
            for prefix, base in by_length:
                if not node.startswith(base):
                    continue
                local = str(node)[len(base) :]
                if local and all(c.isalnum() or c in "_-." for c in local):
                    return f"{prefix}:{local}"
            return f"<{node}>"
        if isinstance(node, Literal):
            return node.n3()
        return f"_:{node}"

    return compact


compact = compactor(STANDARD_PREFIXES)


@dataclass(frozen=True)
class Result:
    severity: str  # Violation, Warning or Info
    focus_node: str
    result_path: str | None
    value: str | None
    source_shape: str | None
    constraint_component: str
    message: str

    def text(self) -> str:
        where = self.focus_node + (f" {self.result_path}" if self.result_path else "")
        value = f" = {self.value}" if self.value else ""
        shape = f" [{self.source_shape}]" if self.source_shape else ""
        return f"{self.severity}: {where}{value}: {self.message}{shape}"


@dataclass
class Report:
    conforms: bool
    results: list[Result] = field(default_factory=list)


def path_text(graph: Graph, path: Node | None, compact: Compact = compact) -> str | None:
    """A SHACL property path in SPARQL-like syntax (`^p`, `p/q`, `p*`)."""
    if path is None:
        return None
    if not isinstance(path, BNode):
        return compact(path)
    if (graph.value(path, RDF.first)) is not None:
        return "/".join(path_text(graph, p, compact) or "" for p in Collection(graph, path))
    for predicate, form in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return form.format(path_text(graph, inner, compact))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(path_text(graph, p, compact) or "" for p in Collection(graph, alternatives))
    return compact(path)


def read_result(graph: Graph, node: Node, compact: Compact = compact) -> Result:
    """One `sh:ValidationResult` of a report graph."""
    severity = graph.value(node, SH.resultSeverity)
    component = graph.value(node, SH.sourceConstraintComponent)
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    value = graph.value(node, SH.value)
    return Result(
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        focus_node=compact(graph.value(node, SH.focusNode)),
        result_path=path_text(graph, graph.value(node, SH.resultPath), compact),
        value=compact(value) if value is not None else None,
        source_shape=compact(graph.value(node, SH.sourceShape)) or None,
        constraint_component=compact(component),
        message="; ".join(messages) or compact(component),
    )
