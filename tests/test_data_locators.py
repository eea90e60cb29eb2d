"""Data as code: a claim about a named thing cites the line that names it.

Review 2026-12-data-review.md, section 3: 7 locators held the value but left out the line that
names the subject (a trust named on the line above its bullet, a product named only in the
reference list). One check per claim whose subject has a proper name (an organisation, a
study, a product, a publication, a person, a CAR-T therapy other than CAR-T in general): its
cited lines contain the subject's label or an alias, as tests/test_locators.py matches names.

Two ways of naming are accepted. A document's publisher writes of itself as "we" and "our". A
footnote marker (¹ ² ³) in the cited lines points at a reference; it names the subject when
another claim of the same source about the same subject cites lines that hold the same marker
and the name. A document's own topic, narrower than CAR-T in general (004's CAR-T for autoimmune
disease), is named in that document by any name of CAR-T.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from test_locators import _found

from cartkg.curation import load_curation
from cartkg.namespaces import CARTKG
from cartkg.paths import layout, sources_dir
from cartkg.records import Claim, Curation
from cartkg.vocabulary import Vocabulary, load_ontology

PROJECT = layout()
NAMED_KINDS = ("Organisation", "ClinicalStudy", "CarTProduct", "Publication", "Person")
#: The subject of every document, named in its title rather than on each line.
TOPIC = "car-t-cell-therapy"
MARKERS = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹]")
#: A document's own topic, when narrower than CAR-T in general: 004 is a guide to CAR-T for
#: autoimmune disease (lines 15-19 say so), and within it "CAR-T therapy" means that. A claim
#: about the topic must cite lines that name CAR-T.
DOCUMENT_TOPICS = {("source-004", "car-t-autoimmune")}

pytestmark = pytest.mark.skipif(
    sources_dir() is None, reason="the source documents (../shared/sources) are not beside this"
)


@cache
def curation() -> tuple[Curation, Vocabulary]:
    vocabulary = Vocabulary(load_ontology(PROJECT.ontology))
    return load_curation(PROJECT.root, vocabulary, sources_dir(PROJECT.root)), vocabulary


def _named(curation: Curation, vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Entity id -> its names, for the entities whose names the documents use."""
    kinds = [CARTKG[k] for k in NAMED_KINDS]
    named = {}
    for entity in curation.entities:
        therapy = entity.id != TOPIC and any(
            vocabulary.is_subclass(t, CARTKG["CarTTherapy"]) for t in entity.types
        )
        if therapy or any(vocabulary.is_subclass(t, k) for t in entity.types for k in kinds):
            named[entity.id] = [entity.label, *entity.aliases]
    return named


def _cited(claim: Claim) -> str:
    source = next(s for s in curation()[0].sources if s.id == claim.source)
    assert source.text_lines is not None
    return " ".join(source.text_lines[claim.first_line - 1 : claim.last_line])


def _claims() -> list[object]:
    if sources_dir() is None:
        return []
    data, vocabulary = curation()
    named = _named(data, vocabulary)
    general = next([e.label, *e.aliases] for e in data.entities if e.id == TOPIC)
    return [
        pytest.param(
            claim,
            named[claim.about]
            + (general if (claim.source, claim.about) in DOCUMENT_TOPICS else []),
            id=f"{claim.where}-{claim.about}",
        )
        for claim in data.claims
        if claim.about in named
    ]


@pytest.mark.parametrize(("claim", "names"), _claims())
def test_cited_lines_name_the_subject(claim: Claim, names: list[str]) -> None:
    text = _cited(claim)
    if any(_found(name, text) for name in names):
        return
    source = next(s for s in curation()[0].sources if s.id == claim.source)
    if claim.about == source.publisher and re.search(r"\b(we|our)\b", text, re.IGNORECASE):
        return
    for marker in MARKERS.findall(text):
        for other in curation()[0].claims:
            if (other.source, other.about) == (claim.source, claim.about):
                named_there = _cited(other)
                if marker in named_there and any(_found(n, named_there) for n in names):
                    return
    pytest.fail(
        f"{claim.where}: lines {claim.first_line}-{claim.last_line} of {claim.source} do not "
        f"name {claim.about!r} (as any of {sorted(set(names))}); cite the line that does"
    )
