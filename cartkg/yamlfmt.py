"""The canonical form of the data files, which `cartkg data fmt` writes, comments and all.

Records get their fields in a fixed order; prose, and any string too long for its line, is
folded before the width; short lists of plain values go on one line; strings that a YAML reader
would take for a date, number or boolean are quoted. Every comment is kept (`cartkg.yamlcomments`
says which field or item each belongs to): one on a line of its own stays above its field or
list item, one that ends a line stays at the end of that line, or above folded text. A list or
value with a comment inside is written one item a line.

>>> print(format_text("- label: x  # a note\\n  id: x\\n  # a type\\n  type: Place\\n", "entities"))
- id: x
  # a type
  type: Place
  label: x # a note
<BLANKLINE>
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tag import Tag
from ruamel.yaml.tokens import CommentToken

from cartkg.curation.schema import RECORD_KEYS
from cartkg.yamlcomments import Note, Notes
from cartkg.yamlio import load_text

#: Free-text fields, always written folded (`>-`) so that prose diffs line by line.
PROSE_FIELDS = frozenset({"says", "description", "note", "reliability"})
WIDTH = 100
_LONG = 80  # longer strings are folded wherever they are
_DATE_LIKE = re.compile(r"^\d{4}(-\d{2}){0,2}$")
_STR = "tag:yaml.org,2002:str"


def file_kind(path: Path) -> str:
    """The record kind of a data file, from where it lives."""
    if path.name == "sources.yaml":
        return "sources"
    return path.parent.name  # "entities" or "claims"


def format_text(text: str, kind: str, file: str | None = None) -> str:
    """A data file's text in canonical form (`kind`: sources, entities or claims).

    >>> text = "claims:\\n- state:\\n    mechanismOfAction: " + "word " * 15 + "end\\n"
    >>> print(format_text(text, "claims"), end="")
    claims:
    - state:
        mechanismOfAction: >-
          word word word word word word word word word word word word word word word end
    """
    data = load_text(text, file)
    notes = Notes(data, text)
    out = io.StringIO()
    _writer().dump(_Shaper(notes).file(data, kind), out)
    return out.getvalue() + "".join(line + "\n" for line in notes.trailing)


# ---- the canonical shape ---------------------------------------------------------------------

#: Shapes a value given its key (None for a list item) and the column of that key or dash.
_Each = Callable[[Any, "str | None", int], Any]


class _Shaper:
    """Loaded data as ruamel's commented tree, in canonical order and style, with its comments.

    Columns are those of the canonical form; they say where folded lines and comments start.
    """

    def __init__(self, notes: Notes) -> None:
        self.notes = notes

    def file(self, data: Any, kind: str) -> Any:
        shaped: Any
        if kind == "entities" and isinstance(data, list):
            shaped = self.seq(data, 0, lambda item, _, col: self.record(item, "entity", col))
        elif kind in ("sources", "claims") and isinstance(data, dict):
            child, records = ("source", "sources") if kind == "sources" else ("claim", "claims")

            def top(value: Any, key: str | None, col: int) -> Any:
                if key == records and isinstance(value, list):
                    return self.seq(value, col, lambda item, _, c: self.record(item, child, c))
                return self.plain(value, key, col)

            shaped = self.mapping(data, kind, 0, top)
        else:
            shaped = self.plain(data, None, -2)  # as if an item at -2: its content starts at 0
        return shaped

    def record(self, record: Any, kind: str, col: int) -> Any:
        if not isinstance(record, dict):
            return self.plain(record, None, col)

        def field(value: Any, key: str | None, c: int) -> Any:
            if key in ("state", "qualifiers") and isinstance(value, dict):
                return self.mapping(value, "", c + 2, self.state_value)
            if key in PROSE_FIELDS and isinstance(value, str):
                return _string(value, c + 2, prose=True)
            if key is not None and isinstance(value, list):
                return self.short_list(value, key, c, self.plain)
            return self.plain(value, key, c)

        return self.mapping(record, kind, col + 2, field)

    def state_value(self, value: Any, key: str | None, col: int) -> Any:
        """An entity id, literal, quantity or amount, or a list of those."""
        if isinstance(value, dict):
            if self.one_line(value, value.values()):
                flow = self.mapping(value, "value", col + 2, self.plain, flow=True)
                if _fits(flow, key, col):
                    return flow
            return self.mapping(value, "value", col + 2, self.plain)
        if key is not None and isinstance(value, list):
            return self.short_list(value, key, col, self.state_value)
        return self.plain(value, key, col)

    def short_list(self, items: list[Any], key: str, col: int, each: _Each) -> CommentedSeq:
        """Short lists of plain values on one line (`key: [a, b]`), longer ones one item a line."""
        if self.one_line(items, items):
            flow = self.seq(items, col, self.plain, flow=True)
            if _fits(flow, key, col):
                return flow
        return self.seq(items, col, each)

    def one_line(self, container: Any, values: Any) -> bool:
        """Whether a list or mapping may be written `[...]` or `{...}`: plain, no comments."""
        plain = not any(isinstance(value, dict | list) for value in values)
        return plain and not self.notes.inside(container)

    def plain(self, value: Any, key: str | None, col: int, flow: bool = False) -> Any:
        if isinstance(value, dict):
            return self.mapping(value, "", col + 2, self.plain)
        if isinstance(value, list):
            return self.seq(value, col if key is not None else col + 2, self.plain)
        if isinstance(value, str) and flow:
            return _string(value, col + 2, flow=True)
        if isinstance(value, str):
            start = col + 2 + (len(key) + 2 if key is not None else 0)
            return _string(value, col + 2, fits=start + len(value) <= WIDTH)
        return value

    def mapping(
        self, data: dict[str, Any], kind: str, col: int, each: _Each, flow: bool = False
    ) -> CommentedMap:
        """A mapping whose keys start at `col`, its fields in the order of `kind`'s."""
        known = RECORD_KEYS.get(kind, ())
        shaped = CommentedMap()
        for key in [k for k in known if k in data] + [k for k in data if k not in known]:
            value = self.plain(data[key], key, col, flow) if flow else each(data[key], key, col)
            shaped[_string(key, col, key=True, flow=flow)] = value
            self.comment(shaped, key, self.notes.of(data, key), col)
        if flow:
            shaped.fa.set_flow_style()
        return shaped

    def seq(self, items: list[Any], col: int, each: _Each, flow: bool = False) -> CommentedSeq:
        """A list whose dashes are at `col`."""
        if flow:
            shaped = CommentedSeq(self.plain(item, None, col, flow) for item in items)
            shaped.fa.set_flow_style()
        else:
            shaped = CommentedSeq(each(item, None, col) for item in items)
        for index in range(len(items)):
            self.comment(shaped, index, self.notes.of(items, index), col)
        return shaped

    @staticmethod
    def comment(shaped: CommentedMap | CommentedSeq, key: Any, note: Note | None, col: int) -> None:
        """Put a field's or item's comments above it and at the end of its line.

        Folded text has no end of line to hold a comment, so its comment goes above it.
        """
        if note is None:
            return
        above = note.above
        if note.after is not None and isinstance(shaped[key], FoldedScalarString):
            above = [*above, note.after]
        elif note.after is not None:
            shaped.yaml_add_eol_comment(note.after, key, column=0)
        if above:
            # Where ruamel's yaml_set_comment_before_after_key puts them, but kept verbatim.
            slot = shaped.ca.items.setdefault(key, [None, [], None, None])
            slot[1] = (slot[1] or []) + [CommentToken(t + "\n", CommentMark(col)) for t in above]


# ---- scalars, in the styles PyYAML gave them when the files were first written --------------

#: The project reads YAML with PyYAML (YAML 1.1); its resolver says what a plain scalar means.
_READER = yaml.resolver.Resolver()


def _tag(plain: str) -> str:
    """The type PyYAML reads a plain scalar as."""
    tag: str = _READER.resolve(yaml.ScalarNode, plain, (True, False))  # type: ignore[no-untyped-call]
    return tag


#: PyYAML's analysis of a scalar: whether it can be plain, quoted or a block.
_analyse = yaml.emitter.Emitter(io.StringIO(), allow_unicode=True).analyze_scalar


def _string(
    data: str,
    col: int,
    *,
    prose: bool = False,
    fits: bool = True,
    key: bool = False,
    flow: bool = False,
) -> Any:
    """A string: folded when prose, long or too long for its line (`fits`), else plain or quoted.

    Folded lines start at `col`. A string that does not fit is folded rather than wrapped as
    plain text, which ruamel would do before the width but with a space left at the line's end
    (PyYAML wrapped after it, past the width).
    """
    if _tag(data) != _STR or _DATE_LIKE.match(data):
        return DoubleQuotedScalarString(data)  # what other YAML readers would not take as text
    can = _analyse(data)
    if prose or len(data) > _LONG or not fits:
        # YAML keeps the line breaks around a line that starts with a space: no folding there.
        foldable = can.allow_block and not re.search(r"(^|\n)[ \t]", data)
        if foldable and not (key or flow):
            return _folded(data, col)
        if prose or len(data) > _LONG:
            return DoubleQuotedScalarString(data)
    plain = can.allow_flow_plain if flow else can.allow_block_plain
    if plain and not (key and (can.empty or can.multiline)):
        return data
    if can.allow_single_quoted and not (key and can.multiline):
        return SingleQuotedScalarString(data)
    return DoubleQuotedScalarString(data)


def _folded(text: str, col: int) -> FoldedScalarString:
    """A folded scalar whose lines start at `col` and break before a word crossing the width.

    ruamel would break only after a word has crossed it, so it is told where to break
    (`fold_pos`, where it keeps the breaks of the folded scalars it reads).
    """
    folded: FoldedScalarString = FoldedScalarString(text)
    folded.fold_pos = _folds(text, col)  # type: ignore[attr-defined]
    return folded


def _folds(text: str, col: int) -> list[int]:
    """Where a single space between two words becomes a line break.

    >>> _folds("aaa bbb ccc", WIDTH - 6)
    [3, 7]
    """
    folds = []
    offset = 0
    for line in text.split("\n"):
        column = col
        parts = re.findall(r"[^ ]+| +", line)
        for index, part in enumerate(parts):
            between = part == " " and 0 < index < len(parts) - 1
            if between and column + 1 + len(parts[index + 1]) > WIDTH:
                folds.append(offset)
                column = col
            else:
                column += len(part)
            offset += len(part)
        offset += 1  # the line break
    return folds


def _fits(flow: CommentedMap | CommentedSeq, key: str | None, col: int) -> bool:
    """Whether `[...]` or `{...}` fits on the line of its key or dash, at `col`."""
    out = io.StringIO()
    _writer().dump(flow, out)
    start = col + (len(key) + 2 if key is not None else 2)
    return start + len(out.getvalue().rstrip("\n")) <= WIDTH


class _Representer(RoundTripRepresenter):
    """Writes None and floats as PyYAML does (`null`, `1.0e-05`)."""

    def represent_none(self, data: Any) -> ScalarNode:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")

    def represent_float(self, data: Any) -> ScalarNode:
        text = repr(data).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
        special = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}
        return self.represent_scalar("tag:yaml.org,2002:float", special.get(text, text))


_Representer.add_representer(type(None), _Representer.represent_none)
_Representer.add_representer(float, _Representer.represent_float)


class _Resolver(VersionedResolver):
    """Tells plain scalars apart as the project's reader does (YAML 1.1, as PyYAML reads)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return Tag(suffix=_tag(value))
        return super().resolve(kind, value, implicit)


def _writer() -> YAML:
    """ruamel set to write as the files are: 2-space indents, `- ` at the parent's column.

    Nothing is broken across lines but folded text, where `_folds` says: ruamel's own wrapping
    of quoted strings can change them (a line break where a backslash is needed) and of plain
    ones leaves a space at the end of the line.
    """
    writer = YAML()
    writer.Representer = _Representer
    writer.Resolver = _Resolver
    writer.width = 1 << 16
    writer.indent(mapping=2, sequence=2, offset=0)
    return writer
