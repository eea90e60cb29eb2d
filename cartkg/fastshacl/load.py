"""Loading RDF into a fresh pyoxigraph store, literals as written (see `terms.py`).

Files stream through a rewrite of the XSD namespace to its alias, so that oxigraph stores
typed literals verbatim; the few literals the parser types itself (Turtle's `5`, `2.5`, `true`)
are moved under the alias once loaded.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import Graph
from rdflib.graph import Dataset
from rdflib.term import Node

from cartkg.fastshacl.files import open_rdf
from cartkg.fastshacl.syntax import BARE_LITERALS, syntax_of
from cartkg.fastshacl.terms import ALIAS_NS, XSD_NS, to_ox

DataSource = ox.Store | Graph | str | os.PathLike[str]


def open_store(
    data: DataSource | Sequence[DataSource],
    ontology: DataSource | Sequence[DataSource] | None = None,
) -> ox.Store:
    """A fresh in-memory store holding `data` and `ontology`, XSD literals as written."""
    store = ox.Store()
    sources = [*as_list(data), *as_list(ontology)]
    bare = False
    for source in sources:
        if isinstance(source, ox.Store):
            _copy_store(source, store)
        elif isinstance(source, Graph):
            load_graph(store, source)
        else:
            path = Path(source)
            load_file(store, path)
            # The parser gives literals written without a datatype the real XSD namespace.
            bare = bare or syntax_of(path) in BARE_LITERALS
    if bare:
        _alias_bare_literals(store)
    return store


def as_list(data: DataSource | Sequence[DataSource] | None) -> list[DataSource]:
    if data is None:
        return []
    if isinstance(data, ox.Store | Graph | str | os.PathLike):
        return [data]
    return list(data)


def _copy_store(source: ox.Store, target: ox.Store) -> None:
    """Through N-Quads, so that the copy's XSD literals move under the alias like a file's."""
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "store.nq"
        source.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        load_file(target, dump)


def _alias_bare_literals(store: ox.Store) -> None:
    typed = (
        f'isLiteral(?o) && STRSTARTS(STR(DATATYPE(?o)), "{XSD_NS}") '
        f"&& DATATYPE(?o) != <{XSD_NS}string>"
    )
    aliased = f'STRDT(STR(?o), IRI(CONCAT("{ALIAS_NS}", STRAFTER(STR(DATATYPE(?o)), "#"))))'
    where = f"?s ?p ?o FILTER({typed}) BIND({aliased} AS ?n)"
    store.update(f"DELETE {{ ?s ?p ?o }} INSERT {{ ?s ?p ?n }} WHERE {{ {where} }}")
    store.update(
        f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} INSERT {{ GRAPH ?g {{ ?s ?p ?n }} }} "
        f"WHERE {{ GRAPH ?g {{ {where} }} }}"
    )


class _XsdAliasing(io.RawIOBase):
    """A binary file read with the XSD namespace replaced by its alias, chunk by chunk."""

    def __init__(self, raw: IO[bytes], chunk: int = 1 << 22) -> None:
        self._chunks = self._rewrite(raw, chunk)
        self._pending = b""

    @staticmethod
    def _rewrite(raw: IO[bytes], size: int) -> Iterator[bytes]:
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


def load_file(store: ox.Store, path: Path) -> None:
    """Parse an RDF file into `store`; raises SyntaxError naming the file and line.

    Read as `files.open_rdf` reads untrusted files (regular files only, RDF/XML entity bombs
    refused, `.gz` decompressed, a byte order mark skipped): `files.Unreadable` if it cannot
    be; `syntax.UnknownSyntax` for a name of no RDF syntax.
    """
    fmt = syntax_of(path)
    with open_rdf(path, fmt) as raw:
        stream = io.BufferedReader(_XsdAliasing(raw), buffer_size=1 << 20)
        # Lenient (IRIs not checked) as rdflib, and so pySHACL, reads Turtle and the like; but
        # rdflib refuses a relative IRI in N-Triples and N-Quads, so strict there.
        lenient = fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
        try:
            store.load(stream, fmt, base_iri=path.resolve().as_uri(), lenient=lenient)
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
        graph_name = (
            ox.DefaultGraph()
            if name is None or str(name).startswith("urn:x-rdflib:default")
            else to_ox(name)
        )
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name)  # type: ignore[arg-type]
