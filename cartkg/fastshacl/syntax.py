"""RDF syntaxes by file name: the one table, for pyoxigraph and for rdflib.

A file's name ends with its syntax's extension, optionally followed by `.gz` (read
decompressed). `.xml` and `.json` are not taken for RDF: too many files named so are not
(package.json); RDF/XML is `.rdf` or `.owl`, JSON-LD `.jsonld`.

>>> syntax_of(Path("data/x.ttl.gz")).name, is_gzipped(Path("data/x.ttl.gz"))
('Turtle', True)
>>> rdflib_name(syntax_of(Path("notes.n3")))
'text/n3'
>>> syntax_of(Path("notes.txt"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cartkg.fastshacl.syntax.UnknownSyntax: unknown RDF syntax '.txt'; known: .jsonld, .n3, ...
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

SYNTAXES: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".n3": ox.RdfFormat.N3,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
GZIP = ".gz"
#: Syntaxes whose lines can be searched for a statement's subject.
LINE_BASED = frozenset(
    {ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG,
     ox.RdfFormat.N3}
)  # fmt: skip
#: Syntaxes in which a literal may be written without its datatype (`5`, `true`).
BARE_LITERALS = frozenset(
    {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3, ox.RdfFormat.JSON_LD}
)


class UnknownSyntax(ValueError):
    """A file name that ends with no RDF syntax's extension."""


def suffix(path: Path) -> str:
    """The extension that names the file's syntax (before `.gz`), lower case; '' if none."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == GZIP:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def is_gzipped(path: Path) -> bool:
    return path.suffix.lower() == GZIP


def is_rdf(path: Path) -> bool:
    return suffix(path) in SYNTAXES


def syntax_of(path: Path) -> ox.RdfFormat:
    """The file's RDF syntax, from its name; `UnknownSyntax` if it names none."""
    found = suffix(path)
    if found not in SYNTAXES:
        raise UnknownSyntax(
            f"unknown RDF syntax {found or '(no extension)'!r}; "
            f"known: {', '.join(sorted(SYNTAXES))} (optionally {GZIP})"
        )
    return SYNTAXES[found]


def rdflib_name(syntax: ox.RdfFormat) -> str:
    """rdflib's name for the syntax: its media type, under which rdflib registers its parsers."""
    return syntax.media_type
