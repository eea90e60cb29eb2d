"""The `#+` header of a SPARQL file, in grlc's format: the text after `#+ ` is YAML.

One parser for the canned queries (queries/) and the ontology checks (ontology/qc/); a value
may go on over indented `#+` lines, as YAML allows.

>>> header = read("#+ summary: one\\n#+   two\\n#+ tags: [a, b]\\nSELECT * {}", "q.rq")
>>> header.values
{'summary': 'one two', 'tags': ['a', 'b']}
>>> header.line("tags")
3
>>> read("#+ summary: one\\n#+ tags: [a\\nSELECT * {}", "q.rq") # doctest: +ELLIPSIS
Traceback (most recent call last):
cartkg.errors.SourceError: q.rq:2: bad decorator YAML: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from cartkg.errors import SourceError


@dataclass(frozen=True)
class Header:
    """The decorators of one file, with where each key was written (for errors)."""

    file: str
    values: dict[str, Any]
    lines: dict[str, int]
    first: int  # the first `#+` line, or 1 if there is none

    def line(self, key: str | None = None) -> int:
        return self.lines.get(key, self.first) if key else self.first

    def error(self, message: str, key: str | None = None) -> SourceError:
        """A SourceError naming the file and the line of `key` (or of the header)."""
        return SourceError(message, file=self.file, line=self.line(key))


def _lines(text: str) -> list[tuple[int, str]]:
    """The `#+` lines as (line number, the text after `#+`)."""
    return [(n, line[2:]) for n, line in enumerate(text.splitlines(), 1) if line.startswith("#+")]


def read(text: str, file: str) -> Header:
    """The header of `text`; SourceError names `file` and the line of a YAML mistake."""
    lines = _lines(text)
    first = lines[0][0] if lines else 1
    if not lines:
        return Header(file, {}, {}, first)
    try:
        data = yaml.safe_load("\n".join(body for _, body in lines))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = lines[min(mark.line, len(lines) - 1)][0] if mark else first
        raise SourceError(
            f"bad decorator YAML: {err.problem or err}", file=file, line=line
        ) from None
    except yaml.YAMLError as err:
        raise SourceError(f"bad decorator YAML: {err}", file=file, line=first) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SourceError("decorators must be `key: value` lines", file=file, line=first)
    where: dict[str, int] = {}
    for n, body in lines:
        key, colon, _ = body.strip().partition(":")
        if colon and key in data and not body.startswith("  "):
            where.setdefault(key, n)
    return Header(file, data, where, first)
