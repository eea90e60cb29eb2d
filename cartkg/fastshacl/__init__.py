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
...   @prefix ex: <http://example.org/> .
...   ex:ann a ex:Person ; ex:name "Ann" . ex:bob a ex:Person .''')
>>> report = validate(data, shapes)
>>> report.conforms, [(r.focus_node, r.result_path, r.message) for r in report.results]
(False, [('<http://example.org/bob>', '<http://example.org/name>', 'needs a name')])
>>> report.routes
{'<http://example.org/PersonShape>': 'fast'}
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal as Choice

from rdflib import Graph

from cartkg.fastshacl import fallback
from cartkg.fastshacl.load import DataSource, as_list, open_store
from cartkg.fastshacl.parallel import run_roots
from cartkg.fastshacl.results import Compact, Report, Result, compact, compactor
from cartkg.fastshacl.shapes import ShapesModel
from cartkg.fastshacl.support import plan

__all__ = ["Report", "Result", "Validation", "open_store", "validate"]


@dataclass
class Validation(Report):
    """A report that also says which engine validated each shape with targets."""

    #: shape (compacted) -> "fast", or "pyshacl: <why the fast engine did not take it>"
    routes: dict[str, str] = field(default_factory=dict)
    #: seconds spent loading the data, validating, and in pySHACL for the shapes left to it
    timings: dict[str, float] = field(default_factory=dict)


def validate(
    data: DataSource | Sequence[DataSource],
    shapes_graph: Graph,
    ontology: DataSource | Sequence[DataSource] | None = None,
    *,
    engine: Choice["fast", "pyshacl"] = "fast",
    allow_warnings: bool = False,
    workers: int | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> Validation:
    """Validate `data` (files, rdflib graphs or a pyoxigraph store, merged with `ontology`)
    against `shapes_graph`.

    `allow_warnings`: warnings and infos do not make data non-conforming, as in pySHACL's
    option of that name. `workers`: processes for the fast engine (default: one per CPU when
    the data is big and the CPUs are idle; see `parallel.py`). `prefixes`: the prefix map
    results are written with (default: the W3C namespaces, `results.STANDARD_PREFIXES`).
    """
    write: Compact = compact if prefixes is None else compactor(prefixes)
    model = ShapesModel(shapes_graph)
    timings: dict[str, float] = {}
    if engine == "pyshacl":
        with _timed(timings, "load"):
            graph = fallback.rdflib_graph([*as_list(data), *as_list(ontology)])
        with _timed(timings, "validate"):
            conforms, results = fallback.run(graph, shapes_graph, allow_warnings, write)
        routes = {write(r.node): "pyshacl" for r in model.roots()}
        return Validation(conforms, _sorted(results), routes, timings)
    if engine != "fast":
        raise ValueError(f"unknown engine {engine!r}: use 'fast' or 'pyshacl'")
    with _timed(timings, "load"):
        store = open_store(data, ontology)
    reasons = plan(model)
    routes = {
        write(node): "fast" if why is None else f"pyshacl: {why}" for node, why in reasons.items()
    }
    fast_roots = [node for node, why in reasons.items() if why is None]
    with _timed(timings, "validate"):
        found = run_roots(store, model, fast_roots, allow_warnings, write, workers)
    conforms = not any(blocking for _, blocking in found)
    results = [result for result, _ in found]
    if len(fast_roots) < len(reasons):
        with _timed(timings, "pyshacl"):
            pruned = fallback.without_targets(shapes_graph, fast_roots)
            # pySHACL reads the data itself, as it would alone (its prefixes, its literals).
            graph = fallback.rdflib_graph([*as_list(data), *as_list(ontology)])
            slow_conforms, slow_results = fallback.run(graph, pruned, allow_warnings, write)
        conforms = conforms and slow_conforms
        results += slow_results
    return Validation(conforms, _sorted(results), routes, timings)


@contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[phase] = round(time.perf_counter() - start, 3)


def _sorted(results: list[Result]) -> list[Result]:
    return sorted(
        results,
        key=lambda r: (r.source_shape or "", r.focus_node, r.result_path or "", r.value or ""),
    )
