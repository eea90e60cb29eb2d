"""The ontology: metadata, documentation of every term, the term contract, OWL 2 DL hygiene,
and reasoning with HermiT (consistency, the defined classes, the disjointness axioms)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from cartkg.diagram import main_diagram, render_data_model
from cartkg.errors import CartkgError
from cartkg.namespaces import CARTKG, KG, ONTOLOGY_IRI

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "cartkg.ttl"
CURATION_MARKER = "# ---- terms added during curation ----"


def _names(text: str) -> list[str]:
    return text.split()


# The local names of the term contract that the data is written against. Renaming one of these
# breaks curated data: add, never rename.
CONTRACT_CLASSES = _names("""
Therapy CarTTherapy CarTProduct Chemotherapy CD19DirectedTherapy BCMADirectedTherapy
AutoimmuneCarTTherapy AutoimmuneIndication CancerIndication TargetAntigen Disease Cancer
AutoimmuneDisease PatientGroup Place CellType Organisation Charity PatientOrganisation Regulator
AppraisalBody Funder University GovernmentDepartment Manufacturer HealthcareProvider
TreatmentCentre Hospital CommissioningBody FundingProgramme CentreNetwork ResearchTeam Parliament
Person Role ClinicalStudy ClinicalTrial CaseSeries ResearchProgramme ResearchProject Publication
Journal TreatmentStage CellCollection Manufacturing BridgingTherapy Conditioning Infusion
Monitoring FollowUp Screening Recovery HospitalStay EligibilityCriterion InclusionCriterion
ExclusionCriterion SafetyRisk AdverseEffect Symptom FundingAward Event RollOut Recommendation
GovernmentResponse PlanPublication CallForEvidence Announcement Milestone Petition
ReportedOutcome Cost SourceDocument NewsArticle CharityNewsPost HospitalWebPage PetitionPage
BlogPost VerificationRecord Assertion AssertionStatus OrganisationalFunction RegistrationStatus
""")
CONTRACT_OBJECT_PROPERTIES = _names("""
targetsAntigen hasIndication indicationFor providesTherapy servesPatientGroup treatsCondition
locatedIn partOf hasRole roleIn leads affiliatedWith hasFunction studiesCondition studiesTherapy
hasSite leadOrganisation citesPublication publishedIn reportsOutcome outcomeCondition
outcomeTherapy hasStage precedes concurrentWith hasDuration hasTiming hasEligibilityCriterion
criterionForCondition hasRisk hasSymptom onsetAfterTreatment hasCost funder fundedWork awardedTo
amount supportsPatientsWith eventAgent eventAbout recommendsTherapy recommendedFor
withinProgramme respondsTo petitionResponse status checkedAgainst statedIn inGraph mentions
registrationStatus outcomeValue followUp unit
""")
CONTRACT_DATATYPE_PROPERTIES = _names("""
date signatureCount debateThreshold plannedEnrolment recruitmentStatus studyDesign
registryIdentifier numberOfCentres populationSize outcomeMeasure roleTitle stepNumber ageMinimum
ageMaximum volume issue pages doi firstAuthor contactEmail homepage route paraphrase locator
lineStart lineEnd statusNote sha256 fileName reliabilityNote
""")
CONTRACT_INDIVIDUALS = {
    "AssertionStatus": _names("Stated Verified Contradicted Unverifiable"),
    "RegistrationStatus": ["NoRegistryRecordFound"],
    "OrganisationalFunction": _names("""LicensingFunction AppraisalFunction FundingFunction
        EarlyAccessFunction ResearchFundingFunction PatientSupportFunction ManufacturingFunction
        CommissioningFunction"""),
}

# Properties that may be said of anything, so have no rdfs:domain; or point at anything.
NO_DOMAIN = {CARTKG.locatedIn, CARTKG.hasTiming, CARTKG.homepage}


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def _terms(g: Graph, kind: URIRef) -> list[URIRef]:
    return sorted(
        t for t in g.subjects(RDF.type, kind) if isinstance(t, URIRef) and t.startswith(CARTKG)
    )


def _english(g: Graph, term: URIRef, prop: URIRef) -> list[Literal]:
    return [o for o in g.objects(term, prop) if isinstance(o, Literal) and o.language == "en"]


def test_header(onto: Graph) -> None:
    head = URIRef(ONTOLOGY_IRI)
    assert (head, RDF.type, OWL.Ontology) in onto
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator):
        assert onto.value(head, prop) is not None, prop
    assert onto.value(head, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    version = str(onto.value(head, OWL.versionInfo))
    assert onto.value(head, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}")


def test_the_file_ends_with_the_curation_section() -> None:
    text = ONTOLOGY.read_text(encoding="utf-8")
    assert text.count(CURATION_MARKER) == 1


@pytest.mark.parametrize("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty])
def test_every_term_has_an_english_label_and_definition(onto: Graph, kind: URIRef) -> None:
    for term in _terms(onto, kind):
        assert len(_english(onto, term, RDFS.label)) == 1, f"{term}: one rdfs:label@en"
        assert _english(onto, term, SKOS.definition), f"{term}: skos:definition@en"


@pytest.mark.parametrize("kind", [OWL.ObjectProperty, OWL.DatatypeProperty])
def test_every_property_has_a_domain_and_range(onto: Graph, kind: URIRef) -> None:
    for prop in _terms(onto, kind):
        if prop not in NO_DOMAIN and (prop, RDFS.domain, None) not in onto:
            pytest.fail(f"{prop} has no rdfs:domain")
        if kind == OWL.DatatypeProperty and (prop, RDFS.range, None) not in onto:
            pytest.fail(f"{prop} has no rdfs:range")


def test_the_term_contract_is_implemented(onto: Graph) -> None:
    expected = [
        *((name, OWL.Class) for name in CONTRACT_CLASSES),
        *((name, OWL.ObjectProperty) for name in CONTRACT_OBJECT_PROPERTIES),
        *((name, OWL.DatatypeProperty) for name in CONTRACT_DATATYPE_PROPERTIES),
    ]
    missing = [name for name, kind in expected if (CARTKG[name], RDF.type, kind) not in onto]
    assert not missing
    for cls, names in CONTRACT_INDIVIDUALS.items():
        for name in names:
            assert (CARTKG[name], RDF.type, CARTKG[cls]) in onto, name
            assert _english(onto, CARTKG[name], RDFS.label), name
            assert _english(onto, CARTKG[name], SKOS.definition), name


# ---- OWL 2 DL hygiene: a lint, not a full profile check ----

_KINDS = [
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDFS.Datatype,
]
_BUILTIN = (str(RDF), str(RDFS), str(OWL))


def test_no_iri_is_declared_as_two_kinds(onto: Graph) -> None:
    """OWL 2 DL forbids e.g. an IRI that is both a data property and an annotation property."""
    kinds: dict[URIRef, set[URIRef]] = {}
    for kind in _KINDS:
        for term in onto.subjects(RDF.type, kind):
            if isinstance(term, URIRef):
                kinds.setdefault(term, set()).add(kind)
    clashes = {t: k for t, k in kinds.items() if len(k) > 1}
    assert not clashes


def test_every_predicate_is_declared(onto: Graph) -> None:
    declared = {
        t for kind in _KINDS[1:4] for t in onto.subjects(RDF.type, kind) if isinstance(t, URIRef)
    }
    undeclared = {
        p for p in onto.predicates() if not str(p).startswith(_BUILTIN) and p not in declared
    }
    assert not undeclared


def test_every_named_class_in_an_axiom_is_declared(onto: Graph) -> None:
    """Classes named in subclass, domain, range, union and restriction axioms are declared, so
    that a DL tool does not have to guess whether an IRI is a class; the reserved rdf:, rdfs: and
    owl: vocabularies are never used as classes (which is why Assertion does not subclass
    rdf:Statement)."""
    classes = set(onto.subjects(RDF.type, OWL.Class))
    datatypes = set(onto.subjects(RDF.type, RDFS.Datatype))
    object_props = set(onto.subjects(RDF.type, OWL.ObjectProperty))
    mentioned: set[rdflib.term.Node] = set(onto.objects(None, RDFS.subClassOf))
    mentioned |= set(onto.objects(None, OWL.someValuesFrom))
    mentioned |= set(onto.objects(None, OWL.disjointWith))
    for prop in object_props:
        mentioned |= set(onto.objects(prop, RDFS.range))
    for prop in set(onto.subjects(RDFS.domain, None)):
        mentioned |= set(onto.objects(prop, RDFS.domain))
    for union in onto.objects(None, OWL.unionOf):
        mentioned |= set(rdflib.collection.Collection(onto, union))
    named = {m for m in mentioned if isinstance(m, URIRef)}
    reserved = {m for m in named if str(m).startswith(_BUILTIN) and m != OWL.Thing}
    assert not reserved
    undeclared = {m for m in named - classes - datatypes if not str(m).startswith(str(rdflib.XSD))}
    assert not undeclared


# ---- reasoning ----

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="HermiT needs Java (a JRE on PATH) to run"
)

ABOX = """
@prefix cartkg: <https://w3id.org/cartkg/ontology/> .
@prefix kg: <https://w3id.org/cartkg/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kg:cd19-car-t a cartkg:Therapy ; cartkg:targetsAntigen kg:cd19 .
kg:descartes-08 a cartkg:CarTTherapy ; cartkg:targetsAntigen kg:bcma ;
    cartkg:hasIndication kg:myasthenia-gravis .
kg:myasthenia-gravis a cartkg:AutoimmuneDisease .
kg:tisa-cel a cartkg:CarTProduct ; cartkg:hasIndication kg:all .
kg:all a cartkg:Cancer .
kg:chemo a cartkg:Chemotherapy ; cartkg:hasIndication kg:lymphoma .
kg:lymphoma a cartkg:Cancer .
kg:rollout a cartkg:RollOut ; cartkg:date "2023-04"^^xsd:gYearMonth .
kg:response a cartkg:GovernmentResponse ; cartkg:date "2025-03-24"^^xsd:date .
"""


def _reason(extra: str) -> tuple[dict[str, set[str]], list[str]]:
    """Run HermiT over the ontology plus `extra` (Turtle): each individual's types, and the
    unsatisfiable classes."""
    import owlready2

    abox = Graph().parse(data=extra, format="turtle")
    graph = Graph().parse(ONTOLOGY, format="turtle") + abox
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cartkg.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        with onto:
            # xsd:date, xsd:gYear(Month) and rdf:langString lie outside the OWL 2 datatype map.
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
        subjects = {str(s) for s in abox.subjects() if isinstance(s, URIRef)}
        types = {iri: {c.iri for c in world[iri].is_a if hasattr(c, "iri")} for iri in subjects}
        return types, [c.iri for c in world.inconsistent_classes()]


@pytest.fixture(scope="module")
def reasoned() -> Iterator[tuple[dict[str, set[str]], list[str]]]:
    yield _reason(ABOX)


@needs_java
def test_no_class_is_unsatisfiable(reasoned: tuple[dict[str, set[str]], list[str]]) -> None:
    assert reasoned[1] == []


@needs_java
def test_defined_classes_are_filled_by_the_reasoner(
    reasoned: tuple[dict[str, set[str]], list[str]],
) -> None:
    inferred = reasoned[0]

    def types(local: str) -> set[str]:
        return inferred[str(KG[local])]

    assert str(CARTKG.CD19DirectedTherapy) in types("cd19-car-t")
    assert str(CARTKG.BCMADirectedTherapy) in types("descartes-08")
    assert str(CARTKG.CD19DirectedTherapy) not in types("descartes-08")
    assert str(CARTKG.AutoimmuneCarTTherapy) in types("descartes-08")
    assert str(CARTKG.AutoimmuneCarTTherapy) not in types("tisa-cel")
    # indicationFor is the inverse of hasIndication; only CAR-T indications qualify.
    assert str(CARTKG.AutoimmuneIndication) in types("myasthenia-gravis")
    assert str(CARTKG.CancerIndication) in types("all")
    assert str(CARTKG.CancerIndication) not in types("lymphoma")


@needs_java
@pytest.mark.parametrize(
    "contradiction",
    [
        "kg:x a cartkg:Person , cartkg:Organisation .",
        "kg:x a cartkg:Cancer , cartkg:AutoimmuneDisease .",
        "kg:x a cartkg:Therapy , cartkg:Disease .",
        "kg:a cartkg:status cartkg:Stated , cartkg:Verified .",
    ],
)
def test_contradictions_make_the_graph_inconsistent(contradiction: str) -> None:
    import owlready2

    prefixes = (
        "@prefix cartkg: <https://w3id.org/cartkg/ontology/> .\n"
        "@prefix kg: <https://w3id.org/cartkg/id/> .\n"
    )
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(prefixes + contradiction)


# ---- the data-model picture ----


def test_the_diagram_shows_every_labelled_class_and_subclass_link(onto: Graph) -> None:
    dot = render_data_model(ONTOLOGY)
    for cls in _terms(onto, OWL.Class):
        label = onto.value(cls, RDFS.label)
        if label is not None:
            assert f"<B>{escape(str(label))}" in dot, f"{cls} is missing from the diagram"
    for child, parent in onto.subject_objects(RDFS.subClassOf):
        if all(isinstance(t, URIRef) and t.startswith(CARTKG) for t in (child, parent)):
            edge = f'"{child[len(CARTKG) :]}" -> "{parent[len(CARTKG) :]}"'
            assert edge in dot


def test_the_diagram_names_each_object_property_on_an_edge(onto: Graph) -> None:
    dot = render_data_model(ONTOLOGY)
    for prop in _terms(onto, OWL.ObjectProperty):
        assert f'label="{onto.value(prop, RDFS.label)}"' in dot, prop


def test_drawing_without_graphviz_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no `dot` on it
    with pytest.raises(CartkgError, match="Graphviz"):
        main_diagram(tmp_path / "model.svg")
    assert not (tmp_path / "model.svg").exists()


def test_individuals_declared_in_the_ontology_carry_the_curated_label() -> None:
    """kg:cd19 and kg:bcma are named by defined classes, so the ontology declares them; their
    label there must be the curated one, or the merged graph would have two labels."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL, RDF, RDFS

    from cartkg import yamlio
    from cartkg.namespaces import KG
    from cartkg.paths import layout

    ontology = Graph().parse(layout().ontology / "cartkg.ttl", format="turtle")
    curated = {
        record["id"]: record["label"]
        for path in (layout().data / "entities").glob("*.yaml")
        for record in yamlio.load(path) or []
    }
    declared = [
        s
        for s in ontology.subjects(RDF.type, OWL.NamedIndividual)
        if isinstance(s, URIRef) and str(s).startswith(str(KG))
    ]
    assert declared
    for individual in declared:
        local = str(individual)[len(str(KG)) :]
        assert set(ontology.objects(individual, RDFS.label)) == {Literal(curated[local], lang="en")}
