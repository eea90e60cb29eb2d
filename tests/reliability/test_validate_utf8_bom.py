"""Regression test for the reliability review 2026-12
(`../shared/reviews/2026-12-reliability-review.md`), area 7 row "UTF-8 BOM" and ranked failure
20: a Turtle file starting with a UTF-8 byte order mark (as some Windows tools write them) gave
exit 2, "... between columns 1 and 2: (U+FEFF) is not a valid subject or graph name", quoting the
invisible character.

A leading BOM is accepted in every syntax (and the line numbers of results stay right); a BOM
anywhere else is a syntax error whose message shows it as U+FEFF.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"
CARTKG = Path(sys.executable).with_name("cartkg")
BOM = "\ufeff".encode()
#: The line where kg:car-t-myeloma's statements start in broken.<syntax> (as in test_validate_cli).
MYELOMA_LINE = {"ttl": 19, "nt": 5, "nq": 5, "trig": 13, "rdf": 17, "jsonld": 37}


def validate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    options = ["--shapes", FIXTURES / "shapes.ttl", "--ontology", FIXTURES / "ontology.ttl"]
    return subprocess.run(
        [str(CARTKG), "validate", *options, "--no-reasoner", *map(str, args)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("syntax", sorted(MYELOMA_LINE))
def test_leading_bom_is_accepted_in_every_syntax(tmp_path: Path, syntax: str) -> None:
    path = tmp_path / f"bom.{syntax}"
    path.write_bytes(BOM + (FIXTURES / f"broken.{syntax}").read_bytes())
    run = validate(path, "--format", "json")
    assert run.returncode == 1, run.stderr  # the data's own violations, not a syntax error
    lines = {r["line"] for r in json.loads(run.stdout)["results"] if "myeloma" in r["focusNode"]}
    assert lines == {MYELOMA_LINE[syntax]}


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_leading_bom_is_accepted_gzipped_and_by_every_engine(tmp_path: Path, engine: str) -> None:
    good = tmp_path / "good.ttl"
    good.write_bytes(BOM + (FIXTURES / "good.ttl").read_bytes())
    zipped = tmp_path / "good.nt.gz"
    zipped.write_bytes(
        gzip.compress(BOM + b"<http://ex.org/a> <http://ex.org/p> <http://ex.org/b> .\n")
    )
    run = validate(good, zipped, "--engine", engine)
    assert run.returncode == 0, run.stderr
    assert "passed" in run.stdout


def test_bom_elsewhere_is_named_not_shown_as_an_invisible_character(tmp_path: Path) -> None:
    path = tmp_path / "inner.ttl"
    text = (FIXTURES / "good.ttl").read_text(encoding="utf-8")
    path.write_text(text + "\ufeff<http://ex.org/a> <http://ex.org/p> 1 .\n", encoding="utf-8")
    run = validate(path)
    assert run.returncode == 2
    line = len(text.splitlines()) + 1
    assert f"{path}:{line}: " in run.stderr
    assert "U+FEFF" in run.stderr and "\ufeff" not in run.stderr


def test_leading_bom_is_accepted_when_shapes_push_the_run_onto_pyshacl(tmp_path: Path) -> None:
    """Shapes the fast engine leaves to pySHACL make it read the data files again, with rdflib,
    whose N-Triples parser refuses a byte order mark."""
    shapes = tmp_path / "recursive.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ;\n"
        "  sh:qualifiedValueShape ex:S ; sh:qualifiedMinCount 0 ] .\n",
        encoding="utf-8",
    )
    data = tmp_path / "bom.nt"
    data.write_bytes(BOM + b"<http://ex.org/a> <http://ex.org/p> <http://ex.org/b> .\n")
    run = subprocess.run(
        [CARTKG, "validate", "--shapes", shapes, "--ontology", FIXTURES / "ontology.ttl",
         "--no-reasoner", data],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "passed" in run.stdout
