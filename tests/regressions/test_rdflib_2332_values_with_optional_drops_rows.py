"""rdflib's SPARQL drops a row when VALUES meets OPTIONAL: `VALUES ?s { ex:a } OPTIONAL { ?s a ?t }`
must give one row (?s = ex:a, ?t unbound) whatever else the graph holds, but rdflib gives none
once some other subject has an rdf:type triple.
Upstream: https://github.com/RDFLib/rdflib/issues/2332

The project works around it by running the ontology checks (`cartkg qc`, cartkg/qc.py; many of
ontology/qc/*.rq use VALUES, none OPTIONAL today) on pyoxigraph. This test asserts the bug is
still there; when it FAILS, upstream has fixed it and rdflib could run those checks again.
"""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef

EX = "http://example.org/"
QUERY = f"SELECT * WHERE {{ VALUES ?s {{ <{EX}a> }} OPTIONAL {{ ?s a ?type }} }}"


def test_values_then_an_unmatched_optional_loses_the_values_row() -> None:
    graph = Graph()
    assert len(graph.query(QUERY)) == 1  # right on an empty graph: the bug needs a match elsewhere
    graph.add((URIRef(EX + "b"), RDF.type, URIRef(EX + "T")))
    rows = len(graph.query(QUERY))
    assert rows == 0, (
        f"rdflib gave {rows} row(s) where it used to give 0 (the right answer is 1): rdflib#2332 "
        "looks fixed, so cartkg qc need not avoid rdflib's SPARQL for it any more"
    )
