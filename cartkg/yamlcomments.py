"""The comments of a YAML text, each tied to the field or list item it belongs to.

A comment on a line of its own belongs to the first field or item that starts below it; one
that ends a line, to the last field or item that starts on or above that line outside any
`[...]` or `{...}` (when that one already has such a comment, the next one counts as a comment
on a line of its own). Comments below the last field or item trail the document.

>>> from cartkg.yamlio import load_text
>>> text = "# people\\n- id: ada  # the first\\n  aliases: [A]\\n# the end\\n"
>>> data = load_text(text)
>>> notes = Notes(data, text)
>>> notes.of(data, 0), notes.of(data[0], "id"), notes.trailing
(Note(above=['# people'], after=None), Note(above=[], after='# the first'), ['# the end'])
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from cartkg.yamlio import LineDict, LineList


@dataclass(frozen=True)
class Comment:
    line: int  # 1-based
    text: str  # from `#` to the end of the line
    own_line: bool


def comments(text: str) -> list[Comment]:
    """Every comment of a YAML text: what lies between PyYAML's tokens and starts with `#`."""
    lines = text.splitlines()
    found: list[Comment] = []
    end = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        found += _found_in(text, lines, end, token.start_mark.index)
        end = max(end, token.end_mark.index)
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            # A block scalar's header may end in a comment, which is inside the token.
            line = token.start_mark.line
            header = re.match(r"[|>][-+0-9]*[ \t]+(#.*)", lines[line][token.start_mark.column :])
            if header:
                found.append(Comment(line + 1, header.group(1).rstrip(), own_line=False))
    return found + _found_in(text, lines, end, len(text))


def _found_in(text: str, lines: list[str], start: int, stop: int) -> list[Comment]:
    found = []
    for hit in re.finditer(r"#[^\n\r]*", text[start:stop]):
        at = start + hit.start()
        line = text.count("\n", 0, at)
        column = at - (text.rfind("\n", 0, at) + 1)
        own = not lines[line][:column].strip()
        found.append(Comment(line + 1, hit.group().rstrip(), own))
    return found


@dataclass
class Note:
    above: list[str] = field(default_factory=list)
    after: str | None = None


#: A field or list item as read: its line, its mapping or list, its key or index, and whether
#: it is inside a `[...]` or `{...}`.
_Place = tuple[int, Any, Any, bool]


class Notes:
    """The comments of `text` by the field or list item of `data` (its loaded form) they are on."""

    def __init__(self, data: Any, text: str) -> None:
        self.by_place: dict[tuple[int, Any], Note] = {}
        self.trailing: list[str] = []
        places = list(_places(data))
        lines = [place[0] for place in places]
        for comment in comments(text):
            index = bisect_right(lines, comment.line)
            if not comment.own_line:
                back = index - 1
                while back >= 0 and places[back][3]:
                    back -= 1
                if back >= 0 and self._note(places[back]).after is None:
                    self._note(places[back]).after = comment.text
                    continue
            if index < len(places):
                self._note(places[index]).above.append(comment.text)
            else:
                self.trailing.append(comment.text)

    def _note(self, place: _Place) -> Note:
        return self.by_place.setdefault((id(place[1]), place[2]), Note())

    def of(self, container: Any, key: Any) -> Note | None:
        return self.by_place.get((id(container), key))

    def inside(self, container: Any) -> bool:
        """Whether a comment belongs to one of the container's own fields or items."""
        keys = range(len(container)) if isinstance(container, list) else container
        return any((id(container), key) in self.by_place for key in keys)


def _places(data: Any) -> Iterator[_Place]:
    """Every field and list item, in the order they were written."""
    if isinstance(data, LineDict):
        for key, value in data.items():
            yield data.key_lines[key], data, key, data.flow
            yield from _places(value)
    elif isinstance(data, LineList):
        for index, item in enumerate(data):
            yield data.item_lines[index], data, index, data.flow
            yield from _places(item)
