"""Data as code for the faithfulness findings of review 2026-12-data-review.md (sections 4, 5).

One check per record, for each kind of defect the review found:

- a claim marked contradicted rests on a verified value that differs, not on a failed search
  (section 4, major: Edinburgh's MS research was "contradicted" because no trial was found);
- a paraphrase gives no one a sex the cited lines do not give (section 4: "she" for a patient);
- a `record` is a record, not a search that was never run (section 4: ClinicalTrials.gov search
  URLs on checks that searched code and stored pages);
- a study no registry knows is typed as unconfirmed, not as a trial, and any recruitment status
  it has says whose word it is (section 5: three such studies read as recruiting trials).

Locators, copying and identifiers have their own files (test_data_locators.py,
test_data_copying.py, test_data_identifiers.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pytest
from rdflib import Literal

from cartkg.curation import NO_RECORD, load_curation
from cartkg.namespaces import CARTKG, KG
from cartkg.paths import layout, sources_dir
from cartkg.records import Claim, Curation, Entity
from cartkg.vocabulary import Vocabulary, load_ontology

PROJECT = layout()
CHECKS = "reference-checks"
PRONOUNS = re.compile(r"\b(he|she|his|her|hers|him|himself|herself)\b", re.IGNORECASE)
SEARCH = re.compile(r"[?&](term|q|query|search)=|/search\b", re.IGNORECASE)


@cache
def curation() -> Curation:
    vocabulary = Vocabulary(load_ontology(PROJECT.ontology))
    return load_curation(PROJECT.root, vocabulary, sources_dir(PROJECT.root))


def _claims(keep: Callable[[Claim], object]) -> list[object]:
    return [pytest.param(c, id=f"{c.where}-{c.about}") for c in curation().claims if keep(c)]


def _cited(claim: Claim) -> str:
    source = next(s for s in curation().sources if s.id == claim.source)
    if source.text_lines is None:
        pytest.skip("the source documents (../shared/sources) are not beside this checkout")
    return " ".join(source.text_lines[claim.first_line - 1 : claim.last_line])


@pytest.mark.parametrize("claim", _claims(lambda c: c.status == "contradicted"))
def test_contradiction_rests_on_a_verified_different_value(claim: Claim) -> None:
    """The checks verified another value of the same property, for the subject or for the
    thing it stands for (a citation's intended publication)."""
    verified = [c for c in curation().claims if c.source == CHECKS and c.status == "verified"]
    subjects = {KG[claim.about]} | {
        st.value for c in verified if c.about == claim.about for st in c.statements
    }
    for statement in claim.statements:
        contrary = [
            c
            for c in verified
            if KG[c.about] in subjects
            for st in c.statements
            if st.predicate == statement.predicate and st.value != statement.value
        ]
        assert contrary, (
            f"{claim.where}: {claim.about} {statement.predicate} is contradicted, but no verified "
            "check gives a different value; a search that found nothing makes it unverifiable"
        )


@pytest.mark.parametrize("claim", _claims(lambda c: True))
def test_paraphrase_adds_no_pronoun(claim: Claim) -> None:
    cited = _cited(claim)
    for word in {w.lower() for w in PRONOUNS.findall(claim.says)}:
        assert re.search(rf"\b{word}\b", cited, re.IGNORECASE), (
            f"{claim.where}: the paraphrase says {word!r}, the cited lines do not"
        )


@pytest.mark.parametrize("claim", _claims(lambda c: c.record is not None))
def test_record_is_a_record_not_a_search(claim: Claim) -> None:
    assert claim.record is not None
    assert not SEARCH.search(claim.record), (
        f"{claim.where}: {claim.record} is a search, not the record the check consulted"
    )


def _unconfirmed() -> list[object]:
    ids = {
        c.about
        for c in curation().claims
        if c.source == CHECKS and any(st.value in NO_RECORD for st in c.statements)
    }
    return [pytest.param(e, id=f"{e.where}-{e.id}") for e in curation().entities if e.id in ids]


@pytest.mark.parametrize("entity", _unconfirmed())
def test_study_without_a_registry_record_is_not_a_recruiting_trial(entity: Entity) -> None:
    assert CARTKG["ClinicalTrial"] not in entity.types, (
        f"{entity.where}: {entity.id} has no registry record; type it UnconfirmedStudy"
    )
    assert CARTKG["UnconfirmedStudy"] in entity.types
    statuses = [
        (claim, st.value)
        for claim in curation().claims
        if claim.about == entity.id
        for st in claim.statements
        if st.predicate == CARTKG["recruitmentStatus"]
    ]
    for claim, value in statuses:
        assert isinstance(value, Literal) and "according to" in str(value), (
            f"{claim.where}: recruitment status {value!r} of {entity.id} does not say whose "
            "word it is"
        )
