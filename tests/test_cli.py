"""The `cartkg` command: build, query, data fmt, and how it reports errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartkg.cli import main
from cartkg.paths import Layout

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the OWL reasoner (HermiT) needs Java on PATH"
)


def cartkg(project: Layout, *args: str) -> Result:
    return CliRunner().invoke(main, ["--project", str(project.root), *args])


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The mini project, built once for this module's read-only tests."""
    if shutil.which("java") is None:
        pytest.skip("the OWL reasoner (HermiT) needs Java on PATH")
    project = Layout(tmp_path_factory.mktemp("released") / "mini" / "project")
    shutil.copytree(MINI, project.root.parent)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("CARTKG_SOURCES", raising=False)
        run = cartkg(project, "build")
    assert run.exit_code == 0, run.output
    return project


@needs_java
def test_build_reports_what_it_built(mini_project: Layout) -> None:
    run = cartkg(mini_project, "build")
    assert run.exit_code == 0
    manifest = json.loads((mini_project.root / "release" / "manifest.json").read_text())
    assert f"{manifest['counts']['quads']} quads" in run.stdout


def test_build_failure_exits_1_with_file_line_and_no_traceback(mini_project: Layout) -> None:
    path = mini_project.data / "claims" / "source-000.yaml"
    path.write_text(path.read_text().replace("providesTherapy: fixcel", "providesTherapy: nocel"))
    run = cartkg(mini_project, "build")
    assert run.exit_code == 1
    assert "data/claims/source-000.yaml:" in run.stderr
    assert "unknown entity 'nocel'" in run.stderr and "(entity fixture-hospital)" in run.stderr
    assert "Traceback" not in run.output + run.stderr


def test_without_java_build_exits_2_saying_how_to_install_it(
    mini_project: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-java-here"))
    run = cartkg(mini_project, "build")
    assert run.exit_code == 2
    assert "apt-get install default-jre-headless" in run.stderr


def test_query_before_any_build_says_to_build(mini_project: Layout) -> None:
    run = cartkg(mini_project, "query", "ASK {}")
    assert run.exit_code == 2
    assert "run `cartkg build` first" in run.stderr


@needs_java
def test_query_sees_all_graphs_as_default_with_prefixes_declared(released: Layout) -> None:
    run = cartkg(released, "query", "SELECT ?o WHERE { kg:fixcel cartkg:targetsAntigen ?o }")
    assert run.exit_code == 0, run.output
    assert "kg:cd19" in run.stdout and "(1 row)" in run.stdout


@needs_java
def test_query_formats(released: Layout) -> None:
    query = "SELECT ?g WHERE { GRAPH ?g { kg:fixcel cartkg:targetsAntigen kg:cd19 } }"
    as_csv = cartkg(released, "query", query, "--format", "csv")
    assert list(csv.reader(io.StringIO(as_csv.stdout)))[:2] == [
        ["g"],
        ["https://w3id.org/cartkg/graph/source-000"],
    ]
    as_json = json.loads(cartkg(released, "query", query, "--format", "json").stdout)
    assert as_json["results"]["bindings"][0]["g"]["value"].endswith("/graph/source-000")


@needs_java
def test_query_from_a_file_and_syntax_errors(released: Layout, tmp_path: Path) -> None:
    (tmp_path / "q.rq").write_text("ASK { kg:fixcel a cartkg:CarTProduct }")
    assert cartkg(released, "query", str(tmp_path / "q.rq")).stdout.strip() == "true"
    broken = cartkg(released, "query", "SELECT ?x WHERE { ?x ")
    assert broken.exit_code == 2 and "SPARQL syntax error" in broken.stderr


def test_data_fmt_check_and_rewrite(mini_project: Layout) -> None:
    assert cartkg(mini_project, "data", "fmt", "--check").exit_code == 0
    path = mini_project.data / "entities" / "things.yaml"
    canonical = path.read_text()
    path.write_text(
        "# things\n"
        + canonical.replace(
            "  type: Cancer\n  label: fixture lymphoma", "  label: fixture lymphoma\n  type: Cancer"
        )
    )
    tsv = mini_project.data / "mappings" / "fixture.sssom.tsv"
    rows = tsv.read_text().splitlines(keepends=True)
    tsv.write_text("".join(rows[:-2] + rows[-1:] + rows[-2:-1]))
    check = cartkg(mini_project, "data", "fmt", "--check")
    assert check.exit_code == 1
    assert "not canonical: data/entities/things.yaml" in check.stdout
    assert "not canonical: data/mappings/fixture.sssom.tsv" in check.stdout
    assert cartkg(mini_project, "data", "fmt").exit_code == 0
    assert path.read_text() == "# things\n" + canonical
    assert cartkg(mini_project, "data", "fmt", "--check").exit_code == 0


def test_data_fmt_names_a_malformed_file(mini_project: Layout) -> None:
    path = mini_project.data / "sources.yaml"
    path.write_text(path.read_text().replace("- id: source-001", "- id: [source-001"))
    run = cartkg(mini_project, "data", "fmt", "--check")
    assert run.exit_code == 2
    assert "data/sources.yaml:" in run.stderr and "YAML syntax error" in run.stderr


@needs_java
def test_serve_builds_the_release_first_then_answers_sparql(mini_project: Layout) -> None:
    """The README's main job: `cartkg serve` on a project without a release."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    release = mini_project.root / "release"
    assert not release.exists()
    command = [sys.executable, "-m", "cartkg.cli", "--project", str(mini_project.root), "serve"]
    command += ["--port", str(port), "--workers", "1", "--threads", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    query = urllib.parse.urlencode({"query": "ASK { kg:fixcel ?p ?o }"})
    url = f"http://127.0.0.1:{port}/sparql?{query}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        deadline, answer = time.monotonic() + 120, None
        while answer is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(request, timeout=5) as reply:
                    answer = json.load(reply)
            except OSError:
                time.sleep(0.5)
        assert answer == {"head": {}, "boolean": True}, process.stderr
        assert (release / "manifest.json").is_file()
    finally:
        process.terminate()
        process.wait(30)
