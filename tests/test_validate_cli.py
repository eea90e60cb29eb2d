"""`cartkg validate` as a CI tool: exit codes, every input syntax, every report format.

The fixtures in tests/fixtures/validate/ bring their own small ontology and shapes (one
constraint per severity), so these tests do not move when the project's shapes grow.
`broken.*` holds the same statements in six syntaxes, with five results: three violations (two
on kg:car-t-lupus, one on kg:car-t-myeloma), one warning and one info.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from cartkg import reportfmt
from cartkg.cli import main
from cartkg.fastshacl.syntax import SYNTAXES
from cartkg.rdffiles import Location, locate
from cartkg.report import Report
from cartkg.report import Result as ReportResult
from cartkg.validation import write_reports

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
SHAPES = FIXTURES / "shapes.ttl"
ONTOLOGY = FIXTURES / "ontology.ttl"
BROKEN = FIXTURES / "broken.ttl"
VIOLATIONS, RESULTS = 3, 5  # in broken.*: see the fixture's comment
#: The line where kg:car-t-myeloma's statements start, in each syntax.
MYELOMA_LINE = {"ttl": 19, "nt": 5, "nq": 5, "trig": 13, "rdf": 17, "jsonld": 37}
needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the OWL reasoner (HermiT) needs Java on PATH"
)


def validate(*args: str | Path, reasoner: bool = False) -> Result:
    """Run `cartkg validate` with the fixture shapes and ontology (and no reasoner, for speed)."""
    options = ["--shapes", str(SHAPES), "--ontology", str(ONTOLOGY)]
    if not reasoner:
        options.append("--no-reasoner")
    return CliRunner().invoke(main, ["validate", *options, *map(str, args)])


def results(run: Result) -> set[tuple[str, str, str]]:
    """What a JSON report says, without the places: (focus node, path, component)."""
    report = json.loads(run.stdout)
    return {(r["focusNode"], r["resultPath"], r["constraintComponent"]) for r in report["results"]}


# ---- exit codes -----------------------------------------------------------------------------


def test_good_data_conforms_with_exit_0() -> None:
    run = validate(FIXTURES / "good.ttl")
    assert run.exit_code == 0, run.output
    assert "passed: 0 violations, 0 warnings, 0 info" in run.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_broken_data_fails_with_exit_1_in_every_format(fmt: str) -> None:
    run = validate(BROKEN, "--format", fmt)
    assert run.exit_code == 1, run.output
    assert "car-t-myeloma" in run.stdout


@pytest.mark.parametrize(
    ("fail_on", "exit_code", "failures"),
    [("violation", 0, 0), ("warning", 1, 1), ("info", 1, 2)],
)
def test_fail_on_sets_the_lowest_failing_severity(
    fail_on: str, exit_code: int, failures: int
) -> None:
    run = validate(FIXTURES / "warnings.ttl", "--fail-on", fail_on, "--format", "junit")
    assert run.exit_code == exit_code, run.output
    suites = ET.fromstring(run.stdout)
    assert suites.get("failures") == str(failures)
    assert len(suites.findall(".//failure")) == failures


#: tests/fixtures/validate/syntax/bad.<syntax>, and the line of its error (its comment says).
SYNTAX_ERROR_LINE = {"ttl": 5, "nt": 3, "nq": 4, "trig": 5, "rdf": 5, "jsonld": 3}


@pytest.mark.parametrize("syntax", sorted(SYNTAX_ERROR_LINE))
def test_syntax_error_exits_2_naming_file_and_line(syntax: str) -> None:
    path, line = FIXTURES / "syntax" / f"bad.{syntax}", SYNTAX_ERROR_LINE[syntax]
    run = validate(path, "--format", "github")
    assert run.exit_code == 2, run.output
    assert f"{path}:{line}: " in run.stderr
    assert "syntax error" in run.stderr
    annotation = rf"^::error file=[^,]*bad\.{syntax},line={line},title=[^:]*::.*syntax error"
    assert re.search(annotation, run.stdout, re.M), run.stdout


def test_unknown_extension_exits_2_listing_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not RDF\n", encoding="utf-8")
    run = validate(path)
    assert run.exit_code == 2
    assert str(path) in run.stderr
    assert all(suffix in run.stderr for suffix in SYNTAXES)


def test_syntax_error_quotes_one_line_of_at_most_200_characters(tmp_path: Path) -> None:
    """RDF/XML's parser quotes a whole text node: only its first line is shown, cut to 200
    characters, so that a file's text cannot start workflow commands of its own in a CI log."""
    path = tmp_path / "text.rdf"
    stray = "x" * 5000 + "\n::warning::injected\n"
    path.write_text(
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">{stray}</rdf:RDF>\n',
        encoding="utf-8",
    )
    run = validate(path, "--format", "github")
    assert run.exit_code == 2
    assert "::warning" not in run.stderr + run.stdout
    [line] = run.stderr.splitlines()
    assert "x" * 100 in line and "x" * 201 not in line


def test_syntax_error_in_a_file_that_is_not_rdf_quotes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "notes.ttl"
    path.write_text("password = hunter2\n", encoding="utf-8")
    run = validate(path, "--format", "github")
    assert run.exit_code == 2
    assert f"{path}:1: Turtle syntax error: " in run.stderr and "not quoted" in run.stderr
    assert "password" not in run.stderr + run.stdout


def test_missing_file_exits_2(tmp_path: Path) -> None:
    run = validate(tmp_path / "absent.ttl")
    assert run.exit_code == 2
    assert "absent.ttl" in run.stderr and "no such file" in run.stderr


def test_unknown_format_exits_2() -> None:
    run = validate(BROKEN, "--format", "html")
    assert run.exit_code == 2
    assert "unknown --format 'html'" in run.stderr


@needs_java
def test_inconsistency_with_the_ontology_fails_only_with_the_reasoner() -> None:
    path = FIXTURES / "inconsistent.ttl"
    assert validate(path).exit_code == 0
    run = validate(path, "--format", "json", reasoner=True)
    assert run.exit_code == 1, run.output
    found = json.loads(run.stdout)["results"]
    assert [r["constraintComponent"] for r in found] == ["inconsistency"]
    assert "HermiT" in found[0]["message"]


# ---- inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("syntax", sorted(MYELOMA_LINE))
def test_every_syntax_gives_the_same_results_and_the_line(syntax: str) -> None:
    expected = results(validate(BROKEN, "--format", "json"))
    path = FIXTURES / f"broken.{syntax}"
    run = validate(path, "--format", "json")
    assert run.exit_code == 1, run.output
    assert results(run) == expected
    myeloma = [r for r in json.loads(run.stdout)["results"] if r["focusNode"] == "kg:car-t-myeloma"]
    assert myeloma
    assert all(r["file"].endswith(f"broken.{syntax}") for r in myeloma)
    assert {r["line"] for r in myeloma} == {MYELOMA_LINE[syntax]}


def test_lines_are_found_past_long_strings_and_relative_iris(tmp_path: Path) -> None:
    path = tmp_path / "tricky.ttl"
    path.write_text(
        "@prefix ex: <http://ex.org/> .\n"
        "@base <http://ex.org/> .\n"
        'ex:a ex:note """a long string\n'
        "ex:b is named in it, not stated\n"
        '""" .\n'
        "<b> ex:p ex:a ;\n"
        "    ex:q ex:c .\n",
        encoding="utf-8",
    )
    found = locate([path], {"http://ex.org/a", "http://ex.org/b", "http://ex.org/c"})
    assert {iri[-1]: place.line for iri, place in found.items()} == {"a": 3, "b": 6, "c": 7}


def test_lines_follow_a_prefix_redefined_midway(tmp_path: Path) -> None:
    path = tmp_path / "prefixes.ttl"
    path.write_text(
        "@prefix ex: <http://one.org/> .\n"
        "ex:a ex:p 1 .\n"
        "@prefix ex: <http://two.org/> .\n"
        "ex:a ex:p ex:z ,\n"
        "    ex:b, ex:c .\n"
        "<http://one.org/c> ex:p 2 .\n",
        encoding="utf-8",
    )
    found = locate([path], {"http://one.org/a", "http://two.org/a", "http://two.org/b",
                            "http://one.org/c"})  # fmt: skip
    assert {iri: place.line for iri, place in found.items()} == {
        "http://one.org/a": 2, "http://two.org/a": 4, "http://two.org/b": 5, "http://one.org/c": 6
    }  # fmt: skip


def test_gzipped_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl.gz"
    path.write_bytes(gzip.compress(BROKEN.read_bytes()))
    run = validate(path, "--format", "json")
    assert run.exit_code == 1
    assert results(run) == results(validate(BROKEN, "--format", "json"))
    assert {r["line"] for r in json.loads(run.stdout)["results"]} == {8, 14, 19}


def test_a_directory_is_validated_as_one_graph() -> None:
    folder = FIXTURES / "dir"  # therapies.ttl + diseases.nt, and a README.txt that is skipped
    assert validate(folder).exit_code == 0
    alone = validate(folder / "therapies.ttl")
    assert alone.exit_code == 1
    assert "A therapy needs an indication" in alone.stdout


def test_project_shapes_and_ontology_are_the_default() -> None:
    run = CliRunner().invoke(main, ["validate", "--no-reasoner", "--format", "json", str(BROKEN)])
    assert run.exit_code in (0, 1), run.output
    assert {"conforms", "results", "counts"} <= json.loads(run.stdout).keys()


def test_the_project_graph_passes() -> None:
    """Without files, the graph generated from the curated data is validated: it must pass."""
    run = CliRunner().invoke(main, ["validate", "--no-reasoner"])
    assert run.exit_code == 0, run.output


def test_engines_agree() -> None:
    fast = validate(BROKEN, "--format", "json", "--engine", "fast")
    reference = validate(BROKEN, "--format", "json", "--engine", "pyshacl")
    assert results(fast) == results(reference)


# ---- report formats -------------------------------------------------------------------------


def test_text_groups_by_shape_then_focus_node_with_message_and_value() -> None:
    out = validate(BROKEN).stdout
    groups: dict[str, list[str]] = {}
    for line in out.splitlines():
        if line and not line.startswith(" "):
            shape = groups.setdefault(line, [])
        elif line.startswith("  kg:"):
            shape.append(line)
    assert sum(map(len, groups.values())) >= 4
    assert all(len(focus) == len(set(focus)) for focus in groups.values())  # grouped by focus
    assert "Planned enrolment must be a whole number, zero or more." in out
    assert 'value "about twenty"' in out
    assert "broken.ttl:14)" in out
    verdict = "FAILED: 3 violations, 1 warning, 1 info (failing on violation and above)"
    assert out.rstrip().endswith(verdict)


def test_json_report() -> None:
    report = json.loads(validate(BROKEN, "--format", "json").stdout)
    assert report["conforms"] is False and report["failed"] is True
    assert report["counts"] == {"Violation": VIOLATIONS, "Warning": 1, "Info": 1}
    assert all(r["file"].endswith("broken.ttl") and r["line"] for r in report["results"])
    assert report["prefixes"]["kg"] == "https://w3id.org/cartkg/id/"


def test_junit_xml_parses_as_test_suites() -> None:
    run = validate(BROKEN, "--format", "junit")
    root = ET.fromstring(run.stdout)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    cases = root.findall("testsuite/testcase")
    assert suites and all(suite.findall("testcase") for suite in suites)
    assert root.get("tests") == str(len(cases)) == str(RESULTS)
    assert root.get("failures") == str(len(root.findall("testsuite/testcase/failure")))
    assert root.get("failures") == str(VIOLATIONS)
    for suite in suites:
        assert suite.get("tests") == str(len(suite.findall("testcase")))
        assert suite.get("failures") == str(len(suite.findall("testcase/failure")))
    for case in cases:
        assert case.get("name") and case.get("classname")
        assert case.get("file", "").endswith("broken.ttl") and case.get("line", "").isdigit()
    failure = root.find("testsuite/testcase[@line='19']/failure")
    assert failure is not None and failure.get("message") == "A therapy needs a label."


def test_junit_for_clean_data_is_one_passing_case() -> None:
    root = ET.fromstring(validate(FIXTURES / "good.ttl", "--format", "junit").stdout)
    assert [case.get("name") for case in root.iter("testcase")] == ["conforms"]
    assert root.get("failures") == "0"


# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that this report uses:
# the required properties and the enumerations, as the official schema states them.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"enum": ["2.1.0"]},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "run": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {
                    "type": "object",
                    "required": ["driver"],
                    "properties": {"driver": {"$ref": "#/definitions/toolComponent"}},
                },
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            },
        },
        "toolComponent": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "rules": {"type": "array", "items": {"$ref": "#/definitions/reportingDescriptor"}},
            },
        },
        "reportingDescriptor": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "shortDescription": {"$ref": "#/definitions/message"},
            },
        },
        "message": {
            "type": "object",
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
            "properties": {"text": {"type": "string"}},
        },
        "result": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/definitions/message"},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
            },
        },
        "location": {
            "type": "object",
            "properties": {
                "physicalLocation": {
                    "type": "object",
                    "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
                    "properties": {
                        "artifactLocation": {
                            "type": "object",
                            "properties": {"uri": {"type": "string", "format": "uri-reference"}},
                        },
                        "region": {
                            "type": "object",
                            "properties": {"startLine": {"type": "integer", "minimum": 1}},
                        },
                    },
                },
            },
        },
    },
}  # fmt: skip


def test_sarif_has_the_2_1_0_structure() -> None:
    log = json.loads(validate(BROKEN, "--format", "sarif").stdout)
    jsonschema.validate(log, SARIF_SUBSET)
    assert log["version"] == "2.1.0"
    assert "sarif-schema-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "cartkg"
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == RESULTS
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith("broken.ttl")
        assert physical["region"]["startLine"] in (8, 14, 19)
    levels = sorted(r["level"] for r in run["results"])
    assert levels == ["error"] * VIOLATIONS + ["note", "warning"]


def test_github_annotations_carry_file_and_line() -> None:
    lines = validate(BROKEN, "--format", "github").stdout.splitlines()
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),title=[^:]+::(.+)$")
    matches = [pattern.match(line) for line in lines]
    assert len(lines) == RESULTS and all(matches), lines
    commands = sorted(m.group(1) for m in matches if m)
    assert commands == ["error"] * VIOLATIONS + ["notice", "warning"]
    assert all(m.group(2).endswith("broken.ttl") for m in matches if m)
    myeloma = [m for m in matches if m and m.group(3) == "19"]
    assert myeloma and "A therapy needs a label." in myeloma[0].group(4)


def test_several_formats_at_once_and_to_files(tmp_path: Path) -> None:
    junit, sarif = tmp_path / "out" / "junit.xml", tmp_path / "cartkg.sarif"
    run = validate(BROKEN, "--format", "github", "--format", f"junit={junit}",
                   "--format", f"sarif={sarif}")  # fmt: skip
    assert run.exit_code == 1
    assert run.stdout.startswith("::error ")
    assert ET.parse(junit).getroot().tag == "testsuites"
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert "FAILED" in run.stderr  # no text report on stdout: the verdict goes to stderr


def test_output_takes_the_format_without_a_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    run = validate(BROKEN, "--format", "json", "--output", str(target))
    assert run.exit_code == 1 and run.stdout == ""
    assert json.loads(target.read_text())["failed"] is True
    clash = validate(BROKEN, "--format", "json", "--format", "text", "--output", str(target))
    assert clash.exit_code == 2


@pytest.mark.parametrize("fmt", reportfmt.FORMATS)
def test_a_report_written_to_a_file_is_the_one_on_stdout(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"report.{fmt}"
    run = validate(BROKEN, "--format", fmt, "--format", f"{fmt}={target}")
    assert run.exit_code == 1
    assert run.stdout == target.read_text(encoding="utf-8")


def test_a_report_in_pieces_is_written_in_a_few_large_writes() -> None:
    """stdout may be unbuffered (PYTHONUNBUFFERED), each write then a system call: a report's
    many small pieces must not each be one."""

    class Writes(io.StringIO):
        count = 0

        def write(self, text: str) -> int:
            self.count += 1
            return super().write(text)

    pieces = [f"line {i}\n" for i in range(100_000)]
    out = Writes()
    write_reports([("text", None)], lambda _: iter(pieces), out)
    assert out.getvalue() == "".join(pieces)
    assert out.count <= 3


def test_tied_results_come_out_in_one_order_whatever_order_they_came_in() -> None:
    """Regression: results alike in rule, focus node, path and value were listed in the order
    they came in, which follows the blank node labels of the shapes, new on every run; so the
    reports on the same data differed from run to run."""
    messages = ["Must be a source document.", "Needs exactly one source document."]
    tied = [
        ReportResult("Violation", "kg:a", "cartkg:statedIn", "kg:x", f"_:b{i}",
               "sh:ClassConstraintComponent", message)
        for i, message in enumerate(messages)
    ]  # fmt: skip
    for fmt in reportfmt.FORMATS:
        forwards = reportfmt.render(fmt, Report(False, tied), lambda _: None)
        backwards = reportfmt.render(fmt, Report(False, tied[::-1]), lambda _: None)
        assert forwards == backwards, fmt


def test_files_are_shown_from_the_working_directory_of_each_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    component = "sh:MinCountConstraintComponent"
    result = ReportResult("Violation", "kg:a", None, None, "cks:S", component, "A label.")
    report, where = Report(False, [result]), lambda _: Location(tmp_path / "data" / "d.ttl", 3)
    monkeypatch.chdir(tmp_path)
    assert "  kg:a  (data/d.ttl:3)\n" in reportfmt.render("text", report, where)
    monkeypatch.chdir(tmp_path / "data")
    assert "  kg:a  (d.ttl:3)\n" in reportfmt.render("text", report, where)


# ---- reuse in other repositories ------------------------------------------------------------


def test_pre_commit_hook_runs_cartkg_validate_on_every_rdf_syntax() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "cartkg-validate"
    assert hook["entry"] == "cartkg validate"
    assert hook["require_serial"] is True  # all files validated together, as one graph
    files = re.compile(hook["files"])
    assert all(files.search(f"data/x{suffix}") for suffix in SYNTAXES)
    assert all(files.search(f"data/x{suffix}.gz") for suffix in SYNTAXES)
    assert not files.search("README.md") and not files.search("notes.ttl.txt")


def test_workflow_runs_the_projects_checks() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "validate.yml").read_text())
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    for command in ("cartkg data fmt --check", "ruff check", "mypy", "cartkg qc",
                    "cartkg validate", "pytest"):  # fmt: skip
        assert any(command in step for step in steps), command
