"""The SHACL step of the build and of `cartkg validate`: the shapes, and one runner for both
engines (`cartkg.fastshacl.validate`, whose `engine="pyshacl"` is the reference)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from cartkg import fastshacl
from cartkg.errors import SourceError
from cartkg.fastshacl.files import Unreadable
from cartkg.namespaces import PREFIXES
from cartkg.rdffiles import graph, parse_file, printable
from cartkg.report import Report
from cartkg.vocabulary import load_files

#: Warnings and infos do not make data non-conforming, in the build and in `cartkg validate`
#: (where --fail-on decides), whichever engine runs.
ALLOW_WARNINGS = True
ENGINES = ("fast", "pyshacl")
#: Listed in the build's failure message; `cartkg validate` prints them all.
SHOWN_VIOLATIONS = 25


def shapes_files(shapes_dir: Path) -> list[Path]:
    return sorted(shapes_dir.glob("*.ttl"))


def load_shapes(shapes_dir: Path) -> Graph:
    """Every Turtle file in the shapes folder, as one graph."""
    return load_files(shapes_files(shapes_dir), shapes_dir, "shapes")


def validate(
    data: Graph | Sequence[Path], shapes: Graph, ontology: Graph, engine: str = "fast"
) -> Report:
    """Validate `data` (a graph, or RDF files) merged with `ontology`, so that subclasses reach
    class targets. No RDFS/OWL inference is run: the subclass axioms are enough for SHACL's
    own `rdfs:subClassOf` handling. Raises `SourceError` for a file that cannot be read.
    """
    if engine not in ENGINES:
        raise SourceError(f"unknown --engine {engine!r}; known: {', '.join(ENGINES)}")
    if engine == "pyshacl" and not isinstance(data, Graph):
        data = graph(data)  # read as every file is, errors named the same way
    try:
        report = fastshacl.validate(
            data,
            shapes,
            ontology,
            engine="fast" if engine == "fast" else "pyshacl",
            allow_warnings=ALLOW_WARNINGS,
            prefixes=PREFIXES,
        )
    except Unreadable as err:
        raise SourceError(printable(err.message), file=str(err.file), line=err.line) from None
    except SyntaxError as err:
        for path in [] if isinstance(data, Graph) else data:  # to name the file and line
            for _ in parse_file(path):
                pass
        raise SourceError(f"syntax error: {printable(str(err))}") from None
    return Report.of_fastshacl(report)


def violations_message(report: Report) -> str:
    shown = [f"  {r.text()}" for r in report.violations[:SHOWN_VIOLATIONS]]
    more = len(report.violations) - len(shown)
    if more:
        shown.append(f"  ... and {more} more (`cartkg validate` lists them all)")
    return f"SHACL validation found {len(report.violations)} violation(s):\n" + "\n".join(shown)
