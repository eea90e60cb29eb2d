"""RDF terms between rdflib and pyoxigraph, keeping what SHACL looks at.

pyoxigraph's store canonicalises XSD literals: `"5"^^xsd:nonNegativeInteger` comes back as
`"5"^^xsd:integer` and `"1.50"^^xsd:decimal` as `"1.5"`. SHACL (and pySHACL) see the datatype
and the lexical form as written, so the XSD namespace goes into the store under an alias of the
same length (unknown to oxigraph, hence kept verbatim) and comes back out on the way to rdflib.
Literals written without a datatype in Turtle (`5`, `true`) keep the real XSD namespace; the
compiled queries accept both spellings.

>>> from rdflib import XSD
>>> five = Literal("05", datatype=XSD.nonNegativeInteger)
>>> store_term = to_ox(five)
>>> store_term.datatype.value == ALIAS_NS + "nonNegativeInteger"
True
>>> to_rdflib(store_term) == five
True
>>> sparql(Literal("a \\"b\\"", lang="en"))
'"a \\\\"b\\\\""@en'
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import Dataset
from rdflib.term import Node

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
# Same length as XSD_NS, so that STRLEN and the like see the lengths as written.
ALIAS_NS = "urn:x-fastshacl:xml-schema-alias#"
assert len(ALIAS_NS) == len(XSD_NS)
# rdflib may rewrite an ill-typed literal into a valid-looking one ("none"^^xsd:boolean reads
# as "false"), keeping only a flag; such literals are stored under this prefix + datatype.
ILL_TYPED = "urn:x-fastshacl:ill-typed:"
XSD_STRING = XSD_NS + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
# Which parser reads which file, by extension.
FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".n3": ox.RdfFormat.N3,
    ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD,
}


def alias(text: str) -> str:
    return text.replace(XSD_NS, ALIAS_NS) if XSD_NS in text else text


def unalias(text: str) -> str:
    return text.replace(ALIAS_NS, XSD_NS) if ALIAS_NS in text else text


def to_ox(term: Node) -> OxTerm:
    """An rdflib term as it is stored (XSD namespace aliased)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(alias(str(term)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        text = alias(str(term))
        if term.language:
            return ox.Literal(text, language=term.language)
        if term.datatype is None:
            return ox.Literal(text)
        datatype = alias(str(term.datatype))
        if term.ill_typed and not Literal(str(term), datatype=term.datatype).ill_typed:
            datatype = ILL_TYPED + datatype
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: OxTerm) -> URIRef | BNode | Literal:
    """A stored term as rdflib (and hence pySHACL) would have parsed it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(unalias(term.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    text = unalias(term.value)
    if term.language:
        return Literal(text, lang=term.language)
    datatype = term.datatype.value.removeprefix(ILL_TYPED)
    if datatype == XSD_STRING:  # a plain literal: rdflib keeps it apart from ^^xsd:string
        return Literal(text)
    return Literal(text, datatype=URIRef(unalias(datatype)))


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for each ill-typed literal it reads; finding those is our job."""
    logger = logging.getLogger("rdflib.term")
    was = logger.disabled
    logger.disabled = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logger.disabled = was


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r"))


def sparql(term: Node) -> str:
    """A constant of the shapes graph in SPARQL syntax, as stored (see `spellings`)."""
    if isinstance(term, URIRef):
        return f"<{alias(str(term))}>"
    if isinstance(term, Literal):
        text = f'"{_escape(alias(str(term)))}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is None:
            return text
        return f"{text}^^<{alias(str(term.datatype))}>"
    raise ValueError(f"a blank node cannot be a constant in a query: {term!r}")


def spellings(term: Node) -> list[str]:
    """Every way the store may hold `term`: typed XSD literals exist in both namespaces.

    >>> from rdflib import XSD
    >>> spellings(Literal(1))
    ['"1"^^<urn:x-fastshacl:xml-schema-alias#integer>', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    written = sparql(term)
    if isinstance(term, Literal) and term.datatype is not None and ALIAS_NS in written:
        return [written, f'"{_escape(str(term))}"^^<{term.datatype}>']
    return [written]


class _XsdAliasing(io.RawIOBase):
    """A binary file read with the XSD namespace replaced by its alias, chunk by chunk."""

    def __init__(self, raw: io.BufferedReader, chunk: int = 1 << 22) -> None:
        self._chunks = self._rewrite(raw, chunk)
        self._pending = b""

    @staticmethod
    def _rewrite(raw: io.BufferedReader, size: int) -> Iterator[bytes]:
        needle, replacement = XSD_NS.encode(), ALIAS_NS.encode()
        # A namespace split across two chunks is caught by keeping the last bytes back.
        keep, carry = len(needle) - 1, b""
        while chunk := raw.read(size):
            data = (carry + chunk).replace(needle, replacement)
            yield data[:-keep]
            carry = data[-keep:]
        yield carry.replace(needle, replacement)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            next_chunk = next(self._chunks, None)
            if next_chunk is None:
                return 0
            self._pending = next_chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def rdf_format(path: Path) -> ox.RdfFormat:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})")
    return fmt


def load_file(store: ox.Store, path: Path) -> None:
    """Parse an RDF file into `store`; raises SyntaxError naming the file and line."""
    with path.open("rb") as raw:
        stream = io.BufferedReader(_XsdAliasing(raw))
        try:
            store.load(stream, rdf_format(path), base_iri=path.resolve().as_uri())
        except SyntaxError as err:
            raise SyntaxError(f"{path}: {err}") from err


def load_graph(store: ox.Store, graph: Graph) -> None:
    """Copy an rdflib graph (or dataset: named graphs kept) into `store`."""
    if isinstance(graph, Dataset):
        store.extend(_quads(graph.quads((None, None, None, None))))
    else:
        store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph)  # type: ignore[arg-type]


def _quads(quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> Iterator[ox.Quad]:
    for s, p, o, g in quads:
        name = g.identifier if isinstance(g, Graph) else g
        graph_name = ox.DefaultGraph() if name is None or str(name).startswith(
            "urn:x-rdflib:default") else to_ox(name)
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name)  # type: ignore[arg-type]
