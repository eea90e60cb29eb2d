"""The exceptions cartkg raises. Every message names where the problem is.

>>> err = DataError("unknown entity 'foo'", file="data/claims/source-000.yaml", line=12,
...                 field="about")
>>> str(err)
"data/claims/source-000.yaml:12: about: unknown entity 'foo'"
>>> isinstance(err, CartkgError)
True
"""

from __future__ import annotations

from typing import Any


class CartkgError(Exception):
    """Base class of every error cartkg raises on purpose."""


class SourceError(CartkgError):
    """A file could not be read or parsed (unreadable, bad syntax)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file or ""
        if self.file and self.line is not None:
            where = f"{self.file}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class WriteError(CartkgError):
    """A file could not be written (full disk, permissions); names it or its folder."""


class DataError(SourceError):
    """Curated data breaks the schema: names the file, line, field and entity."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        entity: str | None = None,
    ) -> None:
        self.field = field
        self.entity = entity
        prefix = f"{field}: " if field else ""
        super().__init__(prefix + message, file=file, line=line)


class DataErrors(CartkgError):
    """All the DataErrors found in one pass over the curated data."""

    def __init__(self, errors: list[DataError]) -> None:
        self.errors = errors
        listed = "\n".join(
            f"  {err}" + (f" (entity {err.entity})" if err.entity else "") for err in errors
        )
        super().__init__(f"{len(errors)} error(s) in the curated data:\n{listed}")


class ValidationFailed(CartkgError):
    """SHACL validation or ontology checks found violations; `report` holds them."""

    def __init__(self, message: str, report: Any = None) -> None:
        self.report = report
        super().__init__(message)


class ReasonerError(CartkgError):
    """The OWL reasoner could not run, or found the ontology inconsistent."""
