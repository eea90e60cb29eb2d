"""Shapes validated side by side in forked processes that share the loaded store.

pyoxigraph holds the GIL while it evaluates a query, so threads do not help; forked workers
do, and they read the parent's store copy-on-write instead of loading it again. Each worker
takes whole shapes, the biggest first, and sends back plain results.
"""

from __future__ import annotations

import multiprocessing
import os

import pyoxigraph as ox

from cartkg.fastshacl import compile as sq
from cartkg.fastshacl.engine import Engine, Results
from cartkg.fastshacl.results import Compact, Result
from cartkg.fastshacl.shapes import ShapeNode, ShapesModel
from cartkg.fastshacl.terms import quiet_rdflib

Found = list[tuple[Result, bool]]  # each result, and whether it makes the data non-conforming

_BIG = 100_000  # quads

# What forked workers inherit: set just before the fork, read in `_work`.
_SHARED: tuple[ox.Store, ShapesModel, bool, Compact] | None = None


def run_roots(
    store: ox.Store,
    model: ShapesModel,
    roots: list[ShapeNode],
    allow_warnings: bool,
    write: Compact,
    workers: int | None = None,
) -> Found:
    """Validate the shapes `roots` (shapes with targets) on `store`."""
    global _SHARED
    workers = min(workers or _default_workers(store), len(roots))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _validate(Engine(store, model, allow_warnings), roots, write)
    groups = _balance(store, model, roots, workers)
    _SHARED = (store, model, allow_warnings, write)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_work, groups)
    finally:
        _SHARED = None
    return [found for part in parts for found in part]


def _default_workers(store: ox.Store) -> int:
    """One per CPU for data big enough to repay starting them, when the CPUs are idle: on a
    busy machine the scheduler shares one session's time among its processes, and workers
    then only add their overhead."""
    cpus = os.cpu_count() or 1
    idle = hasattr(os, "getloadavg") and os.getloadavg()[0] < cpus - 0.5
    return cpus if idle and len(store) >= _BIG else 1


def _work(roots: list[ShapeNode]) -> Found:
    assert _SHARED is not None, "run in a worker forked by run_roots"
    store, model, allow_warnings, write = _SHARED
    return _validate(Engine(store, model, allow_warnings), roots, write)


def _validate(engine: Engine, roots: list[ShapeNode], write: Compact) -> Found:
    found: Found = []
    result = Results(engine.model.graph, write)
    for node in roots:
        root = engine.model.shape(node)
        hits = engine.results(root, sq.targets(root.targets))
        with quiet_rdflib():
            found += [(result(hit), hit.blocking) for hit in hits]
    return found


def _balance(
    store: ox.Store, model: ShapesModel, roots: list[ShapeNode], workers: int
) -> list[list[ShapeNode]]:
    """Roots in `workers` groups of about equal work: focus nodes times constraints."""

    def cost(node: ShapeNode) -> int:
        root = model.shape(node)
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {sq.targets(root.targets).pattern('?this')} }}"
        rows = list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
        constraints = len(root.constraints) + sum(len(p.constraints) for p in root.properties)
        return int(rows[0]["n"].value) * (1 + constraints)

    groups: list[list[ShapeNode]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for node, weight in sorted(((n, cost(n)) for n in roots), key=lambda x: -x[1]):
        lightest = loads.index(min(loads))
        groups[lightest].append(node)
        loads[lightest] += weight
    return [g for g in groups if g]
