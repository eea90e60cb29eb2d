"""`cartkg qc`: ontology quality checks in the manner of ROBOT's `report`, plus OWL reasoning.

Each check is a SPARQL SELECT in `ontology/qc/<name>.rq` returning `?entity ?property ?value`
(one row per problem), with a header of `#+ key: value` lines (grlc's YAML, as the canned
queries: `cartkg.decorators`):

    #+ name: missing_label          (the file's name)
    #+ level: ERROR                 (ERROR, WARN or INFO)
    #+ external: skip               (the level for terms not in the ontology's namespace,
    #+                               or skip; default: the same level)
    #+ description: What is wrong, in a sentence; indented `#+` lines continue it
    #+   (a YAML plain scalar: no ": " or " #" inside; quote it if it needs them).

The checks run on pyoxigraph (rdflib's SPARQL drops rows on VALUES + OPTIONAL, rdflib issue
#2332), on the ontology set the build reads (`vocabulary.ontology_files`: the imports too). The
ontology's own terms (https://w3id.org/cartkg/ontology/...) get the strict level. Other terms
get the `external` one: imported terms and the import modules themselves, and the graph's
entities (kg:cd19) that the ontology names, whose labels and descriptions live in the curated
data. Terms of RDF, RDFS, OWL and XSD themselves are never reported. HermiT then checks the
ontology is consistent and every class satisfiable; a failure names the classes.

Exit codes as `cartkg validate`: 0 nothing at or above `--fail-on` (default ERROR), 1 something,
2 could not run.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pyoxigraph import BlankNode, NamedNode, Store
from pyoxigraph import Literal as OxLiteral
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from cartkg import decorators, reportfmt
from cartkg.errors import CartkgError, SourceError
from cartkg.namespaces import ONTOLOGY_IRI
from cartkg.paths import layout
from cartkg.rdffiles import graph, load, locate, rdf_files
from cartkg.report import Report, Result, compact
from cartkg.validation import (
    Outcome,
    consistency,
    could_not_run,
    parse_outputs,
    summarise,
    write_reports,
)

#: The imported term modules (ontology/imports/): extracts of other ontologies, judged as
#: their terms are.
IMPORTS = ONTOLOGY_IRI + "/imports/"
LEVELS = {"ERROR": "Violation", "WARN": "Warning", "INFO": "Info"}
FAIL_ON = {"error": "violation", "warn": "warning", "info": "info"}
FORMATS = (*reportfmt.FORMATS, "tsv")
BUILTIN = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ERROR, WARN or INFO
    external: str | None  # the level for external terms; None: not checked for them
    description: str
    query: str

    @classmethod
    def read(cls, path: Path) -> Check:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise SourceError(f"cannot read: {err}", file=str(path)) from None
        header = decorators.read(text, str(path))
        fields = {k: "" if v is None else str(v).strip() for k, v in header.values.items()}
        for key in ("name", "level", "description"):
            if not fields.get(key):
                raise header.error(f"the header has no '#+ {key}:' line")
        if fields["name"] != path.stem:
            raise header.error(f"name {fields['name']!r} is not the file's", "name")
        external = fields.get("external", fields["level"])
        for key, value in (("level", fields["level"]), ("external", external)):
            if value not in LEVELS and not (key == "external" and value == "skip"):
                known = ", ".join([*LEVELS, "skip"] if key == "external" else LEVELS)
                raise header.error(f"{key} {value!r}: expected {known}", key)
        return cls(
            name=fields["name"],
            level=fields["level"],
            external=None if external == "skip" else external,
            description=fields["description"],
            query=text,
        )

    def level_for(self, entity: str | None) -> str | None:
        """The level of a problem with `entity` (a full IRI, or None for the ontology itself)."""
        if entity is None or (entity.startswith(ONTOLOGY_IRI) and not entity.startswith(IMPORTS)):
            return self.level
        if entity.startswith(BUILTIN):
            return None
        return self.external


def checks_dir() -> Path:
    return layout().ontology / "qc"


def load_checks(directory: Path | None = None) -> list[Check]:
    folder = directory or checks_dir()
    found = [Check.read(path) for path in sorted(folder.glob("*.rq"))]
    if not found:
        raise SourceError("no QC checks (*.rq) found", file=str(folder))
    return found


def _node(term: object) -> Node | None:
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if isinstance(term, OxLiteral):
        datatype = None if term.language else URIRef(term.datatype.value)
        return Literal(term.value, lang=term.language, datatype=datatype)
    return None


def run_checks(store: Store, checks: Sequence[Check]) -> list[Result]:
    """Every problem the checks find in the store's default graph, as report results."""
    results = []
    for check in checks:
        try:
            rows = store.query(check.query)
        except SyntaxError as err:
            raise SourceError(f"SPARQL syntax error: {err}", file=f"qc/{check.name}.rq") from None
        for row in rows:  # type: ignore[union-attr]
            entity, prop, value = (_node(row[v]) for v in ("entity", "property", "value"))
            level = check.level_for(str(entity) if isinstance(entity, URIRef) else None)
            if level is None:
                continue
            results.append(
                Result(
                    severity=LEVELS[level],
                    focus_node=compact(entity) if entity is not None else "(ontology)",
                    result_path=compact(prop) or None,
                    value=compact(value) if value is not None else None,
                    source_shape=check.name,
                    constraint_component=f"qc/{check.name}.rq",
                    message=check.description,
                )
            )
    return results


def quality_check(
    files: Sequence[Path], checks: Sequence[Check] | None = None, reasoner: bool = True,
    fail_on: str = "error",
) -> Outcome:  # fmt: skip
    """Run the checks (and HermiT) on the ontology files; `fail_on` is ERROR, WARN or INFO."""
    files = rdf_files(files)
    results = run_checks(load(files), checks if checks is not None else load_checks())
    if reasoner:
        results.extend(consistency(graph(files), "ontology"))
    outcome = Outcome(Report(conforms=not results, results=results), FAIL_ON[fail_on.lower()])
    wanted = {node for r in results if (node := reportfmt.iri(r.focus_node))}
    if wanted:
        outcome.locations = locate(files, wanted)
    return outcome


def tsv(outcome: Outcome) -> str:
    """ROBOT's report table: Level, Rule Name, Subject, Property, Value."""
    levels = {severity: level for level, severity in LEVELS.items()}
    rows = ["Level\tRule Name\tSubject\tProperty\tValue"]
    order = {"ERROR": 0, "WARN": 1, "INFO": 2}
    results = outcome.report.results
    for r in sorted(results, key=lambda r: (order[levels[r.severity]], r.source_shape or "",
                                            r.focus_node, r.value or "")):  # fmt: skip
        cells = [levels[r.severity], r.source_shape, r.focus_node, r.result_path, r.value]
        rows.append("\t".join((c or "").replace("\t", " ").replace("\n", " ") for c in cells))
    return "\n".join(rows) + "\n"


def run(
    files: Sequence[Path],
    formats: Sequence[str] = (),
    fail_on: str = "error",
    reasoner: bool = True,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """The `cartkg qc` command: check, write the reports asked for, return the exit code."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr  # looked up now, not at import
    try:
        outputs = parse_outputs(formats, None, known=FORMATS)
        outcome = quality_check(files, reasoner=reasoner, fail_on=fail_on)
        render = outcome.render
        write_reports(outputs, lambda fmt: tsv(outcome) if fmt == "tsv" else render(fmt), stdout)
    except CartkgError as err:
        return could_not_run("qc", err, formats, stdout, stderr)
    summarise(outputs, outcome.report, outcome.fail_on, stderr)
    return outcome.exit_code
