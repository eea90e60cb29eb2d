"""The curated data (data/*.yaml) loaded into typed records and checked against the schema.

The format is described in data/README.md. Every problem found is collected, then all are
raised together as one `DataErrors`, each naming file, line, field and entity.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from cartkg import yamlio
from cartkg.curation.schema import (
    CLAIM_FIELDS,
    DATES,
    ENTITY_FIELDS,
    LINES,
    NO_RECORD,
    RECORD_KEYS,
    SHA256,
    SLUG,
    SOURCE_FIELDS,
    STATUSES,
    URL,
)
from cartkg.errors import DataError, DataErrors, SourceError
from cartkg.mappings import Mapping, read_sssom
from cartkg.namespaces import CARTKG, KG
from cartkg.records import Claim, Curation, Entity, Source, Statement, Value, Where
from cartkg.values import literal, parse_amount
from cartkg.vocabulary import Vocabulary

__all__ = ["NO_RECORD", "RECORD_KEYS", "SLUG", "copied_run", "load_curation"]

#: A paraphrase may not share this many consecutive words with the lines it cites.
COPIED_RUN = 8


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def copied_run(paraphrase: str, original: str, run: int = COPIED_RUN) -> str | None:
    """The first run of `run` consecutive words the paraphrase shares with the original.

    >>> copied_run("we say the cells are then sent off to a drug maker", "cells are sent off")
    >>> copied_run("so: T cells are then sent off to a drug manufacturer there", \
        "These T cells are then sent off to a drug manufacturer where")
    't cells are then sent off to a'
    """
    ours, theirs = words(paraphrase), words(original)
    grams = {tuple(theirs[i : i + run]) for i in range(len(theirs) - run + 1)}
    for i in range(len(ours) - run + 1):
        if tuple(ours[i : i + run]) in grams:
            return " ".join(ours[i : i + run])
    return None


class _Checker:
    """Loads the data folder, collecting every error instead of stopping at the first."""

    def __init__(self, root: Path, vocabulary: Vocabulary, sources_dir: Path | None) -> None:
        self.root = root
        self.vocab = vocabulary
        self.sources_dir = sources_dir
        self.errors: list[DataError] = []
        self.inputs: dict[str, Path] = {}
        self.ids: dict[str, tuple[list[URIRef], Where]] = {}

    # -- helpers --

    def error(self, where: Where, field: str, message: str, entity: str | None = None) -> None:
        self.errors.append(
            DataError(message, file=where.file, line=where.line, field=field, entity=entity)
        )

    def name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def load(self, path: Path) -> Any:
        display = self.name(path)
        self.inputs[display] = path
        try:
            return yamlio.load(path, display)
        except SourceError as err:
            self.errors.append(DataError(err.message, file=display, line=err.line, field="yaml"))
            return None

    def records(self, data: Any, where: Where, what: str) -> Iterator[tuple[Where, Any]]:
        if not isinstance(data, list):
            self.error(where, what, "must be a list of records")
            return
        lines = getattr(data, "item_lines", [where.line] * len(data))
        for line, record in zip(lines, data, strict=True):
            here = Where(where.file, line)
            if isinstance(record, dict):
                yield here, record
            else:
                self.error(here, what, f"each item must be a mapping, not {record!r}")

    def fields(
        self, record: dict[str, Any], where: Where, allowed: tuple[str, ...], required: str
    ) -> str | None:
        """Report missing and unknown fields; return the record's id (or subject) if usable."""
        ident = record.get(required.split()[0]) if isinstance(record, dict) else None
        ident = ident if isinstance(ident, str) else None
        at = self.at(record, where)
        for name in required.split():
            if record.get(name) in (None, "", [], {}):
                self.error(at(name), name, "is required", ident)
        for name in record:
            if name not in allowed:
                self.error(at(name), name, f"unknown field (allowed: {', '.join(allowed)})", ident)
        return ident

    @staticmethod
    def at(record: Any, where: Where) -> Callable[[str], Where]:
        """Where a key of `record` is (the record's own place when lines are unknown)."""

        def line_of(key: str) -> Where:
            get = getattr(record, "line_of", None)
            return Where(where.file, get(key)) if get else where

        return line_of

    def text(self, record: dict[str, Any], name: str, where: Where, ident: str | None) -> str:
        value = record.get(name)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(self.at(record, where)(name), name, "must be non-empty text", ident)
            return ""
        return value

    def define(self, ident: str, types: list[URIRef], where: Where, field: str = "id") -> bool:
        if not SLUG.match(ident):
            self.error(
                where, field, f"{ident!r} is not a lower-case slug like 'car-t-therapy'", ident
            )
            return False
        if ident in self.ids:
            first = self.ids[ident][1]
            self.error(where, field, f"duplicate id {ident!r} (first defined at {first})", ident)
            return False
        self.ids[ident] = (types, where)
        return True

    def ontology_class(
        self, name: Any, where: Where, field: str, ident: str | None
    ) -> URIRef | None:
        if not isinstance(name, str):
            self.error(where, field, f"must be the name of an ontology class, not {name!r}", ident)
            return None
        iri = self.vocab.resolve(name)
        if iri not in self.vocab.classes:
            self.error(where, field, f"{name!r} is not a class of the ontology", ident)
            return None
        return iri

    # -- sources.yaml --

    def sources(self, path: Path) -> list[Source]:
        data = self.load(path)
        if data is None:
            return []
        top = Where(self.name(path), 1)
        if not isinstance(data, dict) or "sources" not in data:
            self.error(top, "sources", "the file must be a mapping with a `sources:` list")
            return []
        if extra := sorted(set(data) - {"sources"}):
            self.error(top, extra[0], "unknown field (allowed: sources)")
        found = []
        for where, record in self.records(data["sources"], top, "sources"):
            source = self.source(record, where)
            if source is not None:
                found.append(source)
        return found

    def source(self, record: dict[str, Any], where: Where) -> Source | None:
        ident = self.fields(record, where, SOURCE_FIELDS, "id file sha256 title kind")
        at = self.at(record, where)
        kind = self.ontology_class(record.get("kind"), at("kind"), "kind", ident)
        if kind is not None and not self.vocab.is_subclass(kind, CARTKG["SourceDocument"]):
            self.error(
                at("kind"), "kind", f"{record['kind']!r} is not a kind of SourceDocument", ident
            )
        sha = record.get("sha256")
        if sha is not None and not (isinstance(sha, str) and SHA256.match(sha)):
            self.error(at("sha256"), "sha256", "must be 64 lower-case hex digits", ident)
        descriptive = record.get("title_is_descriptive", False)
        if not isinstance(descriptive, bool):
            self.error(
                at("title_is_descriptive"), "title_is_descriptive", "must be true or false", ident
            )
        date = None
        if record.get("date") is not None:
            try:
                date = literal(record["date"], DATES)
            except ValueError as err:
                self.error(at("date"), "date", str(err), ident)
        if ident is None or kind is None or not self.define(ident, [kind], at("id")):
            return None
        source = Source(
            id=ident,
            file=str(record.get("file", "")),
            sha256=str(sha or ""),
            title=self.text(record, "title", where, ident),
            kind=kind,
            where=where,
            title_is_descriptive=descriptive is True,
            publisher=record.get("publisher"),
            date=date if isinstance(date, Literal) else None,
            reliability=self.text(record, "reliability", where, ident) or None,
        )
        source.text_lines = self.document(source, at("file"))
        return source

    def document(self, source: Source, where: Where) -> list[str] | None:
        """The source document's lines, checked against its recorded hash."""
        if self.sources_dir is None or not source.file:
            return None
        candidates = [
            self.sources_dir / source.file,
            self.sources_dir.parent / "reference" / source.file,
        ]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            self.error(where, "file", f"{source.file!r} not found in {self.sources_dir}", source.id)
            return None
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if source.sha256 and digest != source.sha256:
            self.error(
                where, "sha256", f"does not match the file (its SHA-256 is {digest})", source.id
            )
        return data.decode("utf-8", errors="replace").splitlines()

    # -- entities/*.yaml --

    def entities(self, path: Path) -> list[Entity]:
        data = self.load(path)
        if data is None:
            return []
        found = []
        for where, record in self.records(data, Where(self.name(path), 1), "entities"):
            entity = self.entity(record, where)
            if entity is not None:
                found.append(entity)
        return found

    def entity(self, record: dict[str, Any], where: Where) -> Entity | None:
        ident = self.fields(record, where, ENTITY_FIELDS, "id type label")
        at = self.at(record, where)
        raw_types = record.get("type")
        names = raw_types if isinstance(raw_types, list) else [raw_types]
        types = [self.ontology_class(n, at("type"), "type", ident) for n in names if n is not None]
        aliases = record.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            self.error(at("aliases"), "aliases", "must be a list of names", ident)
            aliases = []
        label = self.text(record, "label", where, ident)
        description = self.text(record, "description", where, ident) or None
        known = [t for t in types if t is not None]
        if ident is None or len(known) != len(types) or not known:
            return None
        if not self.define(ident, known, at("id")):
            return None
        return Entity(ident, known, label, where, aliases, description)

    # -- claims/*.yaml --

    def claims(self, path: Path, sources: dict[str, Source]) -> list[Claim]:
        data = self.load(path)
        if data is None:
            return []
        top = Where(self.name(path), 1)
        if not isinstance(data, dict):
            self.error(top, "claims", "the file must be a mapping with `source:` and `claims:`")
            return []
        at = self.at(data, top)
        source_id = data.get("source")
        for name in data:
            if name not in ("source", "claims"):
                self.error(at(name), name, "unknown field (allowed: source, claims)")
        if source_id not in sources:
            self.error(at("source"), "source", f"{source_id!r} is not a source in sources.yaml")
            return []
        if path.stem != source_id:
            self.error(
                at("source"),
                "source",
                f"claims of {source_id!r} belong in claims/{source_id}.yaml, not {path.name}",
            )
        source = sources[source_id]
        found: list[Claim] = []
        for where, record in self.records(data.get("claims"), at("claims"), "claims"):
            claim = self.claim(record, where, source)
            if claim is not None:
                found.append(claim)
        return found

    def claim(self, record: dict[str, Any], where: Where, source: Source) -> Claim | None:
        about = self.fields(record, where, CLAIM_FIELDS, "about lines says state")
        at = self.at(record, where)
        if about is not None and about not in self.ids:
            self.error(
                at("about"),
                "about",
                f"unknown entity {about!r} (define it in data/entities/ first)",
                about,
            )
        span = self.lines(record.get("lines"), at("lines"), source, about)
        says = self.text(record, "says", where, about)
        if span and says and source.text_lines is not None:
            cited = " ".join(source.text_lines[span[0] - 1 : span[1]])
            if copied := copied_run(says, cited):
                self.error(
                    at("says"),
                    "says",
                    f"copies the source's words ({copied!r}...); state the fact in our own words",
                    about,
                )
        status = record.get("status", "stated")
        note = self.text(record, "note", where, about) or None
        evidence = record.get("record")
        if status not in STATUSES:
            self.error(
                at("status"), "status", f"{status!r} is not one of {', '.join(STATUSES)}", about
            )
        statements = self.state(record.get("state"), at("state"), about)
        if status in ("contradicted", "unverifiable") and not note:
            self.error(at("status"), "note", f"a {status} claim needs a note saying why", about)
        absence = bool(statements) and all(st.value in NO_RECORD for st in statements)
        if status == "verified" and absence and (evidence or not note):
            self.error(
                at("status"),
                "record",
                "a verified finding that no record exists has no record to cite: give no "
                "`record`, and a note saying where and how it was searched",
                about,
            )
        elif status in ("verified", "contradicted") and not evidence and not absence:
            self.error(
                at("status"),
                "record",
                f"a {status} claim needs the URL of the primary record it was checked against",
                about,
            )
        if evidence is not None and not (isinstance(evidence, str) and URL.match(evidence)):
            self.error(at("record"), "record", f"{evidence!r} is not an http(s) URL", about)
        if self.vocab.is_subclass(source.kind, CARTKG["VerificationRecord"]) and status not in (
            "verified",
            "contradicted",
        ):
            self.error(
                at("status"),
                "status",
                "claims from a verification record must be verified or contradicted",
                about,
            )
        if about is None or span is None or not says or not statements:
            return None
        return Claim(
            source.id, about, span[0], span[1], says, statements, where, str(status), note, evidence
        )

    def lines(
        self, raw: Any, where: Where, source: Source, about: str | None
    ) -> tuple[int, int] | None:
        if raw is None:
            return None  # reported as a missing field
        found = LINES.match(str(raw)) if isinstance(raw, int | str) else None
        if found is None or isinstance(raw, bool):
            self.error(where, "lines", f"{raw!r} is not a line number or a range like 11-13", about)
            return None
        first = int(found.group(1))
        last = int(found.group(2) or first)
        if not 1 <= first <= last:
            self.error(where, "lines", f"{raw!r}: lines are 1-based and first <= last", about)
            return None
        count = len(source.text_lines) if source.text_lines is not None else None
        if count is not None and last > count:
            self.error(
                where, "lines", f"{raw!r} is past the end of {source.file} ({count} lines)", about
            )
            return None
        return first, last

    def state(self, raw: Any, where: Where, about: str | None) -> list[Statement]:
        if raw is None:
            return []  # reported as a missing field
        if not isinstance(raw, dict):
            self.error(where, "state", "must map properties to values", about)
            return []
        at = self.at(raw, where)
        found = []
        for name, value in raw.items():
            field = f"state.{name}"
            predicate = self.vocab.resolve(str(name))
            if predicate not in self.vocab.properties:
                self.error(at(name), field, f"{name!r} is not a property of the ontology", about)
                continue
            values = value if isinstance(value, list) else [value]
            lines = getattr(value, "item_lines", [at(name).line] * len(values))
            if not values:
                self.error(at(name), field, "has no value", about)
            for line, item in zip(lines, values, strict=True):
                here = Where(where.file, line)
                resolved = self.value(predicate, item, here, field, about)
                if resolved is not None:
                    found.append(Statement(predicate, resolved, here))
        return found

    def value(
        self, predicate: URIRef, raw: Any, where: Where, field: str, about: str | None
    ) -> Value | None:
        prop = self.vocab.properties[predicate]
        name = self.vocab.label(predicate)
        if isinstance(raw, dict):
            try:
                amount = parse_amount(raw)
            except ValueError as err:
                self.error(where, field, str(err), about)
                return None
            specific = [r for r in prop.ranges if self.vocab.is_subclass(r, amount.rdf_class)]
            if self.vocab.is_datatype_range(prop.ranges) or not (
                specific or self.vocab.fits([amount.rdf_class], prop.ranges)
            ):
                self.error(
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
            self.error(where, field, f"{err} (the range of {self.vocab.label(predicate)})", about)
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
            self.error(
                where,
                field,
                f"{name} expects {self.expects(ranges)}: an entity id, not {raw!r}",
                about,
            )
            return None
        if raw in self.ids:
            iri, types = KG[raw], self.ids[raw][0]
        elif (term := self.vocab.resolve(raw)) in self.vocab.individuals:
            iri, types = term, list(self.vocab.individuals[term])
        elif URL.match(raw):
            return URIRef(raw)
        else:
            self.error(
                where, field, f"unknown entity {raw!r} (define it in data/entities/ first)", about
            )
            return None
        if not self.vocab.fits(types, ranges):
            kinds = ", ".join(self.vocab.label(t) for t in types)
            self.error(
                where,
                field,
                f"{raw!r} is a {kinds}, but {name} expects {self.expects(ranges)}",
                about,
            )
            return None
        return iri

    def expects(self, ranges: frozenset[URIRef]) -> str:
        return " or ".join(sorted(self.vocab.label(r) for r in ranges)) or "any value"

    def check_publishers(self, sources: list[Source]) -> None:
        for source in sources:
            if source.publisher is not None and source.publisher not in self.ids:
                self.error(
                    source.where, "publisher", f"unknown entity {source.publisher!r}", source.id
                )

    def check_repeats(self, claims: list[Claim]) -> None:
        """The same fact twice in one source is one assertion: merge the claims' lines."""
        seen: dict[tuple[str, str, URIRef, str], Where] = {}
        for claim in claims:
            for st in claim.statements:
                key = (claim.source, claim.about, st.predicate, repr(st.value))
                if key in seen:
                    self.error(
                        st.where,
                        f"state.{self.vocab.label(st.predicate)}",
                        f"the same fact is already stated at {seen[key]}; give one claim "
                        "with both lines",
                        claim.about,
                    )
                seen.setdefault(key, st.where)


def load_curation(root: Path, vocabulary: Vocabulary, sources_dir: Path | None) -> Curation:
    """Load and check `root/data`; raise DataErrors listing every problem."""
    data = root / "data"
    checker = _Checker(root, vocabulary, sources_dir)
    sources = checker.sources(data / "sources.yaml")
    entities = [
        e for path in sorted((data / "entities").glob("*.yaml")) for e in checker.entities(path)
    ]
    checker.check_publishers(sources)
    by_id = {s.id: s for s in sources}
    claims = [
        c for path in sorted((data / "claims").glob("*.yaml")) for c in checker.claims(path, by_id)
    ]
    checker.check_repeats(claims)
    mappings: list[Mapping] = []
    for path in sorted((data / "mappings").glob("*.sssom.tsv")):
        name = checker.name(path)
        checker.inputs[name] = path
        try:
            found, errors = read_sssom(path, name, set(checker.ids))
        except SourceError as err:
            checker.errors.append(DataError(err.message, file=name, line=err.line, field="sssom"))
            continue
        mappings += found
        checker.errors += errors
    if checker.errors:
        raise DataErrors(checker.errors)
    return Curation(sources, entities, claims, mappings, checker.inputs)
