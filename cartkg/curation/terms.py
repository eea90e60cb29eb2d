"""What names in the curated data mean in the ontology: classes, and the values of properties.

Each lookup that fails reports why and returns None.
"""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef

from cartkg.curation.ids import Ids
from cartkg.curation.problems import Problems
from cartkg.curation.schema import URL
from cartkg.namespaces import KG
from cartkg.records import Source, Value, Where
from cartkg.values import TIME_SPEC, literal, parse_amount, parse_time
from cartkg.vocabulary import Vocabulary


class Terms:
    """Looks names up in the ontology and among the ids defined so far."""

    def __init__(self, vocabulary: Vocabulary, ids: Ids, errors: Problems) -> None:
        self.vocab = vocabulary
        self.ids = ids
        self.errors = errors

    def ontology_class(
        self, name: Any, where: Where, field: str, ident: str | None
    ) -> URIRef | None:
        if not isinstance(name, str):
            message = f"must be the name of an ontology class, not {name!r}"
            self.errors.add(where, field, message, ident)
            return None
        iri = self.vocab.resolve(name)
        if iri not in self.vocab.classes:
            self.errors.add(where, field, f"{name!r} is not a class of the ontology", ident)
            return None
        return iri

    def value(
        self,
        predicate: URIRef,
        raw: Any,
        where: Where,
        field: str,
        about: str | None,
        source: Source | None = None,
    ) -> Value | None:
        """What a claim gives a property: an amount, a time, an entity or a literal. `source`
        is the document a time may be relative to."""
        prop = self.vocab.properties[predicate]
        name = self.vocab.label(predicate)
        if isinstance(raw, dict) and any(self.vocab.is_subclass(r, TIME_SPEC) for r in prop.ranges):
            return self.time(raw, where, field, about, source)
        if isinstance(raw, dict):
            try:
                amount = parse_amount(raw)
            except ValueError as err:
                self.errors.add(where, field, str(err), about)
                return None
            specific = [r for r in prop.ranges if self.vocab.is_subclass(r, amount.rdf_class)]
            if self.vocab.is_datatype_range(prop.ranges) or not (
                specific or self.vocab.fits([amount.rdf_class], prop.ranges)
            ):
                self.errors.add(
                    where,
                    field,
                    f"{name} expects {self.expects(prop.ranges)}, "
                    f"not a {self.vocab.label(amount.rdf_class)}",
                    about,
                )
                return None
            specific = [r for r in specific if r != amount.rdf_class]
            return amount, (specific[0] if len(specific) == 1 else None)
        if prop.is_object:
            return self.reference(prop.ranges, raw, where, field, about, name)
        return self.literal(raw, predicate, where, field, about)

    def time(
        self,
        raw: dict[str, Any],
        where: Where,
        field: str,
        about: str | None,
        source: Source | None,
    ) -> Value | None:
        def reference(name: str) -> URIRef:
            if name == "document":
                if source is None:
                    raise ValueError("`reference: document` needs a source document")
                return KG[source.id]
            if name not in self.ids:
                raise ValueError(f"unknown reference {name!r}: `document` or an entity id")
            return KG[name]

        try:
            spec = parse_time(raw, reference)
        except ValueError as err:
            self.errors.add(where, field, str(err), about)
            return None
        if (
            source is not None
            and source.date is not None
            and spec.reference == KG[source.id]
            and spec.date is None
        ):
            message = (
                f"{source.id} is dated {source.date}: resolve the time against it and give "
                "the `date` it comes to (with its `precision`), keeping `reference: document`"
            )
            self.errors.add(where, field, message, about)
            return None
        return spec, None

    def literal(
        self, raw: Any, predicate: URIRef, where: Where, field: str, about: str | None
    ) -> Literal | None:
        ranges = (
            self.vocab.properties[predicate].ranges
            if predicate in self.vocab.properties
            else frozenset()
        )
        try:
            return literal(raw, ranges)
        except ValueError as err:
            message = f"{err} (the range of {self.vocab.label(predicate)})"
            self.errors.add(where, field, message, about)
            return None

    def reference(
        self,
        ranges: frozenset[URIRef],
        raw: Any,
        where: Where,
        field: str,
        about: str | None,
        name: str,
    ) -> URIRef | None:
        if not isinstance(raw, str):
            self.errors.add(
                where,
                field,
                f"{name} expects {self.expects(ranges)}: an entity id, not {raw!r}",
                about,
            )
            return None
        if raw in self.ids:
            iri, types = KG[raw], self.ids.types(raw)
        elif (term := self.vocab.resolve(raw)) in self.vocab.individuals:
            iri, types = term, list(self.vocab.individuals[term])
        elif URL.match(raw):
            return URIRef(raw)
        else:
            message = f"unknown entity {raw!r} (define it in data/entities/ first)"
            self.errors.add(where, field, message, about)
            return None
        if not self.vocab.fits(types, ranges):
            kinds = ", ".join(self.vocab.label(t) for t in types)
            self.errors.add(
                where,
                field,
                f"{raw!r} is a {kinds}, but {name} expects {self.expects(ranges)}",
                about,
            )
            return None
        return iri

    def expects(self, ranges: frozenset[URIRef]) -> str:
        return " or ".join(sorted(self.vocab.label(r) for r in ranges)) or "any value"
