"""pyoxigraph 0.5: with `use_default_graph_as_union=True` a triple stated in two named graphs is
counted twice by COUNT(*), where the union (a set of triples) holds it once.
Upstream: https://github.com/oxigraph/oxigraph/issues/1919

The project works around it by storing the union in the default graph at release time
(cartkg/store.py, `cartkg release`) and asking for the flag only when no union is stored
(`store.union_flag`). This test asserts the bug is still there; when it FAILS, upstream has
fixed it and the stored union (and `has_stored_union`/`union_flag`) can go.
"""

from __future__ import annotations

import pyoxigraph as ox

EX = "http://example.org/"


def test_a_triple_in_two_named_graphs_is_counted_twice_in_the_union() -> None:
    store = ox.Store()
    triple = (ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o"))
    for graph in ("g1", "g2"):
        store.add(ox.Quad(*triple, ox.NamedNode(EX + graph)))
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    counted = int(next(iter(solutions))["n"].value)
    assert counted == 2, (
        f"COUNT(*) over the union gave {counted}, not 2: oxigraph#1919 looks fixed, so the "
        "stored default-graph union in cartkg/store.py (release) may no longer be needed"
    )
