"""RDF files of any common syntax: finding them, loading them, and finding a node's line in them.

The syntax comes from the file name (`.ttl`, `.nt`, `.nq`, `.trig`, `.rdf`, `.owl`, `.jsonld`,
each optionally `.gz`). Syntax errors name the file and line.

>>> syntax_of(Path("data/x.ttl.gz")).name
'Turtle'
>>> syntax_of(Path("notes.txt"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cartkg.errors.SourceError: notes.txt: unknown RDF syntax '.txt'; known: .jsonld, .nq, ...
"""

from __future__ import annotations

import gzip
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urljoin

from pyoxigraph import NamedNode, RdfFormat, Store, Triple, parse, serialize
from rdflib import Graph

from cartkg.errors import SourceError

SYNTAXES: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".turtle": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}
#: Syntaxes whose lines can be searched for a statement's subject.
LINE_BASED = {RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.N_QUADS, RdfFormat.TRIG}


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def syntax_of(path: Path) -> RdfFormat:
    """The RDF syntax of a file, from its extension."""
    suffix = _suffix(path)
    if suffix not in SYNTAXES:
        known = ", ".join(sorted(SYNTAXES))
        raise SourceError(
            f"unknown RDF syntax {suffix or '(no extension)'!r}; known: {known} (optionally .gz)",
            file=str(path),
        )
    return SYNTAXES[suffix]


def is_rdf(path: Path) -> bool:
    return _suffix(path) in SYNTAXES


def rdf_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the RDF files under the directories named (hidden ones skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and is_rdf(p) and not _hidden(p.relative_to(path))
            )
            if not inside:
                raise SourceError("no RDF files in this directory", file=str(path))
            found.extend(inside)
        elif path.exists():
            syntax_of(path)
            found.append(path)
        else:
            raise SourceError("no such file or directory", file=str(path))
    return found


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile reads bytes
    return path.open("rb")


def _base_iri(path: Path) -> str:
    return path.resolve().as_uri()


def load(files: Sequence[Path], store: Store | None = None) -> Store:
    """Load the files into one store whose default graph is the union of all their graphs.

    Blank nodes of different files are kept apart. The store canonicalises literals (see
    `parse_file`): fine for queries, not for checking how data is written.
    """
    store = store if store is not None else Store()
    datasets = False
    for path in files:
        syntax = syntax_of(path)
        datasets = datasets or syntax.supports_datasets
        try:
            with _open(path) as stream:
                store.load(stream, format=syntax, base_iri=_base_iri(path))
        except SyntaxError as err:
            raise _syntax_error(path, syntax, err) from None
        except (OSError, EOFError, ValueError) as err:
            raise SourceError(f"cannot read: {err}", file=str(path)) from None
    if datasets:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")
    return store


def parse_file(path: Path) -> Iterator[Triple]:
    """The statements of one file, named graphs dropped, literals exactly as written.

    (A pyoxigraph `Store` canonicalises literals, "010"^^xsd:nonNegativeInteger becoming
    "10"^^xsd:integer, which a SHACL datatype check must not see.)
    """
    syntax = syntax_of(path)
    try:
        with _open(path) as stream:
            for quad in parse(
                stream, format=syntax, base_iri=_base_iri(path), rename_blank_nodes=True
            ):
                yield quad.triple
    except SyntaxError as err:
        raise _syntax_error(path, syntax, err) from None
    except (OSError, EOFError, ValueError) as err:
        raise SourceError(f"cannot read: {err}", file=str(path)) from None


def graph(files: Sequence[Path]) -> Graph:
    """The union of the files as one rdflib graph (blank nodes of different files kept apart)."""
    union = Graph()
    for path in files:
        union.parse(data=serialize(parse_file(path), format=RdfFormat.N_TRIPLES), format="nt")
    return union


def subjects(path: Path) -> Iterator[str]:
    """The subject of each statement in the file, as a plain IRI ('' for a blank node)."""
    for triple in parse_file(path):
        yield triple.subject.value if isinstance(triple.subject, NamedNode) else ""


def _syntax_error(path: Path, syntax: RdfFormat, err: SyntaxError) -> SourceError:
    line = err.lineno
    if line is None and syntax == RdfFormat.RDF_XML:
        line = _xml_error_line(path)
    message = str(err.msg if hasattr(err, "msg") else err)
    return SourceError(f"{syntax.name} syntax error: {message}", file=str(path), line=line)


def _xml_error_line(path: Path) -> int | None:
    """RDF/XML errors come without a line; XML well-formedness errors have one."""
    try:
        with _open(path) as stream:
            ET.parse(stream)
    except ET.ParseError as err:
        return int(err.position[0])
    except OSError:
        return None
    return None


# ---- where a node is stated ------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """A place in an input file; `line` is 1-based, None where the syntax does not allow it."""

    file: Path
    line: int | None = None


_IRI = r"<([^<>\"{}|^`\\\s]*)>"
_PNAME = r"((?:[A-Za-z][\w.-]*)?):((?:[\w:%-]|\\.|\.(?=[\w:%-]))*)"
_TOKEN = re.compile(rf"{_IRI}|(?<![^\s(\[,;]){_PNAME}")
_PREFIX = re.compile(rf"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*{_IRI}", re.IGNORECASE)
_BASE = re.compile(rf"^\s*(?:@base|BASE)\s+{_IRI}", re.IGNORECASE)
_XML_ABOUT = re.compile(r"""\b(?:rdf:)?about\s*=\s*["']([^"']*)["']""")
_JSON_ID = re.compile(r""""@id"\s*:\s*"([^"]*)\"""")


def locate(files: Sequence[Path], nodes: Collection[str]) -> dict[str, Location]:
    """Where each IRI in `nodes` is first stated as a subject.

    In Turtle, TriG, N-Triples and N-Quads the line is found by reading the text: best a line
    where a statement starts with the node, then any line starting with it, then (a second
    reading, for the nodes still missing) any line mentioning it. In RDF/XML and JSON-LD it is
    the line of the `rdf:about` or `"@id"` naming it. Nodes not found in the text are looked
    for in the parsed files (file only, no line).
    """
    found: dict[str, Location] = {}
    for mentions in (False, True):
        for path in files:
            missing = set(nodes) - found.keys()
            if missing and (syntax_of(path) in LINE_BASED or not mentions):
                for node, line in _scan(path, missing, mentions).items():
                    found[node] = Location(path, line)
    for path in files:
        missing = set(nodes) - found.keys()
        if not missing:
            break
        for subject in subjects(path):
            if subject in missing:
                found[subject] = Location(path)
                missing.discard(subject)
    return found


def _scan(path: Path, wanted: set[str], mentions: bool) -> dict[str, int]:
    syntax = syntax_of(path)
    # Split on "\n" only, as a binary read does; decoded in blocks rather than line by line.
    with io.TextIOWrapper(_open(path), encoding="utf-8", errors="replace", newline="\n") as lines:
        if syntax in LINE_BASED:
            return _scan_turtle_like(lines, wanted, _base_iri(path), mentions)
        pattern = _XML_ABOUT if syntax == RdfFormat.RDF_XML else _JSON_ID
        found: dict[str, int] = {}
        for number, text in enumerate(lines, 1):
            for iri in pattern.findall(text):
                if iri in wanted and iri not in found:
                    found[iri] = number
        return found


def _scan_turtle_like(
    lines: Iterable[str], wanted: set[str], base: str, mentions: bool = False
) -> dict[str, int]:
    """One pass over the text: the first line starting a statement with each node, else the
    first line starting with it; with `mentions`, the first line naming it anywhere.

    >>> text = ["@prefix ex: <http://ex.org/> .", "ex:a ex:p ex:b ;", "  ex:q ex:c .",
    ...         "ex:b ex:p 1 ."]
    >>> _scan_turtle_like(text, {"http://ex.org/b", "http://ex.org/c"}, "file:///x.ttl")
    {'http://ex.org/b': 4}
    >>> _scan_turtle_like(text, {"http://ex.org/c"}, "file:///x.ttl", mentions=True)
    {'http://ex.org/c': 3}
    """
    prefixes: dict[str, str] = {}
    at_start: dict[str, int] = {}  # lines where a statement starts with the node
    first: dict[str, int] = {}  # lines starting with the node (or naming it, with `mentions`)
    statement_start = True
    in_long_string = False
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text[0] == "#":
            continue
        if in_long_string:
            in_long_string = _toggles_long_string(text, in_long_string)
            statement_start = text.endswith((".", "{", "}"))
            continue
        if text[0] in "@PBpb" and (directive := _directive(text, prefixes, base)) is not None:
            base, statement_start = directive, True
            continue
        if mentions:
            for match in _TOKEN.finditer(text):
                if (iri := _expand(match, prefixes, base)) in wanted:
                    first.setdefault(iri, number)
        else:  # the first token, looked up as written: no parsing for the lines that don't matter
            token = text.split(None, 1)[0]
            iri = _as_written(token, prefixes)
            if iri not in wanted:
                iri = _as_written(token.rstrip(";,."), prefixes)
            if iri in wanted:
                first.setdefault(iri, number)
                if statement_start:
                    at_start.setdefault(iri, number)
        if '"""' in text or "'''" in text:
            in_long_string = _toggles_long_string(text, in_long_string)
        statement_start = text.endswith((".", "{", "}")) and not in_long_string
    found = {**first, **at_start}
    return {node: found[node] for node in sorted(found)}


def _as_written(token: str, prefixes: dict[str, str]) -> str:
    """The IRI a token spells out, `<IRI>` or `prefix:local`, taken as written (no escapes or
    relative IRIs resolved: a first token is only looked up, not parsed); '' if none.

    >>> _as_written("ex:a", {"ex": "http://ex.org/"}), _as_written("<http://ex.org/b>", {})
    ('http://ex.org/a', 'http://ex.org/b')
    """
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, colon, local = token.partition(":")
    namespace = prefixes.get(prefix) if colon else None
    return "" if namespace is None else namespace + local


def _directive(text: str, prefixes: dict[str, str], base: str) -> str | None:
    """Read a prefix or base directive; the base IRI after it, or None if it is not one."""
    if match := _PREFIX.match(text):
        prefixes[match.group(1)] = urljoin(base, match.group(2))
        return base
    if match := _BASE.match(text):
        resolved: str = urljoin(base, match.group(1))
        return resolved
    return None


def _expand(token: re.Match[str], prefixes: dict[str, str], base: str) -> str | None:
    iri = token.group(1)
    if iri is not None:
        return iri if ":" in iri else urljoin(base, iri)  # only relative IRIs need resolving
    namespace = prefixes.get(token.group(2))
    if namespace is None:
        return None
    local = token.group(3)
    return namespace + (re.sub(r"\\(.)", r"\1", local) if "\\" in local else local)


def _toggles_long_string(text: str, inside: bool) -> bool:
    count = text.count('"""') + text.count("'''")
    return inside ^ (count % 2 == 1)
