"""pySHACL writes into the shapes graph given to `validate`: with pySHACL 0.40.1 two RDFS/OWL
axioms (owl:Class rdfs:subClassOf rdfs:Class, owl:DatatypeProperty rdfs:subClassOf rdf:Property)
are added to it, for a one-shape graph as for the project's shapes/*.ttl (1780 triples, then
1782), so a shapes graph shared between threads changes under the others' feet.
Upstream: https://github.com/RDFLib/pySHACL/issues/314 (the issue cartkg/fastshacl/fallback.py
cites; its thread was not at hand when this test was written, so the reproducer is what the
installed pySHACL does, checked with and without `inplace`).

The project works around it by giving pySHACL a fresh copy of the shapes on every call
(cartkg/fastshacl/fallback.py `run`: `fresh += shapes`), never a shared graph. This test asserts
the mutation is still there; when it FAILS, upstream has stopped writing into the shapes graph and
the copy can go.
"""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import OWL, RDF, RDFS, Graph

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
"""
AXIOMS = {
    (OWL.Class, RDFS.subClassOf, RDFS.Class),
    (OWL.DatatypeProperty, RDFS.subClassOf, RDF.Property),
}


@pytest.mark.parametrize("inplace", [False, True])
def test_validate_adds_triples_to_the_shapes_graph_it_is_given(inplace: bool) -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    before = set(shapes)
    data = Graph().parse(data="<http://example.org/a> a <http://example.org/C> .", format="turtle")
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", inplace=inplace)
    assert conforms is False  # the shape did run: ex:a has no ex:p
    added = set(shapes) - before
    assert set(shapes) >= before
    assert added >= AXIOMS, (
        f"validate added {sorted(added)} to the shapes graph, not the two axioms it used to: "
        "pySHACL#314 looks fixed, so cartkg/fastshacl/fallback.py need not copy the shapes"
    )
