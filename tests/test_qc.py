"""`cartkg qc`: each ROBOT-style check fails on its fixture ontology and on nothing else, the
project's ontology passes, and the reasoner names unsatisfiable classes.

tests/fixtures/qc/<check>.ttl is clean.ttl with one thing broken, the one its check is about.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartkg.cli import main
from cartkg.errors import SourceError
from cartkg.qc import Check, load_checks, quality_check

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qc"
CHECKS = {check.name: check for check in load_checks()}
#: Fixtures that are not about one check.
OTHER_FIXTURES = {"clean", "external_terms", "inconsistent", "unsatisfiable"}
needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the OWL reasoner (HermiT) needs Java on PATH"
)


def rules(path: Path) -> dict[str, set[str]]:
    """The checks that fire on an ontology file (reasoner off), each with its severities."""
    found: dict[str, set[str]] = {}
    for result in quality_check([path], reasoner=False).report.results:
        found.setdefault(result.source_shape or "", set()).add(result.severity)
    return found


def test_every_check_has_a_fixture_and_every_fixture_a_check() -> None:
    fixtures = {path.stem for path in FIXTURES.glob("*.ttl")}
    assert fixtures - OTHER_FIXTURES == set(CHECKS)


def test_the_clean_fixture_passes_every_check() -> None:
    assert rules(FIXTURES / "clean.ttl") == {}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_check_fails_on_its_fixture_and_only_it_does(name: str) -> None:
    level = {"ERROR": "Violation", "WARN": "Warning", "INFO": "Info"}[CHECKS[name].level]
    assert rules(FIXTURES / f"{name}.ttl") == {name: {level}}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_check_has_a_level_and_a_description(name: str) -> None:
    check = CHECKS[name]
    assert check.level in ("ERROR", "WARN", "INFO")
    assert check.external in (None, "ERROR", "WARN", "INFO")
    assert len(check.description) > 20 and check.description.endswith(".")


def test_external_terms_are_judged_by_looser_rules() -> None:
    # An unlabelled imported class is not reported at all; an imported label with a trailing
    # space is a warning (an error for our own terms); an undeclared import is only noted.
    assert rules(FIXTURES / "external_terms.ttl") == {
        "label_whitespace": {"Warning"},
        "undeclared_term": {"Info"},
    }


def test_the_problem_is_placed_on_its_line() -> None:
    run = CliRunner().invoke(
        main, ["qc", "--no-reasoner", "--format", "github", str(FIXTURES / "undeclared_term.ttl")]
    )
    assert run.exit_code == 1
    text = (FIXTURES / "undeclared_term.ttl").read_text().splitlines()
    line = next(number for number, line in enumerate(text, 1) if "Therapie" in line)
    assert f"undeclared_term.ttl,line={line},title=Violation undeclared_term::" in run.stdout
    assert "cartkg:Therapie" in run.stdout


@pytest.mark.parametrize(
    ("fail_on", "exit_code"), [("error", 0), ("warn", 1), ("info", 1)]
)  # fmt: skip
def test_fail_on_sets_the_lowest_failing_level(fail_on: str, exit_code: int) -> None:
    path = FIXTURES / "missing_domain.ttl"  # a WARN check
    run = CliRunner().invoke(main, ["qc", "--no-reasoner", "--fail-on", fail_on, str(path)])
    assert run.exit_code == exit_code, run.output


def test_reports_in_robot_tsv_json_and_junit(tmp_path: Path) -> None:
    junit = tmp_path / "qc.xml"
    path = FIXTURES / "multiple_labels.ttl"
    run = CliRunner().invoke(main, ["qc", "--no-reasoner", "--format", "tsv", "--format",
                                    f"junit={junit}", str(path)])  # fmt: skip
    assert run.exit_code == 1
    header, *rows = run.stdout.splitlines()
    assert header == "Level\tRule Name\tSubject\tProperty\tValue"
    (row,) = rows
    level, rule, subject, prop, value = row.split("\t")
    assert [level, rule, subject, prop] == [
        "ERROR",
        "multiple_labels",
        "cartkg:Disease",
        "rdfs:label",
    ]
    assert sorted(value.split('"')[1].split(" | ")) == ["disease", "illness"]
    failure = ET.parse(junit).getroot().find("testsuite[@name='multiple_labels']/testcase/failure")
    assert failure is not None
    report = json.loads(
        CliRunner().invoke(main, ["qc", "--no-reasoner", "--format", "json", str(path)]).stdout
    )
    assert [r["sourceShape"] for r in report["results"]] == ["multiple_labels"]


def test_a_check_with_a_bad_header_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "odd_check.rq"
    bad.write_text("#+ name: odd_check\n#+ level: SEVERE\n#+ description: Odd.\nSELECT * {}\n")
    with pytest.raises(SourceError, match=r"odd_check\.rq:2: level 'SEVERE'"):
        Check.read(bad)
    bad.write_text("#+ name: other\n#+ level: INFO\n#+ description: Odd.\nSELECT * {}\n")
    with pytest.raises(SourceError, match="not the file's"):
        Check.read(bad)


def test_an_unreadable_ontology_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://ex.org/> .\nex:a ex:b .\n")
    run = CliRunner().invoke(main, ["qc", "--no-reasoner", str(broken)])
    assert run.exit_code == 2
    assert f"{broken}:2:" in run.stderr


@needs_java
def test_unsatisfiable_classes_fail_with_the_classes_named() -> None:
    outcome = quality_check([FIXTURES / "unsatisfiable.ttl"])
    assert outcome.exit_code == 1
    assert [r.focus_node for r in outcome.report.results] == [
        "<https://w3id.org/cartkg/ontology/Chimera>"
    ]


@needs_java
def test_an_inconsistent_ontology_fails() -> None:
    run = CliRunner().invoke(main, ["qc", "--format", "json", str(FIXTURES / "inconsistent.ttl")])
    assert run.exit_code == 1
    (result,) = json.loads(run.stdout)["results"]
    assert result["constraintComponent"] == "inconsistency"
    assert result["sourceShape"] == "OWL reasoner (HermiT)"


@needs_java
def test_the_project_ontology_passes() -> None:
    run = CliRunner().invoke(main, ["qc", "--format", "tsv"])
    assert run.exit_code == 0, run.output
    assert "\nERROR\t" not in run.stdout


def test_every_check_is_documented() -> None:
    docs = (FIXTURES.parent.parent.parent / "docs" / "validation.md").read_text(encoding="utf-8")
    assert [name for name in CHECKS if f"| `{name}` |" not in docs] == []
