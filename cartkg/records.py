"""The curated data as typed records: what `curation.load_curation` gives and `rdfgen` turns
into RDF. Each record knows where it was read (file and line), for error messages and locators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

from cartkg.mappings import Mapping
from cartkg.values import Amount, TimeSpec

#: Fields whose values are names, titles, URLs or identifiers, and so may repeat a document's
#: words. Every other text in data/ (paraphrases, notes, descriptions, aliases, text values) is in
#: our own words, which tests/test_data_copying.py checks. Record fields of sources, entities and
#: claims, `state` properties by local name, SSSOM columns and prefix-record fields.
VERBATIM_FIELDS: frozenset[str] = frozenset(
    {
        # sources, entities, claims
        *("id", "file", "sha256", "title", "kind", "publisher", "date", "source"),
        *("type", "label", "about", "lines", "status", "record"),
        # state properties: titles, names and identifiers of works, people, roles and records
        *("articleTitle", "firstAuthor", "roleTitle", "doi", "pubmedId", "registryIdentifier"),
        *("homepage", "contactEmail", "contactTelephone", "volume", "issue", "pages"),
        # SSSOM columns (labels are the entity's and the external record's names)
        *("subject_id", "subject_label", "predicate_id", "object_id", "object_label"),
        *("mapping_justification", "author_id", "confidence"),
        # data/prefixes.yaml
        *("prefix", "name", "uri_prefix", "uri_synonyms", "synonyms", "pattern", "example"),
        "bioregistry",
    }
)


#: Claim kinds whose content is held, expected or summed up, not stated as fact.
UNASSERTED_KINDS = frozenset({"opinion", "expectation", "summary"})


@dataclass(frozen=True)
class Where:
    file: str  # relative to the project root
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Source:
    id: str
    file: str
    sha256: str
    title: str
    kind: URIRef
    where: Where
    title_is_descriptive: bool = False
    publisher: str | None = None
    date: Literal | None = None
    reliability: str | None = None
    #: The document's lines, when the document is at hand.
    text_lines: list[str] | None = None


@dataclass
class Entity:
    id: str
    types: list[URIRef]
    label: str
    where: Where
    aliases: list[str] = field(default_factory=list)
    description: str | None = None


#: What a claim's property points at: an IRI, a literal, or a value node (with its class).
Value = URIRef | Literal | tuple[Amount | TimeSpec, URIRef | None]


@dataclass(frozen=True)
class Statement:
    predicate: URIRef
    value: Value
    where: Where


@dataclass
class Claim:
    source: str
    about: str
    first_line: int
    last_line: int
    says: str
    statements: list[Statement]
    where: Where
    status: str = "stated"
    note: str | None = None
    record: str | None = None
    #: What kind of statement the claim is (`KINDS` in curation.schema): a fact, or a claim
    #: of primacy, an opinion, ...; only facts are put in the source's graph as triples.
    kind: str = "fact"
    #: Who makes the claim or holds the opinion (an entity id), where the data says.
    holder: str | None = None
    #: Wikidata-style qualifiers, put on each assertion of the claim.
    qualifiers: list[Statement] = field(default_factory=list)

    @property
    def asserted(self) -> bool:
        """Whether the claim's triples are facts the source states (not an opinion of it)."""
        return self.kind not in UNASSERTED_KINDS


@dataclass
class Curation:
    sources: list[Source]
    entities: list[Entity]
    claims: list[Claim]
    mappings: list[Mapping]
    #: Every input file (relative name -> path), for the release manifest.
    inputs: dict[str, Path]
