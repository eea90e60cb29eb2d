"""`cartkg build`: the release it writes, reproducibility, and that failure leaves the old one."""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from cartkg import release as release_module
from cartkg import versions
from cartkg.errors import CartkgError, DataErrors, ReasonerError, ValidationFailed, WriteError
from cartkg.paths import Layout
from cartkg.release import ARTEFACTS, build
from cartkg.store import open_store

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"

needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="the OWL reasoner (HermiT) needs Java on PATH"
)


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file of a release except the store's (which RocksDB rewrites)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "store" not in p.relative_to(folder).parts
    }


def leftovers(release: Path) -> list[str]:
    """What is beside the release other than itself and, in the folder of versions that it
    links into, the current version and the lock file."""
    versions = release.with_name(release.name + ".d")
    found = [
        p.name
        for p in release.parent.iterdir()
        if "release" in p.name and p not in (release, versions)
    ]
    if versions.is_dir():
        current = release.resolve()
        found += [f"{versions.name}/{p.name}" for p in versions.iterdir() if p not in (current,)]
        found.remove(f"{versions.name}/.lock")
    return found


def edit(project: Layout, name: str, old: str, new: str) -> None:
    path = project.data / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def ask(release: Path, query: str) -> bool:
    store = open_store(release)
    result = store.query(
        query,
        prefixes={
            "cartkg": "https://w3id.org/cartkg/ontology/",
            "kg": "https://w3id.org/cartkg/id/",
            "kgg": "https://w3id.org/cartkg/graph/",
        },
    )
    return bool(result)


@pytest.fixture(scope="module")
def reference_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the pristine fixture, shared (read-only) by the tests of this module."""
    if shutil.which("java") is None:
        pytest.skip("the OWL reasoner (HermiT) needs Java on PATH")
    target = tmp_path_factory.mktemp("reference") / "release"
    build(Layout(MINI / "project"), target, sources=MINI / "shared" / "sources")
    return target


@pytest.fixture
def built(reference_release: Path, tmp_path: Path) -> Path:
    """A private copy of the reference release, as if built in this test's folder."""
    target = tmp_path / "release"
    shutil.copytree(reference_release, target)
    return target


@needs_java
def test_release_has_every_artefact_and_a_true_manifest(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    for name in ARTEFACTS:
        digest = hashlib.sha256((built / name).read_bytes()).hexdigest()
        assert manifest["artefacts"][name] == digest
    lines = (built / "cartkg.nq").read_text().splitlines()
    assert manifest["counts"]["quads"] == len(lines)
    assert sum(manifest["counts"]["graphs"].values()) == len(lines)
    store = open_store(built)
    named = [q for q in store if not isinstance(q.graph_name, ox.DefaultGraph)]
    assert len(named) == len(lines)
    # the default graph is the RDF merge of the named graphs: each triple once
    union = {(q.subject, q.predicate, q.object) for q in named}
    default = [q for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    assert len(default) == len(union) < len(named)
    assert {(q.subject, q.predicate, q.object) for q in default} == union
    assert "data/claims/source-000.yaml" in manifest["inputs"]
    assert not any(p.name.startswith("release.") for p in built.parent.iterdir())


@needs_java
def test_every_stated_triple_has_an_assertion_with_its_locator(built: Path) -> None:
    store = open_store(built)
    sources = [g for g in store.named_graphs() if "/graph/source-" in g.value]
    assert sources
    for graph in sources:
        stated = {
            (q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, graph)
            if not q.subject.value.split("/")[-1].startswith("value-")
        }
        query = f"""SELECT ?s ?p ?o WHERE {{ GRAPH kgg:provenance {{
            ?a a cartkg:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
               cartkg:inGraph <{graph.value}> ; cartkg:lineStart ?start ; cartkg:locator ?where ;
               cartkg:paraphrase ?says ; cartkg:locatorIri ?fragment . }} }}"""
        rows = store.query(
            query,
            prefixes={
                "cartkg": "https://w3id.org/cartkg/ontology/",
                "kgg": "https://w3id.org/cartkg/graph/",
                "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            },
        )
        assert {(r["s"], r["p"], r["o"]) for r in rows} == stated


@needs_java
def test_the_reasoner_puts_defined_class_memberships_in_the_inferred_graph(built: Path) -> None:
    assert ask(built, "ASK { GRAPH kgg:inferred { kg:fixcel a cartkg:CD19DirectedTherapy } }")
    assert ask(
        built, "ASK { GRAPH kgg:inferred { kg:cd19-car-t-lupus a cartkg:AutoimmuneCarTTherapy } }"
    )
    assert not ask(built, "ASK { GRAPH kgg:curation { ?x a cartkg:CD19DirectedTherapy } }")
    assert not ask(built, "ASK { GRAPH kgg:inferred { kg:fixcel a cartkg:AutoimmuneCarTTherapy } }")


@needs_java
def test_two_builds_are_byte_identical(mini_project: Layout, tmp_path: Path) -> None:
    build(mini_project, tmp_path / "one")
    build(mini_project, tmp_path / "two")
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    assert set(snapshot(tmp_path / "one")) == {*ARTEFACTS, "manifest.json"}


@needs_java
def test_rebuilding_replaces_the_release(mini_project: Layout, built: Path) -> None:
    edit(
        mini_project, "entities/things.yaml", "label: fixture lymphoma", "label: fixture lymphoma B"
    )
    build(mini_project, built)
    assert 'fixture lymphoma B"@en' in (built / "cartkg.ttl").read_text()
    # the plain folder (as earlier builds left) became a link to a version, in one step
    assert built.is_symlink() and built.resolve().parent.name == "release.d"
    assert leftovers(built) == []
    first = built.resolve()
    build(mini_project, built)
    assert built.resolve() != first and not first.exists()
    assert leftovers(built) == []
    assert ask(built, "ASK { GRAPH kgg:inferred { kg:fixcel a cartkg:CD19DirectedTherapy } }")


@needs_java
def test_without_renameat2_a_plain_release_folder_is_replaced_by_two_renames(
    mini_project: Layout, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(first: Path, second: Path) -> None:
        raise OSError(errno.EINVAL, "not supported here")

    monkeypatch.setattr(versions, "exchange", unsupported)
    build(mini_project, built)
    assert built.is_symlink() and leftovers(built) == []
    assert ask(built, "ASK { GRAPH kgg:inferred { kg:fixcel a cartkg:CD19DirectedTherapy } }")


@needs_java
def test_builds_at_once_all_succeed_and_leave_one_release(
    mini_project: Layout, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    command = [sys.executable, "-m", "cartkg.cli", "--project", str(mini_project.root), "build"]
    runs = [subprocess.Popen([*command, "--release-dir", str(release)]) for _ in range(3)]
    assert [run.wait(300) for run in runs] == [0, 0, 0]
    assert leftovers(release) == []
    assert ask(release, "ASK { GRAPH kgg:inferred { kg:fixcel a cartkg:CD19DirectedTherapy } }")


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_build_refuses_to_replace_what_is_not_a_release(
    kind: str, mini_project: Layout, tmp_path: Path
) -> None:
    target = tmp_path / "release"
    if kind == "file":
        target.write_text("not a release")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("not a release")
    with pytest.raises(CartkgError, match=f"{target} is a (file|folder)"):
        build(mini_project, target)
    assert (target if kind == "file" else target / "notes.txt").read_text() == "not a release"


BREAKAGES = {
    "wrong datatype": (
        "claims/source-001.yaml",
        "signatureCount: 12000",
        "signatureCount: many",
        DataErrors,
        "data/claims/source-001.yaml:8: state.signatureCount",
    ),
    "fact without provenance": (
        "claims/source-001.yaml",
        "  lines: 3\n",
        "",
        DataErrors,
        "data/claims/source-001.yaml:3: lines: is required",
    ),
    "undefined entity": (
        "claims/source-000.yaml",
        "eventAgent: fixture-hospital",
        "eventAgent: nobody",
        DataErrors,
        "unknown entity 'nobody'",
    ),
    "malformed YAML": (
        "claims/source-000.yaml",
        "source: source-000",
        "source: [source-000",
        DataErrors,
        "data/claims/source-000.yaml:",
    ),
    "shape violation": (
        "claims/source-001.yaml",
        "signatureCount: 12000",
        "signatureCount: [12000, 13000]",
        ValidationFailed,
        "kg:access-petition cartkg:signatureCount",
    ),
}


@needs_java
@pytest.mark.parametrize("case", BREAKAGES)
def test_a_failed_build_leaves_the_previous_release_untouched(
    case: str, mini_project: Layout, built: Path
) -> None:
    file, old, new, error, expected = BREAKAGES[case]
    before = snapshot(built)
    edit(mini_project, file, old, new)
    with pytest.raises(error) as caught:
        build(mini_project, built)
    assert expected in str(caught.value)
    assert snapshot(built) == before
    assert ask(built, "ASK { GRAPH kgg:inferred { kg:fixcel a cartkg:CD19DirectedTherapy } }")
    assert leftovers(built) == []


def test_a_shape_violation_message_names_node_path_shape_and_message(
    mini_project: Layout, tmp_path: Path
) -> None:
    edit(
        mini_project,
        "claims/source-001.yaml",
        "signatureCount: 12000",
        "signatureCount: [12000, 13000]",
    )
    with pytest.raises(ValidationFailed) as caught:
        build(mini_project, tmp_path / "release")
    (violation,) = caught.value.report.violations
    message = str(caught.value)
    for part in (violation.focus_node, violation.result_path, violation.message):
        assert part and part in message
    assert "MaxCount" in violation.constraint_component
    assert not (tmp_path / "release").exists()


@needs_java
def test_a_crash_while_writing_leaves_the_previous_release(
    mini_project: Layout, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(built)
    real_write = release_module.write_files

    def crash_half_way(quads: list[ox.Quad], inputs: dict[str, Path], folder: Path) -> None:
        real_write(quads, inputs, folder)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(release_module, "write_files", crash_half_way)
    with pytest.raises(WriteError, match="simulated") as caught:
        build(mini_project, built)
    assert f"the release at {built} is as it was" in str(caught.value)
    assert snapshot(built) == before
    assert leftovers(built) == []


def test_without_java_the_message_says_how_to_install_it(
    mini_project: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ReasonerError) as caught:
        build(mini_project, tmp_path / "release")
    assert "apt-get install default-jre-headless" in str(caught.value)
    assert not (tmp_path / "release").exists()


@needs_java
def test_void_counts_agree_with_the_manifest(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    void = ox.Store()
    void.load(path=str(built / "void.ttl"), format=ox.RdfFormat.TURTLE)
    rows = list(
        void.query(
            "PREFIX void: <http://rdfs.org/ns/void#> SELECT ?g ?n WHERE "
            "{ <https://w3id.org/cartkg/dataset> void:subset ?g . ?g void:triples ?n }"
        )
    )
    assert {r["g"].value: int(r["n"].value) for r in rows} == manifest["counts"]["graphs"]
    (total,) = void.query(
        "PREFIX void: <http://rdfs.org/ns/void#> SELECT ?n WHERE "
        "{ <https://w3id.org/cartkg/dataset> void:triples ?n }"
    )
    assert int(total["n"].value) == manifest["counts"]["triples"]


def test_no_release_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CartkgError, match="run `cartkg build` first"):
        open_store(tmp_path / "nothing")
