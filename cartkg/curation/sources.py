"""data/sources.yaml: the source documents, each checked against its file's SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rdflib import Literal

from cartkg.curation.ids import Ids
from cartkg.curation.reader import Reader, at
from cartkg.curation.schema import DATES, SHA256, SOURCE_FIELDS
from cartkg.curation.terms import Terms
from cartkg.namespaces import CARTKG
from cartkg.records import Source, Where
from cartkg.values import literal


class SourcesFile:
    """Reads the sources; their documents are looked for in `sources_dir` (None: not at all)."""

    def __init__(self, reader: Reader, ids: Ids, terms: Terms, sources_dir: Path | None) -> None:
        self.reader = reader
        self.errors = reader.errors
        self.ids = ids
        self.terms = terms
        self.sources_dir = sources_dir

    def read(self, path: Path) -> list[Source]:
        data = self.reader.load(path)
        if data is None:
            return []
        top = Where(self.reader.name(path), 1)
        if not isinstance(data, dict) or "sources" not in data:
            self.errors.add(top, "sources", "the file must be a mapping with a `sources:` list")
            return []
        if extra := sorted(set(data) - {"sources"}):
            self.errors.add(top, extra[0], "unknown field (allowed: sources)")
        found = []
        for where, record in self.reader.records(data["sources"], top, "sources"):
            source = self.source(record, where)
            if source is not None:
                found.append(source)
        return found

    def source(self, record: dict[str, Any], where: Where) -> Source | None:
        ident = self.reader.fields(record, where, SOURCE_FIELDS, "id file sha256 title kind")
        place = at(record, where)
        kind = self.terms.ontology_class(record.get("kind"), place("kind"), "kind", ident)
        if kind is not None and not self.terms.vocab.is_subclass(kind, CARTKG["SourceDocument"]):
            message = f"{record['kind']!r} is not a kind of SourceDocument"
            self.errors.add(place("kind"), "kind", message, ident)
        sha = record.get("sha256")
        if sha is not None and not (isinstance(sha, str) and SHA256.match(sha)):
            self.errors.add(place("sha256"), "sha256", "must be 64 lower-case hex digits", ident)
        descriptive = record.get("title_is_descriptive", False)
        if not isinstance(descriptive, bool):
            self.errors.add(
                place("title_is_descriptive"),
                "title_is_descriptive",
                "must be true or false",
                ident,
            )
        date = None
        if record.get("date") is not None:
            try:
                date = literal(record["date"], DATES)
            except ValueError as err:
                self.errors.add(place("date"), "date", str(err), ident)
        if ident is None or kind is None or not self.ids.define(ident, [kind], place("id")):
            return None
        source = Source(
            id=ident,
            file=str(record.get("file", "")),
            sha256=str(sha or ""),
            title=self.reader.text(record, "title", where, ident),
            kind=kind,
            where=where,
            title_is_descriptive=descriptive is True,
            publisher=record.get("publisher"),
            date=date if isinstance(date, Literal) else None,
            reliability=self.reader.text(record, "reliability", where, ident) or None,
        )
        source.text_lines = self.document(source, place("file"))
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
            message = f"{source.file!r} not found in {self.sources_dir}"
            self.errors.add(where, "file", message, source.id)
            return None
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if source.sha256 and digest != source.sha256:
            message = f"does not match the file (its SHA-256 is {digest})"
            self.errors.add(where, "sha256", message, source.id)
        return data.decode("utf-8", errors="replace").splitlines()
