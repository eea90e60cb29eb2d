"""The steps `cartkg build` and `cartkg validate` share, so that both check the same graph.

Load the ontology set (the ontology with its imports, `vocabulary.ontology_files`) and the
shapes; generate the project's dataset from the curated data; validate the data merged with
the ontology with SHACL while HermiT reasons over ontology and data. The build is given the
project's dataset and publishes it; `cartkg validate` is given that dataset or RDF files, and
writes reports.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from cartkg import shacl
from cartkg.curation import load_curation
from cartkg.errors import ValidationFailed
from cartkg.namespaces import INFERRED_GRAPH, MAPPINGS_GRAPH, PROVENANCE_GRAPH
from cartkg.paths import Layout, sources_dir
from cartkg.rdfgen import generate, union
from cartkg.reasoning import Hermit, Inconsistent, inferred_types
from cartkg.records import Curation
from cartkg.report import Report
from cartkg.vocabulary import Vocabulary, load_files, ontology_files

Triple = tuple[URIRef, URIRef, URIRef]


@dataclass(frozen=True)
class Schema:
    """The ontology and the shapes, and the files they were read from."""

    ontology: Graph
    shapes: Graph
    ontology_files: Sequence[Path]
    shapes_files: Sequence[Path]


def load_schema(ontology: Sequence[Path], shapes: Sequence[Path], folders: Layout) -> Schema:
    """The ontology and shapes files as graphs; an empty set is an error naming the folder
    of `folders` it would come from."""
    return Schema(
        load_files(list(ontology), folders.ontology, "ontology"),
        load_files(list(shapes), folders.shapes, "shapes"),
        tuple(ontology),
        tuple(shapes),
    )


def project_schema(layout: Layout) -> Schema:
    """The project's own ontology set and shapes, as the build reads them."""
    return load_schema(ontology_files(layout.ontology), shacl.shapes_files(layout.shapes), layout)


@dataclass
class Project:
    """The project's dataset, generated from its checked curated data."""

    curation: Curation
    dataset: Dataset
    vocabulary: Vocabulary

    @property
    def shacl_input(self) -> Graph:
        """The data the shapes validate (the ontology is merged in by the SHACL step)."""
        return union(self.dataset, ontology=False)

    @property
    def reasoner_input(self) -> Graph:
        """Ontology and domain statements; the assertion records and mappings add nothing the
        defined classes use, and leaving them out keeps HermiT fast."""
        skip = {PROVENANCE_GRAPH, MAPPINGS_GRAPH, INFERRED_GRAPH}
        merged = Graph()
        for graph in self.dataset.graphs():
            if graph.identifier not in skip:
                merged += graph
        return merged


def generate_project(
    layout: Layout,
    ontology: Graph,
    sources: Path | None = None,
    timings: dict[str, float] | None = None,
) -> Project:
    """Check the curated data against the ontology and generate the dataset; raises DataErrors."""
    times = timings if timings is not None else {}
    vocabulary = Vocabulary(ontology)
    with timed(times, "check curated data"):
        curation = load_curation(layout.root, vocabulary, sources or sources_dir(layout.root))
    with timed(times, "generate RDF"):
        dataset = generate(curation, ontology)
    return Project(curation, dataset, vocabulary)


@dataclass
class Checked:
    """What SHACL and HermiT found."""

    report: Report
    #: The rdf:type statements HermiT entails for curated individuals, in the classes asked.
    inferred: list[Triple] = field(default_factory=list)
    #: HermiT's verdict when the graph is inconsistent or has unsatisfiable classes.
    inconsistent: Inconsistent | None = None


def check(
    data: Graph | Sequence[Path],
    schema: Schema,
    reasoner_input: Graph | None,
    *,
    engine: str = "fast",
    classes: frozenset[URIRef] = frozenset(),
    stop_on_violations: bool = False,
    workdir: Path | None = None,
    timings: dict[str, float] | None = None,
) -> Checked:
    """SHACL on `data` merged with the ontology, while HermiT reasons over `reasoner_input`
    (None: no reasoning). The reasoner's scratch files go in `workdir`.

    Raises ValidationFailed at once on a violation if `stop_on_violations`, ReasonerError
    when HermiT cannot run, and `cartkg.errors.SourceError` for a data file that cannot be read.
    """
    times = timings if timings is not None else {}
    # HermiT (a Java process) reasons while SHACL validates.
    hermit = Hermit(reasoner_input, workdir) if reasoner_input is not None else None
    try:
        with timed(times, "SHACL (HermiT running alongside)"):
            report = shacl.validate(data, schema.shapes, schema.ontology, engine)
        if stop_on_violations and report.violations:
            raise ValidationFailed(shacl.violations_message(report), report)
        checked = Checked(report)
        if hermit is not None and reasoner_input is not None:
            with timed(times, "OWL reasoning (waiting for HermiT)"):
                try:
                    checked.inferred = inferred_types(hermit.output(), reasoner_input, set(classes))
                except Inconsistent as err:
                    checked.inconsistent = err
    finally:
        if hermit is not None:
            hermit.cancel()
    return checked


@contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 3)
