"""The fast SHACL engine against pySHACL: same results, result for result."""

from __future__ import annotations

import io
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from cartkg.fastshacl import Validation, open_store, validate
from cartkg.fastshacl.results import Result
from cartkg.paths import project_root

BENCH = project_root() / "bench"
sys.path.insert(0, str(BENCH))
import gen_cart_data  # noqa: E402  (bench/ is not a package)

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def same(fast: Validation, reference: Validation, messages: bool = False) -> None:
    """The same verdict and results; messages compared only for shapes that all have one
    (without sh:message each engine words its own)."""

    def results(report: Validation) -> Counter[Result]:
        return Counter(r if messages else replace(r, message="") for r in report.results)

    assert fast.conforms == reference.conforms
    only_fast = results(fast) - results(reference)
    only_reference = results(reference) - results(fast)
    assert not only_fast and not only_reference, (only_fast, only_reference)


@pytest.fixture(scope="module")
def bench_shapes() -> Graph:
    return Graph().parse(BENCH / "shapes" / "cart-shapes.ttl", format="turtle")


@pytest.fixture(scope="module")
def generated() -> str:
    """CAR-T-shaped data with many injected violations (one chance in ten per opportunity)."""
    out = io.StringIO()
    gen_cart_data.generate(out, triples=15_000, seed=11, error_rate=0.1)
    return out.getvalue()


# ---- differential tests ------------------------------------------------------------------------
def test_generated_data_graph(generated: str, bench_shapes: Graph) -> None:
    data = Graph().parse(data=generated, format="turtle")
    fast = validate(data, bench_shapes)
    same(fast, validate(data, bench_shapes, engine="pyshacl"), messages=True)
    assert set(fast.routes.values()) == {"fast"}
    # Every kind of injected mistake is found (the generator makes each one).
    found = {r.constraint_component.removeprefix("sh:") for r in fast.results}
    assert found >= {
        "ClassConstraintComponent",
        "ClosedConstraintComponent",
        "DatatypeConstraintComponent",
        "DisjointConstraintComponent",
        "InConstraintComponent",
        "LanguageInConstraintComponent",
        "LessThanOrEqualsConstraintComponent",
        "MaxCountConstraintComponent",
        "MaxInclusiveConstraintComponent",
        "MinCountConstraintComponent",
        "MinInclusiveConstraintComponent",
        "MinLengthConstraintComponent",
        "NodeConstraintComponent",
        "OrConstraintComponent",
        "PatternConstraintComponent",
        "UniqueLangConstraintComponent",
    }, found


def test_generated_data_file(generated: str, bench_shapes: Graph, tmp_path: Path) -> None:
    """From a file the fast engine reads literals with pyoxigraph, pySHACL with rdflib."""
    path = tmp_path / "data.ttl"
    path.write_text(generated, encoding="utf-8")
    same(
        validate(path, bench_shapes), validate(path, bench_shapes, engine="pyshacl"), messages=True
    )


# ---- literals as written ----------------------------------------------------------------------
def test_literals_keep_their_datatype_and_form(tmp_path: Path) -> None:
    """pyoxigraph's store would read "5"^^xsd:nonNegativeInteger as xsd:integer and "1.50"
    as "1.5"; SHACL sees them as written."""
    shapes = turtle("""
        ex:S sh:targetSubjectsOf ex:n ;
            sh:property [ sh:path ex:n ; sh:datatype xsd:nonNegativeInteger ; sh:maxInclusive 10 ] ;
            sh:property [ sh:path ex:d ; sh:in ( 1.5 ) ] .""")
    path = tmp_path / "data.ttl"
    path.write_text(
        PREFIXES
        + """
        ex:a ex:n "5"^^xsd:nonNegativeInteger ; ex:d "1.50"^^xsd:decimal .
        ex:b ex:n "-1"^^xsd:nonNegativeInteger , "x"^^xsd:nonNegativeInteger , 11 .
        ex:c ex:n "012"^^xsd:nonNegativeInteger ; ex:d 1.5 .""",
        encoding="utf-8",
    )
    fast = validate(path, shapes)
    same(fast, validate(path, shapes, engine="pyshacl"))
    found = {(r.focus_node, r.value, r.constraint_component) for r in fast.results}
    xsd = "http://www.w3.org/2001/XMLSchema#"
    in_list = "sh:InConstraintComponent"
    assert ("<http://example.org/a>", f'"1.50"^^<{xsd}decimal>', in_list) in found
    assert not any(
        focus == "<http://example.org/a>" and "Datatype" in comp for focus, _, comp in found
    )


def test_store_input_is_copied_not_changed() -> None:
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("http://example.org/a"),
            ox.NamedNode("http://example.org/p"),
            ox.Literal("x"),
        )
    )
    shapes = turtle(
        "ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:minLength 2 ] ."
    )
    report = validate(store, shapes)
    assert [r.value for r in report.results] == ['"x"']
    assert len(store) == 1


def test_named_graphs_are_validated_as_one(tmp_path: Path) -> None:
    path = tmp_path / "data.trig"
    path.write_text(
        PREFIXES
        + """
        ex:g1 { ex:a a ex:C . }
        ex:g2 { ex:a ex:p 1 . }""",
        encoding="utf-8",
    )
    shapes = turtle("ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .")
    assert validate(path, shapes).conforms
    assert len(open_store(path)) == 2


# ---- what goes to pySHACL ---------------------------------------------------------------------
def test_unsupported_shapes_go_to_pyshacl_alone() -> None:
    shapes = turtle("""
        ex:Fast sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:Slow sh:targetClass ex:C ; sh:sparql [ sh:select
            "SELECT $this WHERE { $this <http://example.org/q> ?x { FILTER(bound($this)) } }" ] .
        """)
    data = turtle("ex:a a ex:C ; ex:q 1 .")
    report = validate(data, shapes)
    assert report.routes["<http://example.org/Fast>"] == "fast"
    assert report.routes["<http://example.org/Slow>"].startswith("pyshacl: ")
    assert {r.constraint_component for r in report.results} == {
        "sh:MinCountConstraintComponent",
        "sh:SPARQLConstraintComponent",
    }
    same(report, validate(data, shapes, engine="pyshacl"))


# ---- SPARQL-based constraints -----------------------------------------------------------------
SPARQL_SHAPES = """
    ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
    ex:Node sh:targetClass ex:C ; sh:message "node {$this}" ;
      sh:sparql [ sh:prefixes ex:prefixes ; sh:message "{?s} lacks {?o}"@en ; sh:select '''
    SELECT $this ?s ?o WHERE { $this ex:s ?s ; ex:o ?o . FILTER NOT EXISTS { ?s ex:p ?o } }''' ] .
    ex:Prop sh:targetClass ex:C ; sh:severity sh:Warning ;
      sh:property [ sh:path ex:label ; sh:sparql [ sh:prefixes ex:prefixes ; sh:select '''
        SELECT DISTINCT $this ?value WHERE { $this $PATH ?value .
          FILTER (!isLiteral(?value) || !langMatches(lang(?value), "de")) }''' ] ] .
    ex:Off sh:targetClass ex:C ; sh:sparql [ sh:deactivated true ;
      sh:select "SELECT $this WHERE { $this a ?t }" ] .
"""
SPARQL_DATA = """
    ex:a a ex:C ; ex:s ex:x ; ex:o ex:y ; ex:label "A"@de, "A"@en, ex:z .
    ex:b a ex:C ; ex:s ex:x ; ex:o ex:w . ex:x ex:p ex:w . _:c a ex:C ; ex:label "c" .
"""


def test_sparql_constraints_run_set_oriented() -> None:
    shapes, data = turtle(SPARQL_SHAPES), turtle(SPARQL_DATA)
    fast = validate(data, shapes, allow_warnings=True)
    assert set(fast.routes.values()) == {"fast"}
    reference = validate(data, shapes, engine="pyshacl", allow_warnings=True)
    same(fast, reference, messages=True)
    assert len(fast.results) == 4 and not fast.conforms  # ex:a's triple; 3 labels warned


@pytest.mark.parametrize(
    "where",
    [
        "{ FILTER ($this = ex:a) } UNION { $this ex:s ?s }",  # a filter the focus join misses
        "$this ex:s ?v FILTER (?v > 1)",  # compares literals stored under the XSD alias
        "$this ex:s ?v FILTER NOT EXISTS { ?v ex:p ?o { FILTER (?o = $this) } }",
    ],
)
def test_sparql_constraints_the_join_would_change_go_to_pyshacl(where: str) -> None:
    shapes = turtle(f"""ex:S sh:targetClass ex:C ; sh:sparql [ sh:prefixes ex:prefixes ;
        sh:select "SELECT $this WHERE {{ {where} }}" ] .
        ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .""")
    data = turtle(SPARQL_DATA)
    report = validate(data, shapes)
    assert report.routes["<http://example.org/S>"].startswith("pyshacl: ")
    same(report, validate(data, shapes, engine="pyshacl"), messages=True)


def test_fallback_from_a_file(tmp_path: Path) -> None:
    shapes = turtle("""
        ex:Fast sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:datatype xsd:integer ] .
        ex:Slow sh:targetClass ex:C ; sh:sparql [ sh:select
            "SELECT $this ?value WHERE { $this <http://example.org/p> ?value FILTER(?value > 1) }"
            ] .""")
    path = tmp_path / "data.ttl"
    path.write_text(PREFIXES + 'ex:a a ex:C ; ex:p 2, "x" .', encoding="utf-8")
    report = validate(path, shapes)
    same(report, validate(path, shapes, engine="pyshacl"))
    assert {r.constraint_component for r in report.results} == {
        "sh:DatatypeConstraintComponent",
        "sh:SPARQLConstraintComponent",
    }


def test_a_shape_with_an_unsupported_path_still_validates() -> None:
    shapes = turtle("""
        ex:S sh:targetClass ex:C ;
            sh:property [ sh:path [ sh:inversePath ( ex:p ex:q ) ] ; sh:minCount 1 ] .""")
    data = turtle("ex:a a ex:C .")
    report = validate(data, shapes)
    assert "inverse of a sequence" in report.routes["<http://example.org/S>"]
    assert [r.constraint_component for r in report.results] == ["sh:MinCountConstraintComponent"]


def test_recursive_shapes_go_to_pyshacl() -> None:
    shapes = turtle("""
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:next ; sh:node ex:S ] .""")
    data = turtle("ex:a a ex:C ; ex:next ex:b . ex:b ex:next ex:a .")
    report = validate(data, shapes)
    assert "recursive" in report.routes["<http://example.org/S>"]


def test_allow_warnings_lets_warnings_conform() -> None:
    shapes = turtle("""
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ;
            sh:severity sh:Warning ] .""")
    data = turtle("ex:a a ex:C .")
    assert not validate(data, shapes).conforms
    assert validate(data, shapes, allow_warnings=True).conforms
    same(
        validate(data, shapes, allow_warnings=True),
        validate(data, shapes, engine="pyshacl", allow_warnings=True),
    )


def test_results_are_report_results(bench_shapes: Graph) -> None:
    data = turtle("ex:x a <https://w3id.org/cartkg/ontology/Disease> .")
    report = validate(data, bench_shapes)
    assert all(isinstance(r, Result) for r in report.results)
    assert [r.message for r in report.results] == ["A disease needs exactly one English label."]


def test_workers_share_the_work(generated: str, bench_shapes: Graph) -> None:
    data = Graph().parse(data=generated, format="turtle")
    same(
        validate(data, bench_shapes, workers=2),
        validate(data, bench_shapes, workers=1),
        messages=True,
    )


def test_xsd_namespace_is_aliased_across_chunk_boundaries(tmp_path: Path) -> None:
    from cartkg.fastshacl.load import _XsdAliasing
    from cartkg.fastshacl.terms import ALIAS_NS, XSD_NS

    text = f'<a> <b> "1"^^<{XSD_NS}integer> , "2"^^<{XSD_NS}decimal> .\n' * 50
    path = tmp_path / "data.nt"
    path.write_text(text, encoding="utf-8")
    for chunk in (1, 7, 33, 64, 1 << 20):
        with path.open("rb") as raw:
            read = io.BufferedReader(_XsdAliasing(raw, chunk)).read().decode()
        assert read == text.replace(XSD_NS, ALIAS_NS), chunk


def test_build_engines_agree_that_warnings_conform() -> None:
    """The build's SHACL step (`cartkg.shacl.validate`) with either engine: warnings must not
    make the data non-conforming in either."""
    from cartkg import shacl

    shapes = turtle("""ex:S sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:severity sh:Warning ] .""")
    data, ontology = turtle("ex:a a ex:C ."), Graph()
    fast = shacl.validate(data, shapes, ontology, engine="fast")
    reference = shacl.validate(data, shapes, ontology, engine="pyshacl")
    assert fast.conforms and reference.conforms
    assert (
        [r.severity for r in fast.results] == [r.severity for r in reference.results] == ["Warning"]
    )
