"""Reading SHACL report graphs into `cartkg.report.Report`."""

from __future__ import annotations

from rdflib import Graph

from cartkg.report import Report

REPORT = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
[] a sh:ValidationReport ; sh:conforms false ; sh:result ex:r .
ex:r a sh:ValidationResult ; sh:focusNode ex:a ; sh:resultSeverity sh:Violation ;
    sh:sourceConstraintComponent sh:NodeConstraintComponent ; sh:detail ex:d .
ex:d a sh:ValidationResult ; sh:focusNode ex:b ; sh:resultSeverity sh:Violation ;
    sh:sourceConstraintComponent sh:MinCountConstraintComponent .
"""


def test_from_graph_does_not_count_nested_sh_detail_results() -> None:
    report = Report.from_graph(Graph().parse(data=REPORT, format="turtle"))
    assert not report.conforms
    assert [r.focus_node for r in report.results] == ["<http://example.org/a>"]
