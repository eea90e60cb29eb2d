"""The data folder's YAML files read record by record: each record a mapping with known fields.

>>> from cartkg.yamlio import load_text
>>> reader = Reader(Path("."), Problems())
>>> found = list(reader.records(load_text("- id: a\\n- b\\n"), Where("x.yaml", 1), "entities"))
>>> [(str(where), record) for where, record in found], [str(e) for e in reader.errors]
([('x.yaml:1', {'id': 'a'})], ["x.yaml:2: entities: each item must be a mapping, not 'b'"])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cartkg import yamlio
from cartkg.curation.problems import Problems
from cartkg.errors import DataError, SourceError
from cartkg.records import Where


def at(record: Any, where: Where) -> Callable[[str], Where]:
    """Where a key of `record` is (the record's own place when lines are unknown)."""

    def line_of(key: str) -> Where:
        get = getattr(record, "line_of", None)
        return Where(where.file, get(key)) if get else where

    return line_of


class Reader:
    """Loads the files of the project at `root`, noting each as an input and each problem."""

    def __init__(self, root: Path, errors: Problems) -> None:
        self.root = root
        self.errors = errors
        self.inputs: dict[str, Path] = {}

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
            self.errors.add(where, what, "must be a list of records")
            return
        lines = getattr(data, "item_lines", [where.line] * len(data))
        for line, record in zip(lines, data, strict=True):
            here = Where(where.file, line)
            if isinstance(record, dict):
                yield here, record
            else:
                self.errors.add(here, what, f"each item must be a mapping, not {record!r}")

    def fields(
        self, record: dict[str, Any], where: Where, allowed: tuple[str, ...], required: str
    ) -> str | None:
        """Report missing and unknown fields; return the record's id (or subject) if usable."""
        ident = record.get(required.split()[0]) if isinstance(record, dict) else None
        ident = ident if isinstance(ident, str) else None
        place = at(record, where)
        for name in required.split():
            if record.get(name) in (None, "", [], {}):
                self.errors.add(place(name), name, "is required", ident)
        for name in record:
            if name not in allowed:
                message = f"unknown field (allowed: {', '.join(allowed)})"
                self.errors.add(place(name), name, message, ident)
        return ident

    def text(self, record: dict[str, Any], name: str, where: Where, ident: str | None) -> str:
        value = record.get(name)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.errors.add(at(record, where)(name), name, "must be non-empty text", ident)
            return ""
        return value
