"""`cartkg build`: curated data -> checked, validated, reasoned-over graph -> a release folder.

A release holds the graph in several syntaxes, a VoID description, a manifest with hashes, and
a pyoxigraph store for the query layer. It is written beside the old one and swapped in by
one rename of a symlink (cartkg/versions.py), so a failed build leaves the previous release as
it was, and readers see the old or the new. Builds are reproducible: the same inputs give
byte-identical files (store/ aside).
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

from cartkg import __version__, pipeline
from cartkg.errors import WriteError
from cartkg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from cartkg.paths import Layout
from cartkg.prefixes import jsonld_context
from cartkg.records import Curation
from cartkg.report import Report
from cartkg.store import UNION
from cartkg.versions import Draft
from cartkg.void import describe

#: The text artefacts of a release, in the manifest's order.
ARTEFACTS = (
    "cartkg.nq",
    "cartkg.trig",
    "cartkg.ttl",
    "cartkg.jsonld",
    "context.jsonld",
    "ontology.ttl",
    "void.ttl",
)


@dataclass
class Compiled:
    """The checked dataset, before it is written anywhere."""

    dataset: Dataset
    curation: Curation
    report: Report
    inputs: dict[str, Path]
    timings: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def _timed(timings: dict[str, float], name: str, start: float) -> float:
    now = time.perf_counter()
    timings[name] = round(now - start, 3)
    return now


def compile_dataset(
    layout: Layout, sources: Path | None = None, reason: bool = True, workdir: Path | None = None
) -> Compiled:
    """Check the curated data, generate the dataset, validate it and reason over it (the steps
    of `cartkg.pipeline`, which `cartkg validate` runs too).

    Raises DataErrors (curation), ValidationFailed (SHACL violations), Inconsistent,
    ReasonerError. The reasoner's scratch files go in `workdir` (default: the system's
    temporary folder).
    """
    timings: dict[str, float] = {}
    with pipeline.timed(timings, "load ontology and shapes"):
        schema = pipeline.project_schema(layout)
    project = pipeline.generate_project(layout, schema.ontology, sources, timings)
    checked = pipeline.check(
        project.shacl_input,
        schema,
        project.reasoner_input if reason else None,
        classes=project.vocabulary.classes,
        stop_on_violations=True,
        workdir=workdir,
        timings=timings,
    )
    if checked.inconsistent is not None:
        raise checked.inconsistent
    inferred = project.dataset.graph(INFERRED_GRAPH)
    for triple in checked.inferred:
        inferred.add(triple)
    inputs = dict(project.curation.inputs)
    for path in [*schema.ontology_files, *schema.shapes_files]:
        inputs[str(path.relative_to(layout.root))] = path
    return Compiled(project.dataset, project.curation, checked.report, inputs, timings)


# ---- writing a release ----------------------------------------------------------------------


def _key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object)


def _term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        datatype = ox.NamedNode(str(node.datatype)) if node.datatype else None
        return ox.Literal(str(node), datatype=datatype)
    raise TypeError(f"not an RDF term: {node!r}")


def canonical_quads(dataset: Dataset) -> list[ox.Quad]:
    """The dataset's quads with canonical blank node labels (RDFC-1.0), sorted."""
    quads = ox.Dataset(
        ox.Quad(_term(s), _term(p), _term(o), _term(g))  # type: ignore[arg-type]
        for s, p, o, g in dataset.quads()
        if g is not None
    )
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(quads, key=_key)


def _triples(quads: list[ox.Quad], keep: Any = lambda graph: True) -> list[ox.Triple]:
    found = {ox.Triple(q.subject, q.predicate, q.object) for q in quads if keep(q.graph_name)}
    return sorted(found, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(items: Any, path: Path, syntax: ox.RdfFormat) -> None:
    """Serialise in the given order, with the `@prefix` lines sorted (pyoxigraph's own
    order is not promised to be stable)."""
    prefixes = dict(PREFIXES) if syntax in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    lines = (ox.serialize(items, format=syntax, prefixes=prefixes) or b"").splitlines(True)
    head = 0
    while head < len(lines) and lines[head].startswith(b"@prefix "):
        head += 1
    path.write_bytes(b"".join(sorted(lines[:head]) + lines[head:]))


def write_files(quads: list[ox.Quad], inputs: dict[str, Path], folder: Path) -> dict[str, Any]:
    """Write the artefacts and store into `folder`; return the manifest."""
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    _write(quads, folder / "cartkg.nq", ox.RdfFormat.N_QUADS)
    _write(quads, folder / "cartkg.trig", ox.RdfFormat.TRIG)
    _write(_triples(quads, lambda g: g != ontology), folder / "cartkg.ttl", ox.RdfFormat.TURTLE)
    _write(quads, folder / "cartkg.jsonld", ox.RdfFormat.JSON_LD)
    _write(_triples(quads, lambda g: g == ontology), folder / "ontology.ttl", ox.RdfFormat.TURTLE)
    _write(describe(quads), folder / "void.ttl", ox.RdfFormat.TURTLE)
    # The context lets JSON-LD users compact cartkg.jsonld to CURIEs (kg:, MONDO:, ...).
    context = json.dumps(jsonld_context(), indent=2, sort_keys=True) + "\n"
    (folder / "context.jsonld").write_text(context, encoding="utf-8")
    store = ox.Store(str(folder / "store"))
    store.bulk_load(path=str(folder / "cartkg.nq"), format=ox.RdfFormat.N_QUADS)
    store.update(UNION)
    store.flush()
    store.optimize()
    del store
    gc.collect()  # the store's files are closed when the object goes
    graphs = Counter(quad.graph_name.value for quad in quads)  # type: ignore[union-attr]
    manifest = {
        "cartkg_version": __version__,
        "counts": {"quads": len(quads), "triples": len(_triples(quads)), "graphs": dict(graphs)},
        "artefacts": {name: _sha256(folder / name) for name in ARTEFACTS},
        "inputs": {name: _sha256(path) for name, path in sorted(inputs.items())},
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def publish(compiled: Compiled, draft: Draft) -> dict[str, Any]:
    """Write a release from a compiled dataset into the draft, and make it the release."""
    start = time.perf_counter()
    quads = canonical_quads(compiled.dataset)
    start = _timed(compiled.timings, "canonicalise", start)
    try:
        manifest = write_files(quads, compiled.inputs, draft.path)
        draft.publish()
    except OSError as err:
        raise WriteError(
            f"cannot write the new release in {draft.path}: {err}; "
            f"the release at {draft.release} is as it was"
        ) from None
    _timed(compiled.timings, "write release", start)
    return manifest


def build(layout: Layout, release_dir: Path, sources: Path | None = None) -> Compiled:
    """Check, validate, reason and publish the release into `release_dir`; on failure the
    previous release stays, and nothing else (dead builds' leftovers are removed)."""
    try:
        draft = Draft(release_dir)
    except OSError as err:
        raise WriteError(f"cannot start a new release beside {release_dir}: {err}") from None
    try:
        compiled = compile_dataset(layout, sources, workdir=draft.path)
        compiled.manifest = publish(compiled, draft)
    except BaseException:
        draft.drop()
        raise
    return compiled
