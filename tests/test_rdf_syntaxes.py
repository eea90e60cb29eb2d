"""The one table of RDF syntaxes (`cartkg.fastshacl.syntax`): every extension in it is read,
plain and gzipped, the same by pyoxigraph and by rdflib, through the one opener."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from cartkg.fastshacl.fallback import rdflib_graph
from cartkg.fastshacl.syntax import SYNTAXES
from cartkg.rdffiles import graph

STATEMENTS = """\
@prefix ex: <http://example.org/> .
ex:a ex:p "5"^^<http://www.w3.org/2001/XMLSchema#integer> , "x"@en ; ex:q [ ex:r ex:b ] .
"""


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("suffix", sorted(SYNTAXES))
def test_each_syntax_reads_the_same_in_both_libraries(
    suffix: str, gzipped: bool, tmp_path: Path
) -> None:
    expected = Graph().parse(data=STATEMENTS, format="turtle")
    quads = ox.parse(STATEMENTS.encode(), format=ox.RdfFormat.TURTLE)
    text = ox.serialize(list(quads), format=SYNTAXES[suffix]) or b""
    path = tmp_path / f"data{suffix}{'.gz' if gzipped else ''}"
    path.write_bytes(gzip.compress(text) if gzipped else text)
    by_oxigraph, by_rdflib = graph([path]), rdflib_graph([path])
    assert len(by_oxigraph) == len(expected) == 4
    assert isomorphic(by_oxigraph, expected), suffix
    assert isomorphic(by_rdflib, expected), suffix
