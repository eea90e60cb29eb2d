"""YAML read with line numbers, so that schema errors can point at the line to fix.

Mappings load as `LineDict` and sequences as `LineList`, which remember the line of every key
and item, and whether they were written on one line (`[a, b]`, `{a: 1}`). Dates stay strings.
The canonical writer, which `cartkg data fmt` uses, is `cartkg.yamlfmt`.

>>> doc = load_text("- id: cd19\\n  date: 2024-01-02\\n  aliases: [CD19]\\n")
>>> doc[0]["date"], doc[0].key_lines["date"], doc.item_lines[0], doc[0]["aliases"].flow
('2024-01-02', 2, 1, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cartkg.errors import SourceError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class LineDict(dict[str, Any]):
    """A mapping that remembers where it and each of its keys start (1-based lines)."""

    line: int = 0
    flow: bool = False  # written as `{...}`

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that remembers where it and each of its items start (1-based lines)."""

    line: int = 0
    flow: bool = False  # written as `[...]`

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings and records line numbers."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.flow = node.flow_style is True
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | float | bool) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.flow = node.flow_style is True
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_text(text: str, file: str | None = None) -> Any:
    """Parse YAML text; a syntax error becomes a SourceError naming file and line."""
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = err.problem or err.context or "invalid YAML"
        raise SourceError(f"YAML syntax error: {problem}", file=file, line=line) from None
    except yaml.YAMLError as err:
        raise SourceError(f"YAML error: {err}", file=file) from None


def load(path: Path, display: str | None = None) -> Any:
    """Load a YAML file; errors name it as `display` (default: the path)."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"cannot read: {err}", file=name) from None
    return load_text(text, file=name)
