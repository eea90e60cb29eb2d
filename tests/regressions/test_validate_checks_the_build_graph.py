"""`cartkg validate` checked a different graph from `cartkg build`: it loaded `ontology/*.ttl`
without `ontology/imports/` (1,389 triples against the build's 1,627), and so did `cartkg qc`
(architecture review 2026-12, section 1.5 "Ontology set"; section 1.2 "validate ↔ build").

A copy of the mini project gets an imported term module, `ontology/imports/probe.ttl`, whose
one class is a subclass of `cartkg:TargetAntigen`, and a shape that needs that axiom. Build and
validate must agree on it, with and without data files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartkg.cli import main
from cartkg.paths import Layout

IMPORTED = """\
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix cartkg: <https://w3id.org/cartkg/ontology/> .

<https://w3id.org/cartkg/ontology/imports/probe> a owl:Ontology .
<http://example.org/probe/Antigen> a owl:Class ;
    rdfs:label "probe antigen"@en ;
    rdfs:subClassOf cartkg:TargetAntigen .
"""
#: Only the imported module says that probe:Antigen is a subclass of anything.
SHAPE = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix cs: <https://w3id.org/cartkg/shapes/> .

cs:ImportedTermShape a sh:NodeShape ;
    sh:targetNode <http://example.org/probe/Antigen> ;
    sh:property [ sh:path rdfs:subClassOf ; sh:minCount 1 ;
                  sh:message "the imported term's axioms are not in the graph" ] .
"""
#: A therapy whose antigen is of the imported class; the mini shapes want a cartkg:TargetAntigen.
DATA = """\
@prefix cartkg: <https://w3id.org/cartkg/ontology/> .
@prefix kg: <https://w3id.org/cartkg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

kg:probe-therapy a cartkg:Therapy ;
    rdfs:label "probe therapy"@en ;
    cartkg:targetsAntigen kg:probe-antigen .
kg:probe-antigen a <http://example.org/probe/Antigen> ;
    rdfs:label "probe antigen"@en .
"""


@pytest.fixture
def project(mini_project: Layout) -> Layout:
    (mini_project.ontology / "imports").mkdir()
    (mini_project.ontology / "imports" / "probe.ttl").write_text(IMPORTED, encoding="utf-8")
    (mini_project.shapes / "imported.ttl").write_text(SHAPE, encoding="utf-8")
    return mini_project


def cartkg(project: Layout, *args: str | Path) -> Result:
    return CliRunner().invoke(main, ["--project", str(project.root), *map(str, args)])


@pytest.mark.skipif(shutil.which("java") is None, reason="the build's reasoner needs Java")
def test_validate_without_files_passes_as_the_build_does(project: Layout, tmp_path: Path) -> None:
    built = cartkg(project, "build", "--release-dir", tmp_path / "release")
    assert built.exit_code == 0, built.output
    validated = cartkg(project, "validate", "--no-reasoner", "--format", "text")
    assert validated.exit_code == 0, validated.output
    assert "imported term's axioms" not in validated.output


def test_a_data_file_using_an_imported_term_passes(project: Layout, tmp_path: Path) -> None:
    data = tmp_path / "probe.ttl"
    data.write_text(DATA, encoding="utf-8")
    validated = cartkg(project, "validate", "--no-reasoner", data)
    assert validated.exit_code == 0, validated.output
    assert "passed: 0 violations" in validated.output


def test_qc_reads_the_imports_too(project: Layout) -> None:
    """The probe module states no licence: a finding only if qc reads ontology/imports/."""
    checked = cartkg(project, "qc", "--no-reasoner", "--format", "tsv")
    module = "<https://w3id.org/cartkg/ontology/imports/probe>"
    assert f"\tmissing_ontology_license\t{module}\t" in checked.output, checked.output
