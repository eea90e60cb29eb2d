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
WIDTH = 100
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

    # PyYAML folds prose after the word that crosses the width; this is its `write_folded`
    # with one change: it breaks before a word that would cross it, so lines stay <= WIDTH.
    def write_folded(self, text: str) -> None:
        hints = self.determine_block_hints(text)
        self.write_indicator(">" + hints, True)
        self.write_line_break()
        leading_space, spaces, breaks = True, False, True
        start = end = 0
        while end <= len(text):
            ch = text[end] if end < len(text) else None
            if breaks:
                if ch is None or ch not in "\n\x85\u2028\u2029":
                    if not leading_space and ch is not None and ch != " " and text[start] == "\n":
                        self.write_line_break()
                    leading_space = ch == " "
                    for br in text[start:end]:
                        self.write_line_break(None if br == "\n" else br)
                    if ch is not None:
                        self.write_indent()
                    start = end
            elif spaces:
                if ch != " ":
                    word = len(re.split(r"[ \n\x85\u2028\u2029]", text[end:], maxsplit=1)[0])
                    if start + 1 == end and self.column + 1 + word > self.best_width:
                        self.write_indent()
                    else:
                        self._write(text[start:end])
                    start = end
            elif ch is None or ch in " \n\x85\u2028\u2029":
                self._write(text[start:end])
                if ch is None:
                    self.write_line_break()
                start = end
            if ch is not None:
                breaks = ch in "\n\x85\u2028\u2029"
                spaces = ch == " "
            end += 1

    def _write(self, data: str) -> None:
        self.column += len(data)
        self.stream.write(data)


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


def _emit(data: Any, width: int = WIDTH) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=width,
        indent=2,
    )
    return text


def _list(items: list[Any], key: str, indent: int) -> list[Any]:
    """Short lists of plain values on one line (`key: [a, b]`), longer ones one item a line."""
    if not all(map(_is_plain, items)):
        return items
    flow = _FlowList(items)
    one_line = len(_emit(flow, width=1 << 16).rstrip("\n").removesuffix("..."))
    return flow if indent + len(key) + 2 + one_line <= WIDTH else items


def _value(value: Any, key: str) -> Any:
    """A state value: entity id, literal, quantity/amount dict, or a list of those."""
    if isinstance(value, dict):
        fields = dict(_ordered(value, "value"))
        return _FlowDict(fields) if all(map(_is_plain, fields.values())) else fields
    if isinstance(value, list):
        return _list([_value(item, key) for item in value], key, indent=4)
    return value


def _record(record: Any, kind: str) -> Any:
    if not isinstance(record, dict):
        return record
    out: dict[str, Any] = {}
    for key, value in _ordered(record, kind):
        if key == "state" and isinstance(value, dict):
            out[key] = {prop: _value(v, prop) for prop, v in value.items()}
        elif key in PROSE_FIELDS and isinstance(value, str):
            out[key] = _Folded(value)
        elif isinstance(value, list):
            out[key] = _list(value, key, indent=2)
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


def _records_key(kind: str) -> str | None:
    return {"sources": "sources", "claims": "claims"}.get(kind)


def record_comments(text: str, data: Any, kind: str) -> dict[int, list[str]]:
    """Whole-line comments just above the records of a file (section headings), by record.

    These are the only comments the canonical form keeps; others are dropped.
    """
    key = _records_key(kind)
    records = data.get(key) if key and isinstance(data, dict) else data
    if not isinstance(records, LineList):
        return {}
    lines = text.splitlines()
    found: dict[int, list[str]] = {}
    for index, start in enumerate(records.item_lines):
        above = start - 2
        block: list[str] = []
        while above >= 0 and (lines[above].startswith("#") or not lines[above].strip()):
            if lines[above].strip():
                block.insert(0, lines[above].rstrip())
            above -= 1
        if block:
            found[index] = block
    return found


def dump(data: Any, kind: str = "", comments: dict[int, list[str]] | None = None) -> str:
    """The canonical YAML text of `data`: `dump(load(text), kind) == text` for canonical files.

    `comments` (from `record_comments`) are written back above their records.
    """
    shaped = canonical(data, kind) if kind in FILE_KINDS else _record(data, kind)
    key = _records_key(kind)
    records = shaped.get(key) if key and isinstance(shaped, dict) else shaped
    if not comments or not isinstance(records, list) or not records:
        return _emit(shaped)
    # Record by record, with each record's comments above it: the same text as one dump.
    head = ""
    if key:
        if list(shaped)[-1] != key:
            return _emit(shaped)  # unknown fields after the records: no place for comments
        head = _emit({k: v for k, v in shaped.items() if k != key}) + f"{key}:\n"
        head = head.removeprefix("{}\n")
    parts = [head]
    for index, record in enumerate(records):
        parts += [line + "\n" for line in comments.get(index, [])]
        parts.append(_emit([record]))
    return "".join(parts)


def format_text(text: str, kind: str, file: str | None = None) -> str:
    """A data file's text in canonical form, keeping its section comments."""
    data = load_text(text, file)
    return dump(data, kind, record_comments(text, data, kind))


def file_kind(path: Path) -> str:
    """The record kind of a data file, from where it lives."""
    if path.name == "sources.yaml":
        return "sources"
    return path.parent.name  # "entities" or "claims"
