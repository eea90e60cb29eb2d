"""External identifiers from SSSOM TSV files -> `skos:*Match` triples in `kgg:mappings`.

CURIEs are expanded with the project's one prefix map (`data/prefixes.yaml`, see
`cartkg.prefixes`), not with a file's own `curie_map`, so that an identifier has one IRI in the
graph whichever file it came from.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import DCTERMS, SKOS, XSD, Literal, URIRef
from rdflib.term import Node

from cartkg import prefixes
from cartkg.errors import CartkgError, DataError, SourceError
from cartkg.namespaces import KG

MATCH_PREDICATES = frozenset(
    SKOS[name] for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")


@dataclass(frozen=True)
class Mapping:
    subject: str  # entity id
    predicate: URIRef
    object_iri: URIRef
    object_curie: str
    file: str
    line: int

    def triples(self) -> list[tuple[URIRef, URIRef, Node]]:
        """The mapping, and the CURIE as the identifier of the external term. Only an exact
        match makes the CURIE an identifier of our entity too: a close or broad match (the gene
        of an antigen, the parent disease) is a different thing with its own identifier."""
        subject = KG[self.subject]
        if self.object_iri.startswith(KG):  # two curated entities: no external identifier
            return [(subject, self.predicate, self.object_iri)]
        identifier = Literal(self.object_curie, datatype=XSD.string)
        triples: list[tuple[URIRef, URIRef, Node]] = [
            (subject, self.predicate, self.object_iri),
            (self.object_iri, DCTERMS.identifier, identifier),
        ]
        if self.predicate == SKOS.exactMatch:
            triples.append((subject, DCTERMS.identifier, identifier))
        return triples


def split_sssom(text: str) -> tuple[list[str], list[str]]:
    """The `#` metadata lines and the TSV lines of an SSSOM file."""
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("#")]
    table = [line for line in lines if not line.startswith("#") and line.strip()]
    return header, table


def canonical_tsv(text: str) -> str:
    """The file with its mapping rows sorted by subject, predicate and object."""
    header, table = split_sssom(text)
    if not table:
        return "\n".join(header) + "\n"
    columns = table[0].split("\t")
    keys = [columns.index(c) for c in ("subject_id", "predicate_id", "object_id") if c in columns]

    def order(row: str) -> list[str]:
        cells = row.split("\t")
        return [cells[k] if k < len(cells) else "" for k in keys] + [row]

    return "\n".join([*header, table[0], *sorted(table[1:], key=order)]) + "\n"


def read_sssom(
    path: Path, display: str, known_ids: set[str]
) -> tuple[list[Mapping], list[DataError]]:
    """Mappings of one SSSOM TSV file, and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"cannot read: {err}", file=display) from None
    header, _ = split_sssom(text)
    try:
        yaml.safe_load("\n".join(line[1:] for line in header))
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 1
        raise SourceError(
            f"bad SSSOM metadata header: {err.problem}", file=display, line=line
        ) from None
    first = len(header) + 1  # line number of the column header row
    rows = csv.DictReader(io.StringIO("\n".join(text.splitlines()[len(header) :])), delimiter="\t")
    missing = [c for c in REQUIRED_COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise SourceError(f"SSSOM columns missing: {', '.join(missing)}", file=display, line=first)
    mappings: list[Mapping] = []
    errors: list[DataError] = []
    for offset, row in enumerate(rows, start=1):
        line = first + offset
        subject_curie = row["subject_id"] or ""

        def error(message: str, field: str, entity: str | None = None, line: int = line) -> None:
            errors.append(DataError(message, file=display, line=line, field=field, entity=entity))

        prefix, _, entity = subject_curie.partition(":")
        if prefix != "kg" or entity not in known_ids:
            error(f"subject {subject_curie!r} is not kg:<a curated entity id>", "subject_id")
            continue
        try:
            predicate = URIRef(prefixes.expand(row["predicate_id"] or ""))
        except CartkgError:
            predicate = URIRef("")
        if predicate not in MATCH_PREDICATES:
            error(
                f"{row['predicate_id']!r} is not a SKOS mapping predicate", "predicate_id", entity
            )
            continue
        try:
            object_curie = prefixes.standardize(row["object_id"] or "")
            object_iri = URIRef(prefixes.expand(object_curie))
        except CartkgError as err:
            error(f"{err} (prefixes are declared in data/prefixes.yaml)", "object_id", entity)
            continue
        mappings.append(Mapping(entity, predicate, object_iri, object_curie, display, line))
    return mappings, errors
