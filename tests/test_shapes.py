"""The SHACL shapes accept well-formed data and reject each kind of curator mistake.

Each bad case starts from one good fixture and breaks exactly one thing, so a failing case points
at one shape. Validation merges the ontology into the data graph, as the build does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from cartkg.namespaces import CARTKG, KG, SCHEMA
from cartkg.propertyshapes import render_property_shapes

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY = ROOT / "ontology" / "cartkg.ttl"

PREFIXES = """
@prefix cartkg: <https://w3id.org/cartkg/ontology/> .
@prefix kg: <https://w3id.org/cartkg/id/> .
@prefix kgg: <https://w3id.org/cartkg/graph/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
"""

# One source, a few entities of different kinds, two value nodes and two assertions.
GOOD = (
    PREFIXES
    + """
kg:cd19 a cartkg:TargetAntigen ; rdfs:label "CD19"@en .
kg:bcma a cartkg:TargetAntigen ; rdfs:label "BCMA"@en .
kg:uclh a cartkg:Hospital ; rdfs:label "University College London Hospitals"@en ;
    dcterms:description "An NHS hospital trust in London."@en .
kg:car-t-autoimmune a cartkg:CarTTherapy ; rdfs:label "CD19 CAR-T for autoimmune disease"@en ;
    cartkg:targetsAntigen kg:cd19 ; cartkg:hasIndication kg:sle ; cartkg:hasCost kg:value-cost .
kg:sle a cartkg:AutoimmuneDisease ; rdfs:label "systemic lupus erythematosus"@en ;
    <http://www.w3.org/2004/02/skos/core#altLabel> "SLE" .
kg:stage-manufacturing a cartkg:Manufacturing ; rdfs:label "manufacturing"@en ;
    cartkg:hasDuration kg:value-weeks .
kg:cart-lupus-01 a cartkg:ClinicalTrial ; rdfs:label "CART-LUPUS-01"@en ;
    cartkg:plannedEnrolment "20"^^xsd:nonNegativeInteger ;
    cartkg:registrationStatus cartkg:NoRegistryRecordFound .
kg:petition a cartkg:Petition ; rdfs:label "Fund more CAR T Cell Therapy"@en ;
    cartkg:signatureCount "10809"^^xsd:nonNegativeInteger .
kg:rollout-2023 a cartkg:RollOut ; rdfs:label "NHS roll-out of CAR-T"@en ;
    cartkg:date "2023-04"^^xsd:gYearMonth .
kg:adults a cartkg:PatientGroup ; rdfs:label "adults aged 18 to 65"@en ;
    cartkg:ageMinimum "18"^^xsd:nonNegativeInteger ;
    cartkg:ageMaximum "65"^^xsd:nonNegativeInteger .

kg:value-weeks a schema:QuantitativeValue ; schema:minValue 4 ; schema:maxValue 6 ;
    cartkg:unit unit:WK ; schema:unitCode "WEE" .
kg:value-cost a cartkg:Cost ; schema:minValue 120000 ; schema:maxValue 185000 ;
    schema:currency "GBP" .

kg:source-002 a cartkg:HospitalWebPage ; dcterms:title "CAR-T cell therapy at UCLH"@en ;
    cartkg:sha256 "5f1c9a0000000000000000000000000000000000000000000000000000000000" ;
    cartkg:fileName "002_afa11e22624a81f7.txt" ; dcterms:publisher kg:uclh .

kg:assertion-000000000001 a cartkg:Assertion ;
    rdf:subject kg:stage-manufacturing ; rdf:predicate cartkg:hasDuration ;
    rdf:object kg:value-weeks ; cartkg:statedIn kg:source-002 ; cartkg:inGraph kgg:source-002 ;
    cartkg:paraphrase "UCLH says making the cells takes four to six weeks."@en ;
    cartkg:locator "lines 12-13" ;
    cartkg:lineStart "12"^^xsd:positiveInteger ; cartkg:lineEnd "13"^^xsd:positiveInteger ;
    cartkg:status cartkg:Stated .
kg:assertion-000000000002 a cartkg:Assertion ;
    rdf:subject kg:car-t-autoimmune ; rdf:predicate cartkg:targetsAntigen ; rdf:object kg:cd19 ;
    cartkg:statedIn kg:source-002 ; cartkg:inGraph kgg:source-002 ;
    cartkg:paraphrase "The approach is said to target CD19."@en ;
    cartkg:locator "line 5" ;
    cartkg:lineStart "5"^^xsd:positiveInteger ; cartkg:lineEnd "5"^^xsd:positiveInteger ;
    cartkg:status cartkg:Verified ;
    cartkg:checkedAgainst <https://pubmed.ncbi.nlm.nih.gov/36109639/> .
"""
)

A1 = KG["assertion-000000000001"]
A2 = KG["assertion-000000000002"]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def good_data() -> Graph:
    return Graph().parse(data=GOOD, format="turtle")


def check(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, list[str], Graph]:
    """Validate `data` with the ontology merged in; return conformance and all result messages."""
    # pySHACL may add to the shapes graph it is given (pySHACL issue #314): pass a fresh copy.
    conforms, report, _ = validate(
        data + ontology, shacl_graph=shapes + Graph(), inference="none", allow_warnings=True
    )
    assert isinstance(report, Graph)
    messages = [str(m) for m in report.objects(None, SH.resultMessage)]
    return bool(conforms), messages, report


def test_good_data_conforms(shapes: Graph, ontology: Graph) -> None:
    conforms, messages, _ = check(good_data(), shapes, ontology)
    assert conforms, messages


def _replace(s: URIRef, p: URIRef, new: rdflib.term.Node | None) -> Callable[[Graph], None]:
    def edit(g: Graph) -> None:
        g.remove((s, p, None))
        if new is not None:
            g.add((s, p, new))

    return edit


def _add(*triples: tuple[URIRef, URIRef, rdflib.term.Node]) -> Callable[[Graph], None]:
    def edit(g: Graph) -> None:
        for triple in triples:
            g.add(triple)

    return edit


def _remove_triple(s: URIRef, p: URIRef, o: rdflib.term.Node) -> Callable[[Graph], None]:
    def edit(g: Graph) -> None:
        g.remove((s, p, o))

    return edit


TRIAL = KG["cart-lupus-01"]
WEEKS = KG["value-weeks"]
COST = KG["value-cost"]
SOURCE = KG["source-002"]
THERAPY = KG["car-t-autoimmune"]

BAD_CASES = {
    "enrolment as a string": (
        _replace(TRIAL, CARTKG.plannedEnrolment, Literal("20")),
        "'planned enrolment' must be a whole number",
    ),
    "date as a plain string": (
        _replace(KG["rollout-2023"], CARTKG.date, Literal("2023-04")),
        "'date' must be an xsd:date",
    ),
    "assertion without locator": (
        _replace(A1, CARTKG.locator, None),
        "cartkg:locator",
    ),
    "assertion without source": (
        _replace(A1, CARTKG.statedIn, None),
        "cartkg:statedIn",
    ),
    "assertion with two subjects": (
        _add((A1, RDF.subject, KG.uclh)),
        "exactly one rdf:subject",
    ),
    "paraphrase without language": (
        _replace(A1, CARTKG.paraphrase, Literal("UCLH says it takes four to six weeks.")),
        "cartkg:paraphrase",
    ),
    "paraphrase too short": (
        _replace(A1, CARTKG.paraphrase, Literal("weeks", lang="en")),
        "cartkg:paraphrase",
    ),
    "line zero": (
        _replace(A1, CARTKG.lineStart, Literal(0, datatype=rdflib.XSD.integer)),
        "cartkg:lineStart",
    ),
    "first line after last line": (
        _replace(A1, CARTKG.lineStart, Literal(14, datatype=rdflib.XSD.positiveInteger)),
        "no greater than its cartkg:lineEnd",
    ),
    "unknown status": (
        _replace(A1, CARTKG.status, CARTKG.Maybe),
        "exactly one cartkg:status",
    ),
    "contradicted without note": (
        _replace(A2, CARTKG.status, CARTKG.Contradicted),
        "needs a cartkg:statusNote",
    ),
    "unverifiable without note": (
        _replace(A1, CARTKG.status, CARTKG.Unverifiable),
        "needs a cartkg:statusNote",
    ),
    "verified without record": (
        _replace(A2, CARTKG.checkedAgainst, None),
        "needs a cartkg:checkedAgainst",
    ),
    "asserted triple missing": (
        _remove_triple(THERAPY, CARTKG.targetsAntigen, KG.cd19),
        "not in the graph",
    ),
    "sha256 in capitals": (
        _replace(SOURCE, CARTKG.sha256, Literal("5F1C" + "0" * 60)),
        "cartkg:sha256",
    ),
    "source without file name": (
        _replace(SOURCE, CARTKG.fileName, None),
        "cartkg:fileName",
    ),
    "minimum above maximum": (
        _replace(WEEKS, SCHEMA.minValue, Literal(7)),
        "no greater than its schema:maxValue",
    ),
    "quantity with value and range": (
        _add((WEEKS, SCHEMA.value, Literal(5))),
        "but not both",
    ),
    "quantity without unit": (
        _replace(WEEKS, CARTKG.unit, None),
        "cartkg:unit",
    ),
    "currency in lower case": (
        _replace(COST, SCHEMA.currency, Literal("gbp")),
        "schema:currency",
    ),
    "missing label": (
        _replace(KG.sle, RDFS.label, None),
        "exactly one rdfs:label",
    ),
    "label without language": (
        _replace(KG.sle, RDFS.label, Literal("systemic lupus erythematosus")),
        "exactly one rdfs:label",
    ),
    "two labels": (
        _add((KG.sle, RDFS.label, Literal("lupus", lang="en"))),
        "exactly one rdfs:label",
    ),
    "entity id not a slug": (
        _add((KG["Bad_Id"], RDF.type, CARTKG.Disease), (KG["Bad_Id"], RDFS.label, Literal("x"))),
        "lower-case slug",
    ),
    "misspelt type": (
        _add((KG.sle, RDF.type, CARTKG.AutoimuneDisease)),
        "class declared in the ontology",
    ),
    "property on the wrong kind of subject": (
        _add((KG.sle, CARTKG.targetsAntigen, KG.cd19)),
        "can only be said of a therapy",
    ),
    "value of the wrong class": (
        _add((THERAPY, CARTKG.hasIndication, KG.uclh)),
        "'has indication' must be a disease",
    ),
    "cancer and autoimmune": (
        _add((KG.sle, RDF.type, CARTKG.Cancer)),
        "both a cancer and an autoimmune disease",
    ),
    "minimum age above maximum": (
        _replace(KG.adults, CARTKG.ageMinimum, Literal(70, datatype=rdflib.XSD.nonNegativeInteger)),
        "minimum age must not be greater",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_data_is_rejected(case: str, shapes: Graph, ontology: Graph) -> None:
    edit, expected = BAD_CASES[case]
    data = good_data()
    edit(data)
    conforms, messages, _ = check(data, shapes, ontology)
    assert not conforms
    assert any(expected in m for m in messages), messages


def test_missing_registry_is_a_warning_only(shapes: Graph, ontology: Graph) -> None:
    data = good_data()
    data.remove((TRIAL, CARTKG.registrationStatus, None))
    conforms, messages, report = check(data, shapes, ontology)
    assert conforms  # warnings are allowed
    assert any("cartkg:registryIdentifier" in m for m in messages), messages
    severities = set(report.objects(None, SH.resultSeverity))
    assert severities == {SH.Warning}


def test_superclass_targets_need_the_ontology_in_the_data_graph(shapes: Graph) -> None:
    """sh:targetClass cartkg:Organisation reaches a cartkg:Hospital only through rdfs:subClassOf
    triples in the data graph: without the ontology, the unlabelled hospital goes unnoticed."""
    data = Graph().parse(data=PREFIXES + "kg:nameless a cartkg:Hospital .", format="turtle")
    alone, _, _ = validate(data, shacl_graph=shapes + Graph(), inference="none")
    merged, _, _ = validate(
        data + Graph().parse(ONTOLOGY), shacl_graph=shapes + Graph(), inference="none"
    )
    assert alone and not merged


# pyshacl reads a Dataset through an rdflib API that rdflib 7 deprecates; not ours to fix.
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
def test_a_dataset_is_validated_as_the_union_of_its_graphs(shapes: Graph, ontology: Graph) -> None:
    """pyshacl reads an rdflib Dataset as the union of its named graphs, so a label in the
    curation graph and a fact in a source graph are seen together."""
    dataset = rdflib.Dataset()
    good = good_data()
    labels = dataset.graph(URIRef("https://w3id.org/cartkg/graph/curation"))
    facts = dataset.graph(URIRef("https://w3id.org/cartkg/graph/source-002"))
    for triple in good:
        (labels if triple[1] in (RDF.type, RDFS.label) else facts).add(triple)
    dataset.graph(URIRef("https://w3id.org/cartkg/graph/ontology")).__iadd__(ontology)
    conforms, _, text = validate(dataset, shacl_graph=shapes + Graph(), inference="none")
    assert conforms, text


# ---- the shapes themselves ----


def _reporting_shapes(shapes: Graph) -> set[rdflib.term.Node]:
    """Shapes whose own sh:message reaches the report: targeted node shapes, their property
    shapes, and shapes used through sh:node (whose failures are reported by the parent)."""
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    nodes: set[rdflib.term.Node] = {s for t in targets for s in shapes.subjects(t, None)}
    nodes |= {p for s in list(nodes) for p in shapes.objects(s, SH.property)}
    return nodes


def test_every_shape_has_a_message(shapes: Graph) -> None:
    silent = [s for s in _reporting_shapes(shapes) if (s, SH.message, None) not in shapes]
    assert not silent, f"shapes without sh:message: {silent}"


def test_property_shapes_are_up_to_date(ontology: Graph) -> None:
    expected = render_property_shapes(ontology)
    actual = (SHAPES_DIR / "properties.ttl").read_text(encoding="utf-8")
    assert actual == expected, "run `python -m cartkg.propertyshapes` to regenerate it"


def test_every_class_of_the_ontology_is_reached_by_a_shape(shapes: Graph, ontology: Graph) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    classes = {
        c
        for c in ontology.subjects(RDF.type, rdflib.OWL.Class)
        if str(c).startswith(str(CARTKG)) and (c, rdflib.OWL.equivalentClass, None) not in ontology
    }
    unreached = sorted(
        c for c in classes if not targeted & set(ontology.transitive_objects(c, RDFS.subClassOf))
    )
    assert not unreached, f"add to a sh:targetClass in shapes/entities.ttl: {unreached}"


def test_only_sparql_ttl_uses_shacl_sparql() -> None:
    for path in SHAPES_DIR.glob("*.ttl"):
        if path.name == "sparql.ttl":
            continue
        graph = Graph().parse(path)
        assert (None, SH.sparql, None) not in graph, f"{path.name} must stay SHACL Core"
