"""Entity declarations in RDF/XML, checked before a parser expands them.

pyoxigraph expands the entities of an internal DTD subset with no limit: ten entities of ten
references each (the "billion laughs", 1 KB) become gigabytes of text. So, before any parser
reads an RDF/XML file, it is read once here, and it is refused when

- an entity's value contains `&` (a reference to another entity, which is how the expansion
  nests; a character reference `&#38;` too, since a parser may expand it again), or
- an entity declaration is not the plain internal form `<!ENTITY name "text">` (external
  entities, single quotes, values over 64 KB: nothing a namespace shortcut needs), or
- the references to declared entities would add more than `EXPANSION_LIMIT` bytes, or four
  times the bytes read so far, whichever is more (a big value referenced many times).

Plain namespace entities, as ontology editors write them, pass:

>>> from io import BytesIO
>>> check(BytesIO(b'<!DOCTYPE rdf:RDF [ <!ENTITY owl "http://www.w3.org/2002/07/owl#"> ]>'
...                  b'<rdf:RDF><owl:Class rdf:about="&owl;Thing"/></rdf:RDF>'))
>>> check(BytesIO(b'<!DOCTYPE r [\\n<!ENTITY a "x">\\n<!ENTITY b "&a;&a;">]><r/>'))
Traceback (most recent call last):
...
cartkg.fastshacl.xmlentities.EntityError: line 3: entity 'b' refers to other entities ...

Every `<!ENTITY` in the file is looked at, wherever it is (a comment, a CDATA section): the
parser's idea of where the DTD ends need not be this module's.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import IO

EXPANSION_LIMIT = 64 << 20
_MAX_NAME, _MAX_VALUE = 256, 64 << 10
_START = b"<!ENTITY"
_SPACE = r"[ \t\r\n]"
_DECLARATION = re.compile(
    rf'<!ENTITY{_SPACE}{{1,64}}(?:%{_SPACE}{{0,64}})?([^\s"<>%&;]{{1,{_MAX_NAME}}}){_SPACE}{{1,64}}'
    rf'"([^"<]{{0,{_MAX_VALUE}}})"{_SPACE}{{0,64}}>'.encode()
)
_REFERENCE = re.compile(rf"&([^\s&;<>\"']{{1,{_MAX_NAME}}});".encode())
#: Enough to hold any declaration or reference that starts before the end of a chunk.
_OVERLAP = _MAX_VALUE + _MAX_NAME + 400
_CHUNK = 1 << 20


class EntityError(ValueError):
    """An RDF/XML file declares entities that no parser is let expand."""

    def __init__(self, message: str, line: int) -> None:
        self.message, self.line = message, line
        super().__init__(f"line {line}: {message}")


def check(stream: IO[bytes]) -> None:
    """Read the whole stream; raise `EntityError` (with the line) if its entities could blow up."""
    values: dict[bytes, int] = {}  # entity name -> length of its value
    expanded = done = lines = 0  # bytes added by references; bytes and lines before `buffer`
    buffer = b""
    while True:
        chunk = stream.read(_CHUNK)
        buffer += chunk
        if chunk and len(buffer) <= _OVERLAP:
            continue
        # Up to `end`, whatever starts there is whole in `buffer`; `resume` is where the next
        # round starts.
        end = len(buffer) - _OVERLAP if chunk else len(buffer)
        resume = end
        at = buffer.find(_START, 0, end)
        while at >= 0:
            name, length, stop = _declaration(buffer, at, lines)
            values[name] = length
            resume = max(resume, stop)
            at = buffer.find(_START, stop, end)
        if values:
            # A reference declared later in the same round is counted too: on the safe side.
            used = Counter(_REFERENCE.findall(buffer, 0, end))
            expanded += sum(values.get(name, 0) * n for name, n in used.items())
            limit = max(EXPANSION_LIMIT, 4 * (done + end))
            if expanded > limit:
                raise EntityError(
                    f"entity references expand to more than {limit >> 20} MB (by this line): "
                    "more than a parser is let expand", _line(lines, buffer, end)
                )  # fmt: skip
            cut = buffer.rfind(b"&", max(end - _MAX_NAME - 2, 0), end)
            if cut >= 0 and buffer.find(b";", cut, end) < 0:  # a reference across `end`
                resume = min(resume, cut)
        lines += buffer.count(b"\n", 0, resume)
        done += resume
        buffer = buffer[resume:]
        if not chunk:
            return


def _line(lines: int, buffer: bytes, at: int) -> int:
    return lines + buffer.count(b"\n", 0, at) + 1


def _declaration(buffer: bytes, at: int, lines: int) -> tuple[bytes, int, int]:
    """The name and value length of the declaration at `at`, and where it ends; `EntityError`
    if it is refused."""
    match = _DECLARATION.match(buffer, at)
    if match is None:
        raise EntityError(
            'an entity declaration other than <!ENTITY name "text"> (external entities, single '
            "quotes, values over 64 KB are refused)", _line(lines, buffer, at)
        )  # fmt: skip
    name, value = match.group(1), match.group(2)
    if b"&" in value:
        shown = name.decode(errors="replace")
        raise EntityError(
            f"entity {shown!r} refers to other entities ('&' in its value), as entity bombs do; "
            "only plain-text entities are read", _line(lines, buffer, at)
        )  # fmt: skip
    return name, len(value), match.end()
