"""data/entities/*.yaml: the entities, each of one or more ontology classes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cartkg.curation.ids import Ids
from cartkg.curation.reader import Reader, at
from cartkg.curation.schema import ENTITY_FIELDS
from cartkg.curation.terms import Terms
from cartkg.records import Entity, Where


class EntitiesFile:
    """Reads the entities of one file after another."""

    def __init__(self, reader: Reader, ids: Ids, terms: Terms) -> None:
        self.reader = reader
        self.errors = reader.errors
        self.ids = ids
        self.terms = terms

    def read(self, path: Path) -> list[Entity]:
        data = self.reader.load(path)
        if data is None:
            return []
        found = []
        for where, record in self.reader.records(
            data, Where(self.reader.name(path), 1), "entities"
        ):
            entity = self.entity(record, where)
            if entity is not None:
                found.append(entity)
        return found

    def entity(self, record: dict[str, Any], where: Where) -> Entity | None:
        ident = self.reader.fields(record, where, ENTITY_FIELDS, "id type label")
        place = at(record, where)
        raw_types = record.get("type")
        names = raw_types if isinstance(raw_types, list) else [raw_types]
        types = [
            self.terms.ontology_class(n, place("type"), "type", ident)
            for n in names
            if n is not None
        ]
        aliases = record.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            self.errors.add(place("aliases"), "aliases", "must be a list of names", ident)
            aliases = []
        label = self.reader.text(record, "label", where, ident)
        description = self.reader.text(record, "description", where, ident) or None
        known = [t for t in types if t is not None]
        if ident is None or len(known) != len(types) or not known:
            return None
        if not self.ids.define(ident, known, place("id")):
            return None
        return Entity(ident, known, label, where, aliases, description)
