"""RDF files of any common syntax: finding them, loading them, and finding a node's line in them.

The syntax comes from the file name (`.ttl`, `.nt`, `.nq`, `.trig`, `.n3`, `.rdf`, `.owl`,
`.jsonld`, each optionally `.gz`: the table is `cartkg.fastshacl.syntax`'s). Syntax errors
name the file and line.

The files may come from anyone (a pull request), so: only regular files are read; symbolic links
are followed only where they stay inside (see `rdf_files`); RDF/XML entities that could blow up
are refused before any parser expands them; a leading UTF-8 byte order mark is skipped (these
by `cartkg.fastshacl.files`, which the SHACL engine reads files with too); and a parser's
message quotes a file only if the file reads as RDF, one line of it, at most `QUOTE_LIMIT`
characters, invisible characters spelt out (see `printable`).

>>> syntax_of(Path("data/x.ttl.gz")).name
'Turtle'
>>> syntax_of(Path("notes.txt"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cartkg.errors.SourceError: notes.txt: unknown RDF syntax '.txt'; known: .jsonld, .n3, ...
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urljoin
from xml.parsers import expat

from pyoxigraph import NamedNode, RdfFormat, Store, Triple, parse
from rdflib import Graph

from cartkg.errors import SourceError
from cartkg.fastshacl import syntax as syntaxes
from cartkg.fastshacl.files import Unreadable, open_bytes, open_rdf, read_graph, regular
from cartkg.fastshacl.syntax import LINE_BASED, is_rdf


def syntax_of(path: Path) -> RdfFormat:
    """The RDF syntax of a file, from its name (`cartkg.fastshacl.syntax`)."""
    try:
        return syntaxes.syntax_of(path)
    except syntaxes.UnknownSyntax as err:
        raise SourceError(str(err), file=str(path)) from None


def rdf_files(paths: Iterable[Path], *, follow_symlinks: bool = False) -> list[Path]:
    """The files named, and the RDF files under the directories named (hidden ones skipped).

    Only regular files: a FIFO, a device or a socket is an error. Unless `follow_symlinks`, a
    symbolic link is followed only where it stays inside, and not in a hidden folder there: a
    link found in a folder, inside that folder; a path named, inside the working directory.
    Any other link is an error naming it. Folders reached through a link are not entered
    (their files are found where they are), except with `follow_symlinks`.
    """
    found: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise SourceError("no such file or directory", file=str(path))
        if not follow_symlinks and (refused := _named_link_out(path)):
            raise refused
        if path.is_dir():
            inside = sorted(_walk(path, follow_symlinks))
            if not inside:
                raise SourceError("no RDF files in this directory", file=str(path))
            found.extend(inside)
        else:
            _regular(path)
            syntax_of(path)
            found.append(path)
    return found


def _walk(top: Path, follow_symlinks: bool) -> Iterator[Path]:
    """The RDF files below `top`, hidden ones skipped; see `rdf_files` for the links."""
    folders, seen = [top], set()
    shown = top.as_posix().rstrip("/") + "/"
    while folders:
        folder = folders.pop()
        if (real := os.path.realpath(folder)) in seen:  # a link loop, with `follow_symlinks`
            continue
        seen.add(real)
        with os.scandir(folder) as entries:
            listed = [(entry.name, entry.is_symlink(), entry.is_dir()) for entry in entries]
        for name, link, is_dir in listed:
            path = folder / name
            if name.startswith(".") or not (is_dir or is_rdf(path)):
                continue
            if link and not follow_symlinks and (refused := _link_out(path, top, shown)):
                raise refused
            if is_dir:
                if follow_symlinks or not link:
                    folders.append(path)
                continue
            _regular(path)
            yield path


def _named_link_out(path: Path) -> SourceError | None:
    """A path named on the command line that is a link, or lies in the working directory under
    one, must lead inside the working directory. (Links above it are the system's own, such
    as /var on macOS.)"""
    cwd = Path(os.getcwd())
    absolute = Path(os.path.abspath(path))
    if Path(os.path.realpath(path)) == absolute:
        return None
    if path.is_symlink() or absolute.is_relative_to(cwd):
        return _link_out(path, cwd, "the working directory")
    return None


def _link_out(path: Path, top: Path, shown: str) -> SourceError | None:
    """The error for a link that, resolved, is not inside `top` or is in a hidden folder there;
    None if it stays inside."""
    try:
        relative = Path(os.path.realpath(path)).relative_to(os.path.realpath(top))
    except ValueError:
        where = f"leads out of {shown}"
    else:
        if not _hidden(relative):
            return None
        where = f"leads into a hidden folder of {shown}"
    message = f"a symbolic link that {where}: not read; --follow-symlinks reads it"
    return SourceError(message, file=str(path))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


@contextmanager
def _refusals() -> Iterator[None]:
    """`cartkg.fastshacl.files` refusing a file, as cartkg's error naming it."""
    try:
        yield
    except Unreadable as err:
        raise SourceError(printable(err.message), file=str(err.file), line=err.line) from None


def _regular(path: Path) -> None:
    with _refusals():
        regular(path)


def _open(path: Path) -> IO[bytes]:
    """The file's bytes, read as `cartkg.fastshacl.files` reads untrusted files."""
    with _refusals():
        return open_bytes(path)


@contextmanager
def _reading(path: Path, syntax: RdfFormat) -> Iterator[None]:
    """Errors while reading `path`, as cartkg's error naming the file (and line)."""
    with _refusals():
        try:
            yield
        except Unreadable:
            raise
        except SyntaxError as err:
            raise _syntax_error(path, syntax, err) from None
        except (OSError, EOFError, ValueError) as err:
            raise SourceError(f"cannot read: {printable(str(err))}", file=str(path)) from None


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
        with _reading(path, syntax), open_rdf(path, syntax) as stream:
            store.load(stream, format=syntax, base_iri=_base_iri(path))
    if datasets:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")
    return store


def parse_file(path: Path) -> Iterator[Triple]:
    """The statements of one file, named graphs dropped, literals exactly as written.

    (A pyoxigraph `Store` canonicalises literals, "010"^^xsd:nonNegativeInteger becoming
    "10"^^xsd:integer, which a SHACL datatype check must not see.)
    """
    syntax = syntax_of(path)
    with _reading(path, syntax), open_rdf(path, syntax) as stream:
        for quad in parse(stream, format=syntax, base_iri=_base_iri(path), rename_blank_nodes=True):
            yield quad.triple


def graph(files: Sequence[Path]) -> Graph:
    """The union of the files as one rdflib graph (blank nodes of different files kept apart,
    literals as written, the files' prefixes bound), read as the SHACL engine reads them."""
    union = Graph()
    for path in files:
        with _reading(path, syntax_of(path)):
            read_graph(path, union)
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
    shown = printable(message) if _reads_as_rdf(path, syntax) else None
    if shown is None or _binary(message.splitlines()[0] if message else ""):
        column = f" (column {err.offset})" if err.offset and err.lineno else ""
        # Only a fixed hint is taken from the parser's message, never its text.
        encoding = " (nor is it UTF-8)" if "Invalid UTF-8" in message else ""
        shown = (
            f"nothing before the error{column} reads as {syntax.name}{encoding}, so the file is "
            "not quoted: it may not be RDF at all"
        )
    return SourceError(f"{syntax.name} syntax error: {shown}", file=str(path), line=line)


def _reads_as_rdf(path: Path, syntax: RdfFormat) -> bool:
    """Whether a statement or a prefix can be read before the file's syntax error: a file
    reached by mistake (a secret, a binary) is not quoted."""
    with _open(path) as stream:
        statements = parse(stream, format=syntax, base_iri=_base_iri(path))
        try:
            return next(iter(statements), None) is not None
        except (SyntaxError, ValueError, OSError, EOFError):
            return bool(statements.prefixes)


#: The most a message quotes of a file.
QUOTE_LIMIT = 200


def printable(message: str, limit: int = QUOTE_LIMIT) -> str:
    """The first line of `message`, at most `limit` characters (cut in the middle), characters
    that do not show (controls, format characters such as U+FEFF) spelt out as <U+XXXX>.

    >>> printable("\\ufeff is not a valid subject\\nsecond line")
    '<U+FEFF> is not a valid subject'
    >>> cut = printable("a" * 500 + "b" * 500)
    >>> len(cut), cut[147:152]
    (200, 'aa…bb')
    """
    lines = message.splitlines()
    text = "".join(
        f"<U+{ord(c):04X}>" if unicodedata.category(c)[0] in "CZ" and c != " " else c
        for c in (lines[0] if lines else "")
    )
    if len(text) > limit:
        tail = limit // 4
        text = text[: limit - tail - 1] + "…" + text[-tail:]
    return text


def _binary(text: str) -> bool:
    """Control characters or undecodable bytes: binary content, never quoted."""
    return any(c == "\ufffd" or (unicodedata.category(c) == "Cc" and c != "\t") for c in text)


def _xml_error_line(path: Path) -> int | None:
    """RDF/XML errors come without a line; XML well-formedness errors have one (found by expat,
    which keeps no tree: memory stays flat whatever the file's size)."""
    reader = expat.ParserCreate()
    try:
        with _open(path) as stream:
            reader.ParseFile(stream)
    except expat.ExpatError as err:
        return int(err.lineno)
    except (OSError, SourceError):
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
