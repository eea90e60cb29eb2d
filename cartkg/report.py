"""A SHACL validation report as plain data: what failed, where, and why.

>>> r = Result("Violation", "kg:x", "cartkg:date", '"soon"', "cartkg:EventShape",
...            "sh:DatatypeConstraintComponent", "date must be an xsd:date")
>>> print(Report(conforms=False, results=[r]).text())
Violation: kg:x cartkg:date = "soon": date must be an xsd:date [cartkg:EventShape]
1 violation(s), 0 warning(s), 0 info
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, Graph, Literal
from rdflib.namespace import SH

from cartkg import fastshacl
from cartkg.fastshacl.results import Result, compactor, read_result
from cartkg.namespaces import PREFIXES

# One result record for both engines (fastshacl's), its terms compacted with the project's prefixes.
__all__ = ["Report", "Result", "compact"]

#: An IRI as prefix:local where a project prefix fits, else <iri>; literals in N3.
compact = compactor(PREFIXES)


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
        return cls.of(conforms, [read_result(graph, node, compact) for node in nodes])

    @classmethod
    def of_fastshacl(cls, report: fastshacl.Report) -> Report:
        """fastshacl's report, its results in its order."""
        return cls(conforms=report.conforms, results=list(report.results))

    @classmethod
    def of(cls, conforms: bool, results: list[Result]) -> Report:
        """A report with its results in reading order: violations first, then by focus node."""
        results = sorted(
            results, key=lambda r: (r.severity != "Violation", r.focus_node, r.result_path or "")
        )
        return cls(conforms=conforms, results=results)
