"""Checks across records, once every file is read: a source's publisher is a defined entity,
and no source states the same fact twice."""

from __future__ import annotations

from rdflib import URIRef

from cartkg.curation.ids import Ids
from cartkg.curation.problems import Problems
from cartkg.records import Claim, Source, Where
from cartkg.vocabulary import Vocabulary


def check_publishers(sources: list[Source], ids: Ids, errors: Problems) -> None:
    for source in sources:
        if source.publisher is not None and source.publisher not in ids:
            message = f"unknown entity {source.publisher!r}"
            errors.add(source.where, "publisher", message, source.id)


def check_repeats(claims: list[Claim], vocabulary: Vocabulary, errors: Problems) -> None:
    """The same fact twice in one source is one assertion: merge the claims' lines. The same
    triple as another kind of claim, or with other qualifiers, is another assertion."""
    seen: dict[tuple[str, str, URIRef, str, str], Where] = {}
    for claim in claims:
        qualified = repr((claim.kind, claim.holder, sorted(map(repr, claim.qualifiers))))
        for st in claim.statements:
            key = (claim.source, claim.about, st.predicate, repr(st.value), qualified)
            if key in seen:
                errors.add(
                    st.where,
                    f"state.{vocabulary.label(st.predicate)}",
                    f"the same fact is already stated at {seen[key]}; give one claim "
                    "with both lines",
                    claim.about,
                )
            seen.setdefault(key, st.where)
