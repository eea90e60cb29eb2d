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
cartkg.xmlentities.EntityError: line 3: entity 'b' refers to other entities ('&' in its value), ...

Every `<!ENTITY` in the file is looked at, wherever it is (a comment, a CDATA section): the
parser's idea of where the DTD ends need not be this module's.
"""

from __future__ import annotations

import re
from typing import IO

EXPANSION_LIMIT = 64 << 20
_MAX_NAME, _MAX_VALUE = 256, 64 << 10
_START = b"<!ENTITY"
_SPACE = r"[ \t\r\n]"
_DECLARATION = re.compile(
    rf'<!ENTITY{_SPACE}{{1,64}}(?:%{_SPACE}{{0,64}})?([^\s"<>%&;]{{1,{_MAX_NAME}}}){_SPACE}{{1,64}}'
    rf'"([^"<]{{0,{_MAX_VALUE}}})"{_SPACE}{{0,64}}>'.encode()
)
_TOKEN = re.compile(rf"<!ENTITY|&([^\s&;<>\"']{{1,{_MAX_NAME}}});".encode())
#: Enough to hold any declaration or reference that starts before the end of a chunk.
_OVERLAP = _MAX_VALUE + _MAX_NAME + 400
_CHUNK = 1 << 20


class EntityError(ValueError):
    """An RDF/XML file declares entities cartkg will not let a parser expand."""

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
        end = len(buffer) - _OVERLAP if chunk else len(buffer)
        if end <= 0 and chunk:
            continue
        resume = max(end, 0)
        found = _TOKEN.finditer(buffer) if values else _declarations(buffer)
        for token in found:
            if token.start() >= end:
                break
            resume = max(resume, token.end())
            if token.group(0).startswith(_START):
                name, length = _declaration(buffer, token.start(), lines)
                values[name] = length
            elif (length := values.get(token.group(1), -1)) >= 0:
                expanded += length
                limit = max(EXPANSION_LIMIT, 4 * (done + token.end()))
                if expanded > limit:
                    line = lines + buffer.count(b"\n", 0, token.start()) + 1
                    shown = token.group(1).decode(errors="replace")
                    raise EntityError(
                        f"entity references expand to more than {limit >> 20} MB (here "
                        f"'&{shown};'): more than cartkg lets a parser expand", line
                    )  # fmt: skip
        lines += buffer.count(b"\n", 0, resume)
        done += resume
        buffer = buffer[resume:]
        if not chunk:
            return


def _declarations(buffer: bytes) -> list[re.Match[bytes]]:
    """The `<!ENTITY` in a buffer, looked for the fast way while no entity is declared."""
    at = buffer.find(_START)
    return [] if at < 0 else list(_TOKEN.finditer(buffer, at))


def _declaration(buffer: bytes, at: int, lines: int) -> tuple[bytes, int]:
    """The name and value length of the declaration at `at`; `EntityError` if it is refused."""
    line = lines + buffer.count(b"\n", 0, at) + 1
    match = _DECLARATION.match(buffer, at)
    if match is None:
        raise EntityError(
            'an entity declaration other than <!ENTITY name "text"> (external entities, single '
            "quotes, values over 64 KB are refused)", line
        )  # fmt: skip
    name, value = match.group(1), match.group(2)
    if b"&" in value:
        shown = name.decode(errors="replace")
        raise EntityError(
            f"entity {shown!r} refers to other entities ('&' in its value), as entity bombs do; "
            "cartkg reads only plain-text entities", line
        )  # fmt: skip
    return name, len(value)
