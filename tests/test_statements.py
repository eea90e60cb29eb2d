"""Qualified statements: claim kinds, holders, qualifiers and times (data/README.md, "Statements").

Each test adds claims to a copy of the mini project, read with the project's own ontology (which
defines the statement vocabulary), and looks at the RDF the claims become or the error they get.
"""

from __future__ import annotations

import shutil

import pytest
from rdflib import RDF, XSD, Dataset, Literal, URIRef

from cartkg import rdfgen
from cartkg.curation import load_curation
from cartkg.errors import DataErrors
from cartkg.namespaces import CARTKG, GRAPH, KG, PROVENANCE_GRAPH, TIME
from cartkg.paths import Layout, layout, sources_dir
from cartkg.vocabulary import Vocabulary, load_ontology

DATE_FREE = "claims/source-000.yaml"  # the mini project's undated hospital page
DATED = "claims/source-001.yaml"  # the mini project's news report of 4 May 2024


@pytest.fixture
def project(mini_project: Layout) -> Layout:
    """The mini project with the real ontology, so that the statement vocabulary is there."""
    target = mini_project.ontology / "cartkg.ttl"
    target.unlink()
    shutil.copytree(layout().ontology, mini_project.ontology, dirs_exist_ok=True)
    return mini_project


def add_claim(project: Layout, name: str, claim: str) -> None:
    path = project.data / name
    path.write_text(path.read_text(encoding="utf-8") + claim, encoding="utf-8")


def generate(project: Layout) -> Dataset:
    ontology = load_ontology(project.ontology)
    curation = load_curation(project.root, Vocabulary(ontology), sources_dir(project.root))
    return rdfgen.generate(curation, ontology)


def errors(project: Layout) -> list[str]:
    with pytest.raises(DataErrors) as caught:
        generate(project)
    return [str(e) for e in caught.value.errors]


def assertions_of(dataset: Dataset, predicate: URIRef) -> list[URIRef]:
    provenance = dataset.graph(PROVENANCE_GRAPH)
    return sorted(a for a in provenance.subjects(RDF.predicate, predicate) if isinstance(a, URIRef))


PRIMACY = """\
- about: fixture-hospital
  lines: 11
  says: >-
    The hospital describes its service, opened in 2021, as the first of its kind in the city.
  kind: primacy
  state:
    providesTherapy: fixcel
  qualifiers:
    scope: fixture-hospital
    ordinal: 1
    pointInTime: {date: "2021-03", wording: first of March 2021}
"""


def test_a_primacy_claim_is_a_typed_assertion_with_its_qualifiers(project: Layout) -> None:
    add_claim(project, DATE_FREE, PRIMACY)
    dataset = generate(project)
    provenance = dataset.graph(PROVENANCE_GRAPH)
    [primacy] = [
        a
        for a in assertions_of(dataset, CARTKG["providesTherapy"])
        if (a, RDF.type, CARTKG["PrimacyClaim"]) in provenance
    ]
    assert provenance.value(primacy, CARTKG["scope"]) == KG["fixture-hospital"]
    assert provenance.value(primacy, CARTKG["ordinal"]) == Literal(1, datatype=XSD.positiveInteger)
    time = provenance.value(primacy, CARTKG["pointInTime"])
    assert (time, RDF.type, CARTKG["TimeSpecification"]) in provenance
    assert provenance.value(time, TIME["inXSDgYearMonth"]) == Literal(
        "2021-03", datatype=XSD.gYearMonth
    )
    assert provenance.value(time, CARTKG["timePrecision"]) == CARTKG["PrecisionMonth"]
    # A claim of primacy is still a fact of its source: the triple is in the source's graph.
    assert (KG["fixture-hospital"], CARTKG["providesTherapy"], KG["fixcel"]) in dataset.graph(
        GRAPH["source-000"]
    )
    # The same triple stated plainly elsewhere in the file stays a separate assertion.
    assert len(assertions_of(dataset, CARTKG["providesTherapy"])) == 2


OPINION = """\
- about: fixcel
  lines: 4
  says: >-
    The hospital thinks fixcel suits adults with fixture lymphoma.
  kind: opinion
  state:
    hasIndication: lupus
"""


def test_an_opinion_is_not_put_in_the_source_graph(project: Layout) -> None:
    add_claim(project, DATE_FREE, OPINION)
    dataset = generate(project)
    triple = (KG["fixcel"], CARTKG["hasIndication"], KG["lupus"])
    assert triple not in dataset.graph(GRAPH["source-000"])
    provenance = dataset.graph(PROVENANCE_GRAPH)
    [opinion] = [
        a
        for a in assertions_of(dataset, CARTKG["hasIndication"])
        if (a, RDF.subject, KG["fixcel"]) in provenance
        and (a, RDF.object, KG["lupus"]) in provenance
    ]
    assert (opinion, RDF.type, CARTKG["Opinion"]) in provenance
    assert provenance.value(opinion, CARTKG["asserted"]) == Literal(False)
    # Whose opinion, when the claim does not say: the publisher of the document.
    assert provenance.value(opinion, CARTKG["heldBy"]) == KG["fixture-hospital"]


def test_a_holder_is_kept(project: Layout) -> None:
    add_claim(project, DATE_FREE, OPINION + "  holder: fixture-daily\n")
    provenance = generate(project).graph(PROVENANCE_GRAPH)
    held = set(provenance.objects(None, CARTKG["heldBy"]))
    assert held == {KG["fixture-daily"]}


RELATIVE = """\
- about: service-opening
  lines: 6
  says: >-
    The report expects the government to answer the petition in a few months.
  kind: expectation
  state:
    hasTime: {reference: document, offset: {min: 1, max: 6, unit: month}, direction: after, \
wording: within a few months}
"""


def test_a_relative_time_in_a_dated_document_must_be_resolved(project: Layout) -> None:
    add_claim(project, DATED, RELATIVE)
    [message] = errors(project)
    assert message.startswith("data/claims/source-001.yaml:")
    assert "source-001 is dated 2024-05-04: resolve the time against it" in message


def test_a_resolved_relative_time_keeps_wording_offset_and_reference(project: Layout) -> None:
    resolved = RELATIVE.replace("hasTime: {", 'hasTime: {date: "2024", until: "2024", ')
    add_claim(project, DATED, resolved)
    provenance = generate(project).graph(PROVENANCE_GRAPH)
    [time] = set(provenance.subjects(RDF.type, CARTKG["TimeSpecification"]))
    assert provenance.value(time, CARTKG["relativeTo"]) == KG["source-001"]
    assert provenance.value(time, CARTKG["offsetDirection"]) == CARTKG["After"]
    assert provenance.value(time, CARTKG["originalWording"]) == Literal(
        "within a few months", lang="en"
    )
    assert provenance.value(time, CARTKG["timePrecision"]) == CARTKG["PrecisionYear"]
    offset = provenance.value(time, CARTKG["timeOffset"])
    assert offset is not None and provenance.value(offset, CARTKG["unit"]) is not None


def test_in_an_undated_document_the_relation_is_kept(project: Layout) -> None:
    claim = RELATIVE.replace("lines: 6", "lines: 11").replace(
        "wording: within a few months", "wording: March 2021"
    )
    add_claim(project, DATE_FREE, claim)
    provenance = generate(project).graph(PROVENANCE_GRAPH)
    [time] = set(provenance.subjects(RDF.type, CARTKG["TimeSpecification"]))
    assert provenance.value(time, CARTKG["relativeTo"]) == KG["source-000"]
    assert provenance.value(time, TIME["inXSDgYear"]) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: primacy", "kind: boast"), "'boast' is not one of fact, primacy"),
        (("  qualifiers:\n    scope:", "    scope:"), "'scope' is a qualifier: put it under"),
        (("    ordinal: 1", "    hasIndication: lupus"), "'hasIndication' is not a qualifier"),
        (("wording: first of March 2021", "wording: a year ago"), "wording 'a year ago' is not"),
        (('date: "2021-03"', 'date: "2021-03", precision: decade'), "precision decade does not"),
        (('date: "2021-03"', "offset: {value: 2, unit: year}"), "needs a `direction`"),
        (('date: "2021-03"', 'date: "2021-13"'), "'2021-13' is not a valid date"),
        (('date: "2021-03"', 'date: "2021-03", when: now'), "unknown field(s) when"),
        (("scope: fixture-hospital", "scope: fixcel"), "'fixcel' is a CarTProduct, but scope"),
    ],
)
def test_each_rule_is_named(project: Layout, change: tuple[str, str], message: str) -> None:
    add_claim(project, DATE_FREE, PRIMACY.replace(*change))
    found = errors(project)
    assert any(message in line for line in found), found
    assert all(line.startswith("data/claims/source-000.yaml:") for line in found)


def test_an_opinion_needs_a_holder_where_the_document_has_no_publisher(project: Layout) -> None:
    sources = project.data / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("  publisher: fixture-hospital\n", "", 1), encoding="utf-8")
    add_claim(project, DATE_FREE, OPINION)
    [message] = errors(project)
    assert "a claim of kind opinion needs a `holder`" in message


def test_a_plain_fact_keeps_its_assertion_iri(project: Layout) -> None:
    """Kinds and qualifiers are part of the key only where a claim has them: the IRIs that
    researchers may have stored for plain facts do not change."""
    dataset = generate(project)
    [assertion] = assertions_of(dataset, CARTKG["providesTherapy"])
    expected = rdfgen.assertion_iri(
        "source-000", KG["fixture-hospital"], CARTKG["providesTherapy"], KG["fixcel"]
    )
    assert assertion == expected
