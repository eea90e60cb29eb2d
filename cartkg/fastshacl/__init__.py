"""Fast SHACL validation: SHACL Core compiled to set-oriented SPARQL on pyoxigraph.

Shapes the fast engine does not model (SPARQL-based constraints, custom components, recursive
shapes, a few malformed forms) are validated by pySHACL, on those shapes only; the report says
which engine took each shape. Results are pySHACL's, result for result: see README.md.

>>> from rdflib import Graph
>>> shapes = Graph().parse(format="turtle", data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
...   ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
...     sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" ] .''')
>>> data = Graph().parse(format="turtle", data='''
...   @prefix ex: <http://example.org/> . ex:ann a ex:Person ; ex:name "Ann" . ex:bob a ex:Person .''')
>>> report = validate(data, shapes)
>>> report.conforms, [(r.focus_node, r.result_path, r.message) for r in report.results]
(False, [('<http://example.org/bob>', '<http://example.org/name>', 'needs a name')])
>>> report.routes
{'<http://example.org/PersonShape>': 'fast'}
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as Choice

import pyoxigraph as ox
from rdflib import Graph

from cartkg.fastshacl import compile as sq
from cartkg.fastshacl import fallback
from cartkg.fastshacl.engine import Engine, to_result
from cartkg.fastshacl.shapes import ShapesModel
from cartkg.fastshacl.support import plan
from cartkg.fastshacl.terms import ALIAS_NS, XSD_NS, load_file, load_graph, quiet_rdflib
from cartkg.report import Report, Result, compact

__all__ = ["Validation", "open_store", "validate"]

DataSource = ox.Store | Graph | str | os.PathLike[str]
# Formats in which a literal may be written without its datatype (`5`, `true`): the parser
# gives those the real XSD namespace, which `open_store` moves under the alias.
_BARE_LITERALS = {".ttl", ".turtle", ".trig", ".n3", ".jsonld", ".json"}


@dataclass
class Validation(Report):
    """A report that also says which engine validated each shape with targets."""

    #: shape (compacted) -> "fast", or "pyshacl: <why the fast engine did not take it>"
    routes: dict[str, str] = field(default_factory=dict)


def validate(
    data: DataSource | Sequence[DataSource],
    shapes_graph: Graph,
    ontology: DataSource | Sequence[DataSource] | None = None,
    *,
    engine: Choice["fast", "pyshacl"] = "fast",
    allow_warnings: bool = False,
) -> Validation:
    """Validate `data` (files, rdflib graphs or a pyoxigraph store, merged with `ontology`)
    against `shapes_graph`. `allow_warnings`: warnings and infos do not make data
    non-conforming, as in pySHACL's option of that name."""
    model = ShapesModel(shapes_graph)
    if engine == "pyshacl":
        sources = [*_as_list(data), *_as_list(ontology)]
        conforms, results = fallback.run(fallback.rdflib_graph(sources), shapes_graph,
                                         allow_warnings)
        routes = {compact(r.node): "pyshacl" for r in model.roots()}
        return Validation(conforms, _sorted(results), routes)
    if engine != "fast":
        raise ValueError(f"unknown engine {engine!r}: use 'fast' or 'pyshacl'")
    store = open_store(data, ontology)
    routes = {compact(node): "fast" if reason is None else f"pyshacl: {reason}"
              for node, reason in plan(model).items()}
    fast_roots = [node for node, reason in plan(model).items() if reason is None]
    fast = Engine(store, model, allow_warnings)
    hits = [hit for node in fast_roots
            for hit in fast.results(model.shape(node), sq.targets(model.shape(node).targets))]
    conforms = not any(hit.blocking for hit in hits)
    with quiet_rdflib():
        results = [to_result(hit, shapes_graph) for hit in hits]
    if len(fast_roots) < len(routes):
        pruned = fallback.without_targets(shapes_graph, fast_roots)
        slow_conforms, slow_results = fallback.run(_data_graph(data, ontology, store), pruned,
                                                   allow_warnings)
        conforms = conforms and slow_conforms
        results += slow_results
    return Validation(conforms, _sorted(results), routes)


def open_store(data: DataSource | Sequence[DataSource],
               ontology: DataSource | Sequence[DataSource] | None = None) -> ox.Store:
    """A fresh in-memory store holding `data` and `ontology`, XSD literals as written."""
    store = ox.Store()
    sources = [*_as_list(data), *_as_list(ontology)]
    bare = False
    for source in sources:
        if isinstance(source, ox.Store):
            _copy_store(source, store)
        elif isinstance(source, Graph):
            load_graph(store, source)
        else:
            path = Path(source)
            load_file(store, path)
            bare = bare or path.suffix.lower() in _BARE_LITERALS
    if bare:
        _alias_bare_literals(store)
    return store


def _data_graph(data: DataSource | Sequence[DataSource],
                ontology: DataSource | Sequence[DataSource] | None, store: ox.Store) -> Graph:
    """The data for pySHACL: the caller's own graph when there is just that (its blank nodes
    are the store's too), else the store's content."""
    if isinstance(data, Graph) and ontology is None:
        return data
    return fallback.graph_of(store)


def _as_list(data: DataSource | Sequence[DataSource] | None) -> list[DataSource]:
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
    typed = (f"isLiteral(?o) && STRSTARTS(STR(DATATYPE(?o)), \"{XSD_NS}\") "
             f"&& DATATYPE(?o) != <{XSD_NS}string>")
    aliased = f"STRDT(STR(?o), IRI(CONCAT(\"{ALIAS_NS}\", STRAFTER(STR(DATATYPE(?o)), \"#\"))))"
    where = f"?s ?p ?o FILTER({typed}) BIND({aliased} AS ?n)"
    store.update(f"DELETE {{ ?s ?p ?o }} INSERT {{ ?s ?p ?n }} WHERE {{ {where} }}")
    store.update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} INSERT {{ GRAPH ?g {{ ?s ?p ?n }} }} "
                 f"WHERE {{ GRAPH ?g {{ {where} }} }}")


def _sorted(results: list[Result]) -> list[Result]:
    return sorted(results, key=lambda r: (r.source_shape or "", r.focus_node,
                                          r.result_path or "", r.value or ""))
