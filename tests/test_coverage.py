"""`cartkg coverage`: per source document, the cited share of the lines that state something
and the share of text-only claims (issue 11, section 2).

The figures for the mini project are counted by hand from tests/fixtures/mini:

- 000_fixture.txt has 12 lines; line 2 is blank, the other 11 state something (line 1, the
  page's title, has lower-case words, so it is no heading). Its 5 claims cite lines 4, 4-5, 7,
  9 and 11: 5 of 11 lines (45.5 %), none text-only.
- 001_fixture.txt has 6 lines; line 2 is blank, 5 state something. Its 2 claims cite lines 3
  and 5: 2 of 5 (40.0 %), none text-only.
- Together: 7 of 16 lines (43.8 %), 7 claims.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartkg.cli import main
from cartkg.paths import Layout, sources_dir

MINI_TABLE = [
    ["source", "stating", "cited", "cited", "%", "claims", "text-only", "text-only", "%"],
    ["source-000", "11", "5", "45.5", "5", "0", "0.0"],
    ["source-001", "5", "2", "40.0", "2", "0", "0.0"],
    ["all", "16", "7", "43.8", "7", "0", "0.0"],
]
MINI_UNCITED = {"000_fixture.txt": [1, 3, 6, 8, 10, 12], "001_fixture.txt": [1, 4, 6]}


def cartkg(project: Layout, *args: str) -> Result:
    return CliRunner().invoke(main, ["--project", str(project.root), *args])


def documents(project: Layout) -> Path:
    return project.root.parent / "shared" / "sources"


def test_mini_project_figures(mini_project: Layout) -> None:
    run = cartkg(mini_project, "coverage")
    assert run.exit_code == 0, run.output
    assert [line.split() for line in run.stdout.splitlines()] == MINI_TABLE


def test_mini_project_json(mini_project: Layout) -> None:
    run = cartkg(mini_project, "coverage", "--format", "json")
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    found = {
        d["source"]: (
            d["lines_stating"], d["lines_cited"], d["cited_percent"], d["claims"],
            d["text_only_claims"], d["text_only_percent"],
        )
        for d in report["documents"]
    }  # fmt: skip
    assert found == {"source-000": (11, 5, 45.5, 5, 0, 0.0), "source-001": (5, 2, 40.0, 2, 0, 0.0)}
    assert report["total"] == {
        "lines_stating": 16, "lines_cited": 7, "cited_percent": 43.8, "claims": 7,
        "text_only_claims": 0, "text_only_percent": 0.0,
    }  # fmt: skip
    uncited = {
        Path(d["file"]).name: [u["line"] for u in d["uncited_lines"]] for d in report["documents"]
    }
    assert uncited == MINI_UNCITED
    assert all("text" not in u for d in report["documents"] for u in d["uncited_lines"])
    assert (report["fail_under"], report["below"]) == (None, [])


def test_uncited_lines_name_file_and_line_and_quote_the_start(mini_project: Layout) -> None:
    run = cartkg(mini_project, "coverage", "--uncited")
    assert run.exit_code == 0, run.output
    listed = run.stdout.splitlines()[len(MINI_TABLE) :]
    expected = []
    for name, numbers in MINI_UNCITED.items():
        path = documents(mini_project) / name
        lines = path.read_text(encoding="utf-8").splitlines()
        expected += [f"{path}:{n}: {lines[n - 1][:80]}" for n in numbers]
    assert listed == expected


def test_fail_under_fails_when_one_document_is_below(mini_project: Layout) -> None:
    at_the_lowest = cartkg(mini_project, "coverage", "--fail-under", "40")
    assert at_the_lowest.exit_code == 0, at_the_lowest.output
    above_it = cartkg(mini_project, "coverage", "--fail-under", "40.1")
    assert above_it.exit_code == 1
    assert "source-001: 40.0 % of lines cited, under --fail-under 40.1" in above_it.stderr
    assert "source-000" not in above_it.stderr
    report = json.loads(
        cartkg(mini_project, "coverage", "--format", "json", "--fail-under", "50").stdout
    )
    assert report["below"] == ["source-000", "source-001"]


def test_fail_under_outside_0_to_100_is_a_usage_error(mini_project: Layout) -> None:
    run = cartkg(mini_project, "coverage", "--fail-under", "101")
    assert run.exit_code == 2
    assert "--fail-under" in run.output


def test_without_source_documents_exits_2_saying_where_it_looked(mini_project: Layout) -> None:
    shutil.rmtree(documents(mini_project))
    run = cartkg(mini_project, "coverage")
    assert run.exit_code == 2
    assert "no source documents" in run.stderr and "shared/sources" in run.stderr
    assert "Traceback" not in run.output + run.stderr


def test_broken_data_exits_1_naming_file_and_line(mini_project: Layout) -> None:
    """As for every cartkg command, curated data that breaks the schema is a broken rule."""
    claims = mini_project.data / "claims" / "source-001.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("lines: 5", "lines: 50"))
    run = cartkg(mini_project, "coverage")
    assert run.exit_code == 1
    assert "data/claims/source-001.yaml:" in run.stderr and "past the end" in run.stderr
    assert run.stdout == ""


def test_headings_furniture_and_text_only_claims(mini_project: Layout) -> None:
    """Six lines added to 001: a heading, a button, a list item that states something, a blank
    line, a heading in a list and a link. Three claims added: free text alone (text-only),
    free text beside an entity, and an e-mail address (an identifier, not free text).

    001 then has 6 stating lines (1, 3-6, 9), of which its claims cite 3-6 and 9: 5 of 6
    (83.3 %); 1 of its 5 claims is text-only (20.0 %). 000 is as before.
    """
    document = documents(mini_project) / "001_fixture.txt"
    added = [
        "Opening Hours",
        "Share this article with a friend",
        "- Waiting list: about six months",
        "",
        "- Ward Visiting Times",
        "Read the full story: click here",
    ]
    old = hashlib.sha256(document.read_bytes()).hexdigest()
    text = document.read_text(encoding="utf-8") + "\n".join(added) + "\n"
    document.write_text(text, encoding="utf-8")
    new = hashlib.sha256(document.read_bytes()).hexdigest()
    sources = mini_project.data / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    ontology = mini_project.ontology / "cartkg.ttl"
    ontology.write_text(
        ontology.read_text(encoding="utf-8")
        + "cartkg:mechanismOfAction a owl:DatatypeProperty ; rdfs:range rdf:langString ;\n"
        '    rdfs:label "mechanism of action"@en .\n'
        "cartkg:contactEmail a owl:DatatypeProperty ; rdfs:range xsd:string ;\n"
        '    rdfs:label "contact email"@en .\n',
        encoding="utf-8",
    )
    claims = mini_project.data / "claims" / "source-001.yaml"
    first_added = len(claims.read_text(encoding="utf-8").splitlines()) + 1
    claims.write_text(
        claims.read_text(encoding="utf-8")
        + """- about: cd19-car-t-lupus
  lines: 9
  says: Patients wait some six months for it.
  state:
    mechanismOfAction: unclear from the report
- about: fixcel
  lines: 4
  says: Campaigners want lupus patients to get such treatments.
  state:
    mechanismOfAction: a cell therapy
    hasIndication: lupus
- about: access-petition
  lines: 6
  says: The government will answer the petition.
  state:
    contactEmail: petitions@example.org
""",
        encoding="utf-8",
    )
    run = cartkg(mini_project, "coverage", "--format", "json")
    assert run.exit_code == 0, run.output
    report = {d["source"]: d for d in json.loads(run.stdout)["documents"]}
    news = report["source-001"]
    assert (news["lines_stating"], news["lines_cited"], news["cited_percent"]) == (6, 5, 83.3)
    assert (news["claims"], news["text_only_claims"], news["text_only_percent"]) == (5, 1, 20.0)
    assert news["text_only"] == [f"data/claims/source-001.yaml:{first_added}"]
    assert [u["line"] for u in news["uncited_lines"]] == [1]
    assert report["source-000"]["lines_stating"] == 11


@pytest.mark.skipif(sources_dir() is None, reason="the source documents are not beside this")
def test_the_project_report_is_produced_and_consistent() -> None:
    """A real `cartkg coverage` process on the project's own data and the five documents."""
    env = {k: v for k, v in os.environ.items() if k != "CARTKG_PROJECT"}
    command = [sys.executable, "-m", "cartkg.cli", "coverage", "--format", "json", "--uncited"]
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    docs = report["documents"]
    assert [d["source"] for d in docs] == [f"source-00{n}" for n in range(5)]
    for d in docs:
        assert 0 < d["lines_cited"] <= d["lines_stating"], d["source"]
        assert 0 <= d["text_only_claims"] <= d["claims"], d["source"]
        assert len(d["uncited_lines"]) == d["lines_stating"] - d["lines_cited"]
        assert len(d["text_only"]) == d["text_only_claims"]
        lines = Path(d["file"]).read_text(encoding="utf-8").splitlines()
        for uncited in d["uncited_lines"]:
            line = lines[uncited["line"] - 1].strip()
            assert uncited["text"] == line[:80]
    for key in ("lines_stating", "lines_cited", "claims", "text_only_claims"):
        assert report["total"][key] == sum(d[key] for d in docs)
    lowest = min(d["cited_percent"] for d in docs)
    if lowest < 100:
        failing = subprocess.run(
            [*command[:4], "--fail-under", str(lowest + 0.1)], capture_output=True, text=True,
            env=env, timeout=300,
        )  # fmt: skip
        assert failing.returncode == 1, failing.stderr
        assert f"{lowest:.1f} % of lines cited" in failing.stderr
