"""The ids the curated data defines, each with its types and where it was defined."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import URIRef

from cartkg.curation.problems import Problems
from cartkg.curation.schema import SLUG
from cartkg.records import Where


class Ids:
    """Sources and entities by id, in the order defined; a bad or repeated id is an error."""

    def __init__(self, errors: Problems) -> None:
        self.errors = errors
        self.defined: dict[str, tuple[list[URIRef], Where]] = {}

    def __contains__(self, ident: object) -> bool:
        return ident in self.defined

    def __iter__(self) -> Iterator[str]:
        return iter(self.defined)

    def types(self, ident: str) -> list[URIRef]:
        return self.defined[ident][0]

    def define(self, ident: str, types: list[URIRef], where: Where, field: str = "id") -> bool:
        if not SLUG.match(ident):
            self.errors.add(
                where, field, f"{ident!r} is not a lower-case slug like 'car-t-therapy'", ident
            )
            return False
        if ident in self.defined:
            first = self.defined[ident][1]
            self.errors.add(
                where, field, f"duplicate id {ident!r} (first defined at {first})", ident
            )
            return False
        self.defined[ident] = (types, where)
        return True
