"""A SHACL validation report as plain data: what failed, where, and why.

>>> r = Result("Violation", "kg:x", "cartkg:date", '"soon"', "cartkg:EventShape",
...            "sh:DatatypeConstraintComponent", "date must be an xsd:date")
>>> print(Report(conforms=False, results=[r]).text())
Violation: kg:x cartkg:date = "soon": date must be an xsd:date [cartkg:EventShape]
1 violation(s), 0 warning(s), 0 info
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.namespaces import PREFIXES

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def compact(node: Node | None) -> str:
    """An IRI as prefix:local where a project prefix fits, else <iri>; literals in N3."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        for prefix, base in _BY_LENGTH:
            if not node.startswith(base):
                continue
            local = str(node)[len(base) :]
            if local and all(c.isalnum() or c in "_-." for c in local):
                return f"{prefix}:{local}"
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    return f"_:{node}"


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

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    def text(self) -> str:
        lines = [r.text() for r in self.results]
        lines.append(
            f"{self.count('Violation')} violation(s), {self.count('Warning')} warning(s), "
            f"{self.count('Info')} info"
        )
        return "\n".join(lines)

    @classmethod
    def from_graph(cls, graph: Graph) -> Report:
        """Read a SHACL validation report graph: the report's own results (`sh:result`), not
        the results nested in them (pySHACL's `sh:detail`)."""
        report = next(graph.subjects(RDF.type, SH.ValidationReport), None)
        conforms = report is not None and graph.value(report, SH.conforms) == Literal(True)
        nodes = graph.objects(report, SH.result) if report is not None else iter(())
        return cls.of(conforms, [read_result(graph, node) for node in nodes])

    @classmethod
    def of(cls, conforms: bool, results: list[Result]) -> Report:
        """A report with its results in reading order: violations first, then by focus node."""
        results = sorted(
            results, key=lambda r: (r.severity != "Violation", r.focus_node, r.result_path or "")
        )
        return cls(conforms=conforms, results=results)


def path_text(graph: Graph, path: Node | None) -> str | None:
    """A SHACL property path in SPARQL-like syntax (`^p`, `p/q`, `p*`)."""
    if path is None:
        return None
    if not isinstance(path, BNode):
        return compact(path)
    if (graph.value(path, RDF.first)) is not None:
        return "/".join(path_text(graph, p) or "" for p in Collection(graph, path))
    for predicate, form in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return form.format(path_text(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(path_text(graph, p) or "" for p in Collection(graph, alternatives))
    return compact(path)


def read_result(graph: Graph, node: Node) -> Result:
    """One `sh:ValidationResult` of a report graph."""
    severity = graph.value(node, SH.resultSeverity)
    component = graph.value(node, SH.sourceConstraintComponent)
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    value = graph.value(node, SH.value)
    return Result(
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        focus_node=compact(graph.value(node, SH.focusNode)),
        result_path=path_text(graph, graph.value(node, SH.resultPath)),
        value=compact(value) if value is not None else None,
        source_shape=compact(graph.value(node, SH.sourceShape)) or None,
        constraint_component=compact(component),
        message="; ".join(messages) or compact(component),
    )
