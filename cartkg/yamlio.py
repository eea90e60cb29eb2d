"""YAML in and out: line numbers on the way in, one canonical form on the way out.

Mappings load as `LineDict` and sequences as `LineList`, which remember the line of every key
and item, so that schema errors can point at the line to fix. Dates stay strings.

>>> doc = load_text("- id: cd19\\n  date: 2024-01-02\\n")
>>> doc[0]["date"], doc[0].key_lines["date"], doc.item_lines[0]
('2024-01-02', 2, 1)
>>> print(dump({"id": "x", "type": "Place", "label": "x"}, kind="entity"), end="")
id: x
type: Place
label: x
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cartkg.errors import SourceError

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"


class LineDict(dict[str, Any]):
    """A mapping that remembers where it and each of its keys start (1-based lines)."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that remembers where it and each of its items start (1-based lines)."""

    line: int = 0

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


# ---- the canonical form -------------------------------------------------------------------

#: Key order of each record kind; keys not listed follow in their original order.
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("sources",),
    "source": (
        "id",
        "file",
        "sha256",
        "title",
        "title_is_descriptive",
        "kind",
        "publisher",
        "date",
        "reliability",
    ),
    "entity": ("id", "type", "label", "aliases", "description"),
    "claims": ("source", "claims"),
    "claim": ("about", "lines", "says", "state", "status", "note", "record"),
    "value": ("value", "min", "max", "unit", "currency"),
}

#: The kinds of data file, each a list or mapping of records.
FILE_KINDS = frozenset({"sources", "entities", "claims"})

#: Free-text fields, always written folded (`>-`) so that prose diffs line by line.
PROSE_FIELDS = frozenset({"says", "description", "note", "reliability"})
_LONG = 80
_DATE_LIKE = re.compile(r"^\d{4}(-\d{2}){0,2}$")


class _Folded(str):
    """A string to write as a folded block scalar."""


class _FlowList(list[Any]):
    """A list of plain values, written on one line: `[a, b]`."""


class _FlowDict(dict[str, Any]):
    """A quantity or amount, written on one line: `{value: 4, unit: week}`."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    style: str | None = None
    # The dumper resolves like a standard YAML 1.1 reader (dates, yes/no, 1:20 included).
    resolved = dumper.resolve(yaml.ScalarNode, data, (True, False))  # type: ignore[no-untyped-call]
    if resolved != _STR or _DATE_LIKE.match(data):
        style = '"'  # what other YAML readers would turn into a date, bool or number
    elif isinstance(data, _Folded) or len(data) > _LONG:
        style = ">"
    return dumper.represent_scalar(_STR, str(data), style=style)


def _represent_flow_list(dumper: _Dumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_flow_dict(dumper: _Dumper, data: _FlowDict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_dict(dumper: _Dumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Folded, _represent_str)
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(_FlowDict, _represent_flow_dict)
_Dumper.add_representer(LineDict, _represent_dict)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(LineList, yaml.SafeDumper.represent_list)


def _ordered(record: dict[str, Any], kind: str) -> list[tuple[str, Any]]:
    known = RECORD_KEYS.get(kind, ())
    first = [(key, record[key]) for key in known if key in record]
    return first + [(key, value) for key, value in record.items() if key not in known]


def _is_plain(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _value(value: Any) -> Any:
    """A state value: entity id, literal, quantity/amount dict, or a list of those."""
    if isinstance(value, dict):
        fields = dict(_ordered(value, "value"))
        return _FlowDict(fields) if all(map(_is_plain, fields.values())) else fields
    if isinstance(value, list):
        items = [_value(item) for item in value]
        return _FlowList(items) if all(map(_is_plain, items)) else items
    return value


def _record(record: Any, kind: str) -> Any:
    if not isinstance(record, dict):
        return record
    out: dict[str, Any] = {}
    for key, value in _ordered(record, kind):
        if key == "state" and isinstance(value, dict):
            out[key] = {prop: _value(v) for prop, v in value.items()}
        elif key in PROSE_FIELDS and isinstance(value, str):
            out[key] = _Folded(value)
        elif isinstance(value, list) and all(map(_is_plain, value)):
            out[key] = _FlowList(value)
        else:
            out[key] = value
    return out


def canonical(data: Any, kind: str) -> Any:
    """Reorder a loaded file (`kind`: sources, entities, claims) into its canonical shape."""
    if kind == "entities" and isinstance(data, list):
        return [_record(item, "entity") for item in data]
    if kind in ("sources", "claims") and isinstance(data, dict):
        child, records = ("source", "sources") if kind == "sources" else ("claim", "claims")
        top = dict(_ordered(data, kind))
        if isinstance(top.get(records), list):
            top[records] = [_record(item, child) for item in top[records]]
        return top
    return data


def dump(data: Any, kind: str = "") -> str:
    """The canonical YAML text of `data`: `dump(load(text), kind) == text` for canonical files."""
    shaped = canonical(data, kind) if kind in FILE_KINDS else _record(data, kind)
    text: str = yaml.dump(
        shaped,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
        indent=2,
    )
    return text


def file_kind(path: Path) -> str:
    """The record kind of a data file, from where it lives."""
    if path.name == "sources.yaml":
        return "sources"
    return path.parent.name  # "entities" or "claims"
