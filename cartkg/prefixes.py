"""The project's one prefix map (`data/prefixes.yaml`): CURIEs in and out, SPARQL, JSON-LD.

Every part of cartkg that writes or reads a CURIE goes through here, so that `HGNC:1633`, an
SSSOM row, a SPARQL query and the JSON-LD context all mean the same IRI.

>>> expand("MONDO:0007915")
'http://purl.obolibrary.org/obo/MONDO_0007915'
>>> expand("uniprot:P15391")  # a synonym bioregistry records; the IRI is UniProt's own
'http://purl.uniprot.org/uniprot/P15391'
>>> compress("https://identifiers.org/hgnc:1633")  # another IRI form of the same identifier
'HGNC:1633'
>>> check_curie("HGNC:CD19")
Traceback (most recent call last):
...
cartkg.errors.CartkgError: 'HGNC:CD19': 'CD19' does not match HGNC's pattern ^\\d{1,5}$
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import curies
import yaml

from cartkg.errors import CartkgError, SourceError
from cartkg.namespaces import PREFIXES
from cartkg.paths import layout

#: Prefixes of the project's own namespaces (no registry knows them).
PROJECT_PREFIXES = ("cartkg", "kg", "kgg")


@dataclass(frozen=True)
class Prefix:
    """One scheme: its CURIE prefix, its IRI prefix and what else may stand for them."""

    prefix: str
    uri_prefix: str
    name: str
    example: str
    bioregistry: str | None = None
    pattern: str | None = None
    synonyms: tuple[str, ...] = ()
    uri_synonyms: tuple[str, ...] = ()
    note: str | None = None
    line: int = 0

    def matches(self, identifier: str) -> bool:
        """Whether a local identifier has this scheme's form (always, without a pattern)."""
        return self.pattern is None or re.fullmatch(self.pattern, identifier) is not None


@dataclass(frozen=True)
class PrefixMap:
    prefixes: tuple[Prefix, ...]
    path: Path = field(default=Path("data/prefixes.yaml"))

    def __getitem__(self, prefix: str) -> Prefix:
        """The scheme of a prefix or of one of its synonyms (KeyError otherwise)."""
        for entry in self.prefixes:
            if prefix == entry.prefix or prefix in entry.synonyms:
                return entry
        raise KeyError(prefix)

    def as_dict(self) -> dict[str, str]:
        """prefix -> IRI prefix, in file order."""
        return {p.prefix: p.uri_prefix for p in self.prefixes}


def default_path() -> Path:
    return layout().data / "prefixes.yaml"


def read(path: Path | None = None) -> PrefixMap:
    """Parse a prefix map file; errors name the file and the entry's line."""
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as err:
        raise SourceError(f"cannot read the prefix map: {err}", file=str(path)) from None
    items = data.get("prefixes") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SourceError("expected a top-level 'prefixes:' list", file=str(path), line=1)
    lines = _item_lines(document)
    entries = [_entry(item, path, line) for item, line in zip(items, lines, strict=True)]
    seen: dict[str, int] = {}
    for entry in entries:
        for name in (entry.prefix, *entry.synonyms):
            if name in seen:
                raise SourceError(
                    f"prefix {name!r} is declared twice (first on line {seen[name]})",
                    file=str(path),
                    line=entry.line,
                )
            seen[name] = entry.line
    return PrefixMap(tuple(entries), path)


def _item_lines(document: Any) -> list[int]:
    """1-based lines of the items of the `prefixes:` list."""
    for key, value in getattr(document, "value", []):
        if key.value == "prefixes":
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _entry(item: Any, path: Path, line: int) -> Prefix:
    def need(key: str) -> str:
        value = item.get(key) if isinstance(item, dict) else None
        if value in (None, ""):
            raise SourceError(f"prefix entry lacks {key!r}", file=str(path), line=line)
        return str(value)

    def strings(key: str) -> tuple[str, ...]:
        return tuple(str(v) for v in item.get(key) or ())

    return Prefix(
        prefix=need("prefix"),
        uri_prefix=need("uri_prefix"),
        name=need("name"),
        example=need("example"),
        bioregistry=item.get("bioregistry"),
        pattern=item.get("pattern"),
        synonyms=strings("synonyms"),
        uri_synonyms=strings("uri_synonyms"),
        note=item.get("note"),
        line=line,
    )


@cache
def prefix_map() -> PrefixMap:
    """The project's prefix map (read once)."""
    return read()


def sparql_prefixes() -> dict[str, str]:
    """The prefixes declared for every query (`cartkg query`, the endpoint, canned queries):
    the built-in namespaces and the project map; the built-in ones if the map cannot be read."""
    try:
        return {**PREFIXES, **prefix_map().as_dict()}
    except CartkgError:
        return dict(PREFIXES)


@cache
def converter() -> curies.Converter:
    """A `curies` converter that knows every prefix, synonym and IRI form of the map."""
    records = [
        curies.Record(
            prefix=p.prefix,
            uri_prefix=p.uri_prefix,
            prefix_synonyms=list(p.synonyms),
            uri_prefix_synonyms=list(p.uri_synonyms),
            pattern=p.pattern,
        )
        for p in prefix_map().prefixes
    ]
    return curies.Converter(records)


def split(curie: str) -> tuple[str, str]:
    """(prefix, identifier) of a CURIE; the identifier keeps any further colons."""
    prefix, colon, identifier = curie.strip().partition(":")
    if not colon or not prefix or not identifier:
        raise CartkgError(f"{curie!r} is not a CURIE (prefix:identifier)")
    return prefix, identifier


def check_curie(curie: str) -> Prefix:
    """The scheme of a CURIE whose prefix is known and whose identifier has the scheme's form."""
    prefix, identifier = split(curie)
    try:
        entry = prefix_map()[prefix]
    except KeyError:
        known = ", ".join(p.prefix for p in prefix_map().prefixes)
        raise CartkgError(f"{curie!r}: unknown prefix {prefix!r}; known: {known}") from None
    if not entry.matches(identifier):
        raise CartkgError(
            f"{curie!r}: {identifier!r} does not match {entry.prefix}'s pattern {entry.pattern}"
        )
    return entry


def expand(curie: str) -> str:
    """The IRI of a CURIE (a prefix synonym is accepted); CartkgError names what is wrong."""
    entry = check_curie(curie)
    return entry.uri_prefix + split(curie)[1]


def compress(iri: str) -> str | None:
    """The CURIE of an IRI in any known IRI form, or None when no prefix covers it."""
    result = converter().compress(iri)
    return str(result) if result is not None else None


def standardize(curie: str) -> str:
    """A CURIE with its prefix in the project's spelling: `uniprot:P15391` -> `UniProtKB:P15391`."""
    entry = check_curie(curie)
    return f"{entry.prefix}:{split(curie)[1]}"


def sparql_prologue(query: str = "") -> str:
    """PREFIX lines for every prefix the query does not declare itself.

    >>> "PREFIX MONDO: <http://purl.obolibrary.org/obo/MONDO_>" in sparql_prologue()
    True
    >>> "PREFIX kg:" in sparql_prologue("PREFIX kg: <urn:x:> SELECT * {}")
    False
    """
    declared = set(re.findall(r"(?i)\bPREFIX\s+([\w.\-]*):", query))
    return "".join(
        f"PREFIX {p.prefix}: <{p.uri_prefix}>\n"
        for p in prefix_map().prefixes
        if p.prefix not in declared
    )


#: Terms of the JSON-LD context beyond the prefixes: short names for the properties that every
#: entity has, and `@id` coercion for the mapping properties so that CURIEs can be their values.
_JSONLD_TERMS: dict[str, Any] = {
    "id": "@id",
    "type": "@type",
    "label": {"@id": "rdfs:label", "@language": "en"},
    "altLabel": {"@id": "skos:altLabel", "@language": "en"},
    "description": {"@id": "dcterms:description", "@language": "en"},
    "identifier": "dcterms:identifier",
    **{
        name: {"@id": f"skos:{name}", "@type": "@id"}
        for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
    },
    "subClassOf": {"@id": "rdfs:subClassOf", "@type": "@id"},
}


def jsonld_context() -> dict[str, Any]:
    """A JSON-LD 1.1 context for the graph's data: every prefix, plus a few readable terms.

    An IRI prefix that does not end in `/` or `#` (the OBO `..._` ones) is marked `@prefix`,
    which JSON-LD 1.1 needs before it will expand `MONDO:0007915` with it.

    >>> jsonld_context()["@context"]["MONDO"]
    {'@id': 'http://purl.obolibrary.org/obo/MONDO_', '@prefix': True}
    """
    context: dict[str, Any] = {"@version": 1.1}
    for p in prefix_map().prefixes:
        plain = p.uri_prefix.endswith(("/", "#", ":", "?", "@", "[", "]"))
        context[p.prefix] = p.uri_prefix if plain else {"@id": p.uri_prefix, "@prefix": True}
    context.update(_JSONLD_TERMS)
    return {"@context": context}
