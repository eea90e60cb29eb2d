"""pySHACL, for the shapes the fast engine leaves to it and as the reference engine."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph
from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.fastshacl.files import read_graph
from cartkg.fastshacl.results import Compact, Result, compact, read_result
from cartkg.fastshacl.terms import quiet_rdflib, to_rdflib

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def rdflib_graph(sources: Iterable[ox.Store | Graph | str | os.PathLike[str]]) -> Graph:
    """The data as one rdflib graph for pySHACL: files read by `files.read_graph` (literals as
    written, prefixes bound), graphs of named graphs merged into one."""
    sources = list(sources)
    if len(sources) == 1 and isinstance(sources[0], Graph):
        return sources[0]  # as it is: SPARQL-based constraints may use its prefixes
    graph = Graph()
    for source in sources:
        if isinstance(source, ox.Store):
            graph += graph_of(source)
        elif isinstance(source, Graph):
            graph += source
            for prefix, namespace in source.namespaces():
                graph.bind(prefix, namespace, override=False)
        else:
            with quiet_rdflib():
                read_graph(Path(source), graph)
    return graph


def graph_of(store: ox.Store) -> Graph:
    """The store's quads as one rdflib graph (the union of its graphs), blank nodes kept."""
    graph = Graph()
    for quad in store:
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def without_targets(shapes: Graph, nodes: Iterable[Node]) -> Graph:
    """A copy of `shapes` in which `nodes` select no focus nodes of their own (they are still
    there for the shapes that refer to them)."""
    copy = Graph()
    copy += shapes
    class_types = {RDFS.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
    for node in nodes:
        for p in _TARGETS:
            copy.remove((node, p, None))
        for t in class_types:
            copy.remove((node, RDF.type, t))
    return copy


def run(
    data: Graph, shapes: Graph, allow_warnings: bool = False, write: Compact = compact
) -> tuple[bool, list[Result]]:
    """pySHACL's verdict and results (top-level results only, not their sh:detail)."""
    import pyshacl  # slow to import; the fast engine seldom needs it

    fresh = Graph()
    fresh += shapes  # pySHACL changes the shapes graph it is given (pySHACL issue #314)
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=fresh,
        inference="none",
        abort_on_first=False,
        allow_warnings=allow_warnings,
        advanced=False,
        inplace=True,
    )
    assert isinstance(report, Graph)
    results = [read_result(report, node, write) for node in report.objects(None, SH.result)]
    return bool(conforms), results
