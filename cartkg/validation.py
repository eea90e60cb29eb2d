"""`cartkg validate`: check RDF files against SHACL shapes and an OWL ontology, for CI.

Exit codes: 0 the data conforms (no result at or above `--fail-on`); 1 it does not; 2 the
check could not run (a missing or unreadable file, a syntax error, named with its file and line,
an unknown extension or format, no Java for the reasoner; a symbolic link leading out of the
folder, a file that is not a regular one, an RDF/XML entity bomb: see `cartkg.rdffiles`).

The data files (any syntax `cartkg.rdffiles` knows, or directories of them) are merged into
one graph with the ontology, so that SHACL class targets see the subclass axioms; the shapes
validate that graph, and HermiT checks it is consistent and every class satisfiable. Without
files, the project's own graph is generated from the curated data. The ontology (by default
the project's, with its imports), the shapes and the steps are the build's: `cartkg.pipeline`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rdflib import OWL, Graph

from cartkg import pipeline, reasoning, reportfmt
from cartkg.errors import CartkgError, DataErrors, SourceError
from cartkg.paths import Layout, layout
from cartkg.rdffiles import Location, graph, locate, printable, rdf_files
from cartkg.report import Report, Result
from cartkg.shacl import shapes_files
from cartkg.vocabulary import ontology_files

EXIT_CONFORMS, EXIT_FAILS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("violation", "warning", "info")


@dataclass(frozen=True)
class Options:
    """What `cartkg validate` was asked; empty `shapes`/`ontology` mean the project's own."""

    project: Layout | None = None
    shapes: Sequence[Path] = ()
    ontology: Sequence[Path] = ()
    engine: str = "fast"
    fail_on: str = "violation"
    reasoner: bool = True
    #: Follow symbolic links that lead out of the folders (and working directory) named.
    follow_symlinks: bool = False


@dataclass
class Outcome:
    report: Report
    fail_on: str
    #: Where focus nodes (full IRIs) are stated in the input files.
    locations: dict[str, Location] = field(default_factory=dict)
    #: Results that come with their own place (curated data errors).
    placed: dict[Result, Location] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        failed = any(reportfmt.fails(r, self.fail_on) for r in self.report.results)
        return EXIT_FAILS if failed else EXIT_CONFORMS

    def render(self, fmt: str) -> str:
        return reportfmt.render(fmt, self.report, self.where, self.fail_on)

    def pieces(self, fmt: str) -> Iterable[str]:
        """The report in format `fmt`, in pieces to write as they come."""
        return reportfmt.pieces(fmt, self.report, self.where, self.fail_on)

    def where(self, result: Result) -> Location | None:
        if result in self.placed:
            return self.placed[result]
        node = reportfmt.iri(result.focus_node)
        return self.locations.get(node) if node else None


def validate(paths: Sequence[Path], options: Options = Options()) -> Outcome:
    """Load, validate, reason and locate, with the build's steps (`cartkg.pipeline`); raises
    `CartkgError` when the check cannot run."""
    project = options.project or layout()
    follow = options.follow_symlinks
    schema = pipeline.load_schema(
        rdf_files(options.ontology or ontology_files(project.ontology), follow_symlinks=follow),
        rdf_files(options.shapes or shapes_files(project.shapes), follow_symlinks=follow),
        project,
    )
    data_files = rdf_files(paths, follow_symlinks=follow) if paths else []
    data: Sequence[Path] | Graph = data_files
    reasoner_input: Graph | None = None
    if not paths:
        try:
            generated = pipeline.generate_project(project, schema.ontology)
        except DataErrors as errors:
            return _curation_outcome(errors, project, options.fail_on)
        data, reasoner_input = generated.shacl_input, generated.reasoner_input
    elif options.reasoner:
        reasoner_input = graph(data_files) + schema.ontology
    checked = pipeline.check(
        data, schema, reasoner_input if options.reasoner else None, engine=options.engine
    )
    report = checked.report
    if checked.inconsistent is not None:
        report.results.extend(reasoner_results(checked.inconsistent))
    outcome = Outcome(report, options.fail_on)
    wanted = {node for r in report.results if (node := reportfmt.iri(r.focus_node))}
    if wanted:
        outcome.locations = locate([*data_files, *schema.ontology_files], wanted)
    return outcome


def _curation_outcome(errors: DataErrors, project: Layout, fail_on: str) -> Outcome:
    """Curated data that breaks the schema, as results placed on the YAML lines."""
    outcome = Outcome(Report(conforms=False), fail_on)
    for err in errors.errors:
        result = Result(
            severity="Violation",
            focus_node=f"kg:{err.entity}" if err.entity else "(curated data)",
            result_path=err.field,
            value=None,
            source_shape="data/README.md",
            constraint_component="curated data schema",
            message=err.message,
        )
        outcome.report.results.append(result)
        if err.file:
            outcome.placed[result] = Location(project.root / err.file, err.line)
    return outcome


def consistency(graph: Graph, what: str = "ontology and data") -> list[Result]:
    """HermiT's verdict on `graph`, as report results (see `reasoner_results`); none when all
    is well. Raises `ReasonerError` when the reasoner cannot run (no Java, HermiT failed).
    """
    try:
        reasoning.infer_types(graph, set())
    except reasoning.Inconsistent as err:
        return reasoner_results(err, what)
    return []


def reasoner_results(err: reasoning.Inconsistent, what: str = "ontology and data") -> list[Result]:
    """One result per unsatisfiable class, or one for an inconsistency."""
    message = str(err)
    # `reasoning` lists the unsatisfiable classes after the colon; owl:Nothing always is.
    listed = message.partition("): ")[2] if "unsatisfiable" in message else ""
    classes = [c.strip() for c in listed.split(",") if c.strip() not in ("", str(OWL.Nothing))]
    if not classes:
        return [_reasoner_result(f"({what})", "inconsistency", message)]
    return [
        _reasoner_result(
            f"<{cls}>", "unsatisfiable class",
            "No individual can belong to this class: its axioms contradict each other.",
        )
        for cls in classes
    ]  # fmt: skip


def _reasoner_result(focus: str, component: str, message: str) -> Result:
    return Result(
        severity="Violation",
        focus_node=focus,
        result_path=None,
        value=None,
        source_shape="OWL reasoner (HermiT)",
        constraint_component=component,
        message=message,
    )


def parse_outputs(
    formats: Sequence[str], output: Path | None, known: Sequence[str] = reportfmt.FORMATS
) -> list[tuple[str, Path | None]]:
    """`--format FMT` or `--format FMT=FILE`, repeatable; `--output FILE` takes the one without.

    >>> parse_outputs(["text", "junit=out/junit.xml"], None)
    [('text', None), ('junit', PosixPath('out/junit.xml'))]
    >>> parse_outputs([], Path("report.txt"))
    [('text', PosixPath('report.txt'))]
    """
    outputs: list[tuple[str, Path | None]] = []
    for spec in formats or ["text"]:
        fmt, _, target = spec.partition("=")
        if fmt not in known:
            raise SourceError(f"unknown --format {fmt!r}; known: {', '.join(known)}")
        outputs.append((fmt, Path(target) if target else None))
    bare = [i for i, (_, target) in enumerate(outputs) if target is None]
    if output is not None:
        if len(bare) != 1:
            raise SourceError("--output needs exactly one --format without its own =FILE")
        outputs[bare[0]] = (outputs[bare[0]][0], output)
    return outputs


def write_reports(
    outputs: Sequence[tuple[str, Path | None]],
    render: Callable[[str], Iterable[str]],
    stdout: TextIO,
) -> None:
    """Each report asked for, to its file or to stdout. `render` gives a report as one string
    or in pieces, which are written as they come."""
    for fmt, target in outputs:
        if target is None:
            _write(render(fmt), stdout)
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8") as out:
                _write(render(fmt), out)
        except OSError as err:
            message = f"cannot write the {fmt} report: {err.strerror}"
            raise SourceError(message, file=str(target)) from None


def _write(report: Iterable[str], out: TextIO, batch: int = 1 << 20) -> None:
    """Write a report given whole or in pieces, gathered into writes of about `batch`
    characters: stdout may be unbuffered (PYTHONUNBUFFERED, usual in CI), each write then a
    system call."""
    pieces = [report] if isinstance(report, str) else report  # not character by character
    gathered: list[str] = []
    size = 0
    for piece in pieces:
        gathered.append(piece)
        size += len(piece)
        if size >= batch:
            out.write("".join(gathered))
            gathered, size = [], 0
    out.write("".join(gathered))


def run(
    paths: Sequence[Path],
    options: Options,
    formats: Sequence[str] = (),
    output: Path | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """The whole command: validate, write every report asked for, return the exit code."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr  # looked up now, not at import
    try:
        outputs = parse_outputs(formats, output)
        outcome = validate(paths, options)
        write_reports(outputs, outcome.pieces, stdout)
    except CartkgError as err:
        return could_not_run("validate", err, formats, stdout, stderr)
    summarise(outputs, outcome.report, options.fail_on, stderr)
    return outcome.exit_code


def could_not_run(
    command: str, err: CartkgError, formats: Sequence[str], stdout: TextIO, stderr: TextIO
) -> int:
    """Say why the command could not run (also as a GitHub annotation when one is asked for).

    A file's name is shown with its control characters spelt out: a line break in it could
    otherwise start a workflow command of its own in a CI log."""
    shown = printable(str(err), limit=1 << 16) if isinstance(err, SourceError) else str(err)
    stderr.write(f"cartkg {command}: error: {shown}\n")
    if any(spec.partition("=")[0] == "github" for spec in formats):
        stdout.write(github_error(err) + "\n")
    return EXIT_ERROR


def summarise(
    outputs: Sequence[tuple[str, Path | None]], report: Report, fail_on: str, stderr: TextIO
) -> None:
    """The one-line verdict on stderr, unless the text report already went to stdout."""
    if not any(fmt == "text" and target is None for fmt, target in outputs):
        stderr.write(reportfmt.summary(report, fail_on) + "\n")


def github_error(err: CartkgError) -> str:
    """An error that stopped the run, as a GitHub annotation on its file and line."""
    props: dict[str, str] = {}
    if isinstance(err, SourceError) and err.file:
        props["file"] = reportfmt.display(Path(err.file))
        if err.line:
            props["line"] = str(err.line)
    props["title"] = "cartkg could not run"
    message = err.message if isinstance(err, SourceError) else str(err)
    return reportfmt.annotation("error", message, props)
