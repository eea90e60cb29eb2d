"""The problems found in the curated data, collected so that one pass reports them all."""

from __future__ import annotations

from cartkg.errors import DataError
from cartkg.records import Where


class Problems(list[DataError]):
    """Every DataError found so far, in the order found."""

    def add(self, where: Where, field: str, message: str, entity: str | None = None) -> None:
        self.append(
            DataError(message, file=where.file, line=where.line, field=field, entity=entity)
        )
