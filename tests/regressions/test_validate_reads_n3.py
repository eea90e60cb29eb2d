"""`cartkg validate x.n3` failed with "unknown RDF syntax '.n3'", though the build's loader and
fastshacl's read `.n3`: three tables of RDF syntaxes by extension disagreed (architecture
review 2026-12, section 1.5 "RDF syntax by extension, and loaders")."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartkg.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"


def validate(*args: str | Path) -> Result:
    options = ["--shapes", FIXTURES / "shapes.ttl", "--ontology", FIXTURES / "ontology.ttl"]
    return CliRunner().invoke(main, ["validate", "--no-reasoner", *map(str, [*options, *args])])


def results(run: Result) -> set[tuple[str, str, str]]:
    report = json.loads(run.stdout)
    return {(r["focusNode"], r["resultPath"], r["constraintComponent"]) for r in report["results"]}


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_n3_gives_the_results_of_the_same_turtle(engine: str, tmp_path: Path) -> None:
    # Turtle is N3: the same statements, read by the N3 parsers.
    n3 = tmp_path / "broken.n3"
    shutil.copy(FIXTURES / "broken.ttl", n3)
    as_n3 = validate(n3, "--format", "json", "--engine", engine)
    as_turtle = validate(FIXTURES / "broken.ttl", "--format", "json", "--engine", engine)
    assert as_n3.exit_code == 1, as_n3.output
    assert results(as_n3) == results(as_turtle) != set()
    assert all(r["file"] == str(n3) for r in json.loads(as_n3.stdout)["results"] if "file" in r)


def test_n3_lines_are_found_and_gzipped_n3_is_read(tmp_path: Path) -> None:
    n3 = tmp_path / "broken.n3.gz"
    n3.write_bytes(gzip.compress((FIXTURES / "broken.ttl").read_bytes()))
    run = validate(n3, "--format", "github")
    assert run.exit_code == 1, run.output
    assert "line=19," in run.stdout  # kg:car-t-myeloma's statements start there


def test_good_n3_conforms(tmp_path: Path) -> None:
    n3 = tmp_path / "good.n3"
    shutil.copy(FIXTURES / "good.ttl", n3)
    run = validate(n3)
    assert run.exit_code == 0, run.output
