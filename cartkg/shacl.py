"""SHACL validation of the graph with pySHACL, against the project's shapes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from cartkg.fastshacl import fallback
from cartkg.report import Report
from cartkg.vocabulary import load_files

#: Warnings and infos do not make data non-conforming, in the build and in `cartkg validate`
#: (where --fail-on decides), whichever engine runs (cartkg.fastshacl takes it as a keyword).
ALLOW_WARNINGS = True


def load_shapes(shapes_dir: Path) -> Graph:
    """Every Turtle file in the shapes folder, as one graph."""
    return load_files(sorted(shapes_dir.glob("*.ttl")), shapes_dir, "shapes")


def validate(data: Graph, shapes: Graph, ontology: Graph | None = None) -> Report:
    """Validate `data` (merged with `ontology`, so that subclasses reach class targets).

    No RDFS/OWL inference is run: the ontology's subclass axioms are enough for SHACL's own
    `rdfs:subClassOf` handling once they are in the data graph. `data` is left unchanged.
    """
    merged = Graph()
    merged += data
    if ontology is not None:
        merged += ontology
    conforms, results = fallback.run(merged, shapes, allow_warnings=ALLOW_WARNINGS)
    return Report.of(conforms, results)
