"""The imported term modules (ontology/imports/): generated from their checked tables, linked to
the curated data, and refreshable from a downloaded ontology file."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDFS, Graph, URIRef

from cartkg import imports, prefixes
from cartkg.cli import main
from cartkg.errors import SourceError
from cartkg.importcmd import imports_cli
from cartkg.ontologyfile import extract, read_terms

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TABLES = imports.tables()


def iri(curie: str) -> URIRef:
    return URIRef(prefixes.expand(curie))


def test_every_module_is_what_its_table_generates() -> None:
    """Regenerate every module and compare: a hand edit, or a table edited without a rebuild,
    shows up here. Run `cartkg imports build` to fix it."""
    assert TABLES
    assert imports.build(check=True) == []


@pytest.mark.parametrize("path", imports.module_files(), ids=lambda p: p.name)
def test_every_module_says_it_is_generated_and_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(imports.GENERATED.format(name=path.stem))
    assert len(Graph().parse(data=text, format="turtle")) > 0


def test_the_lymphoma_chain_of_the_issue_is_in_the_modules() -> None:
    """diffuse large B-cell lymphoma -> large B-cell lymphoma -> B-cell lymphoma -> non-Hodgkin
    lymphoma -> lymphoma, each link checked (see sources/doid.tsv)."""
    modules = imports.load_modules()
    chain = ["DOID:0050745", "DOID:0081452", "DOID:707", "DOID:0060060", "DOID:0060058"]
    for child, parent in itertools.pairwise(chain):
        assert (iri(child), RDFS.subClassOf, iri(parent)) in modules
    labels = [str(modules.value(iri(c), RDFS.label)) for c in chain]
    assert labels[0] == "diffuse large B-cell lymphoma" and labels[-1] == "lymphoma"


def test_every_parent_link_says_where_it_was_checked() -> None:
    for table in TABLES:
        for row in table.rows:
            assert row.checked.strip(), f"{table.path}:{row.line}"
    modules = imports.load_modules()
    links = set(modules.subject_objects(RDFS.subClassOf))
    query = """SELECT ?s ?o WHERE {
        ?a owl:annotatedSource ?s ; owl:annotatedProperty rdfs:subClassOf ;
           owl:annotatedTarget ?o ; dcterms:source ?where }"""
    annotated = {(row[0], row[1]) for row in modules.query(query)}  # type: ignore[index]
    assert links and links == annotated


@pytest.mark.parametrize("prefix", ["MONDO", "CL", "PR", "HGNC", "UniProtKB"])
def test_every_identifier_the_mappings_use_in_these_schemes_is_an_imported_term(
    prefix: str,
) -> None:
    from tests.test_mappings import ROWS

    used = {
        r.cells["object_id"] for r in ROWS if r.cells.get("object_id", "").startswith(f"{prefix}:")
    }
    terms = {term for table in TABLES for term in table.terms()}
    assert used and used <= terms, sorted(used - terms)


# -- the table checks -------------------------------------------------------------------------

GOOD = (
    "# ontology: http://purl.obolibrary.org/obo/doid.owl\n"
    "id\tlabel\tparent\tdefinition\texact_match\tchecked\n"
    "DOID:0060058\tlymphoma\t\t\t\tsomewhere\n"
)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("DOID:707\tB-cell lymphoma\tDOID:9\t\t\there\n", "parent DOID:9 is not a term"),
        ("DOID:707\tB-cell lymphoma\t\t\tFOO:1\there\n", "unknown prefix 'FOO'"),
        ("DOID:x7\tB-cell lymphoma\t\t\t\there\n", "does not match DOID's pattern"),
        ("DOID:0060058\tlymphomas\t\t\t\there\n", "differs from 'lymphoma'"),
        ("DOID:707\tB-cell lymphoma\t\t\t\t\n", "says where it was checked"),
        ("DOID:707\tB-cell lymphoma\tDOID:707\t\t\there\n", "its own parent"),
        ("DOID:707\tB-cell lymphoma\n", "expected 6 columns"),
    ],
)
def test_a_bad_table_row_is_an_error_naming_its_line(
    tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "doid.tsv"
    path.write_text(GOOD + row, encoding="utf-8")
    with pytest.raises(SourceError, match=message) as caught:
        imports.read_table(path)
    assert "doid.tsv:4" in str(caught.value)


def test_build_check_reports_a_hand_edited_module(tmp_path: Path) -> None:
    shutil.copytree(imports.imports_dir(), tmp_path / "imports")
    folder = tmp_path / "imports"
    module = folder / "doid.ttl"
    module.write_text(module.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    result = CliRunner().invoke(imports_cli, ["build", "--check", "--dir", str(folder)])
    assert result.exit_code == 1 and "differs" in result.output and "doid.ttl" in result.output
    assert CliRunner().invoke(imports_cli, ["build", "--dir", str(folder)]).exit_code == 0
    assert imports.build(folder, check=True) == []


# -- refreshing from a downloaded ontology ----------------------------------------------------


def test_the_obo_reader_keeps_what_a_module_needs() -> None:
    terms, version = read_terms(FIXTURES / "mini.obo")
    assert version == "mini/releases/2025-01-01"
    assert "MONDO:0000003" not in terms  # obsolete
    assert terms["MONDO:0018908"].parents == ("MONDO:0005062",)  # the gci is_a is not a parent
    assert terms["MONDO:0005062"].definition == 'A "made-up" definition, with an escaped quote.'


def test_extract_climbs_to_the_roots_or_to_a_stop() -> None:
    terms, _ = read_terms(FIXTURES / "mini.obo")
    found = {t.id: t.parents for t in extract(terms, ["MONDO:0018905"])}
    assert found == {
        "MONDO:0018905": ("MONDO:0018908",),  # MONDO:0099999 is not in the file
        "MONDO:0018908": ("MONDO:0005062",),
        "MONDO:0005062": ("MONDO:0000001",),
        "MONDO:0000001": (),
    }
    stopped = {t.id for t in extract(terms, ["MONDO:0018905"], stop=["MONDO:0005062"])}
    assert stopped == {"MONDO:0018905", "MONDO:0018908", "MONDO:0005062"}


def test_refresh_from_obo_writes_the_table_and_builds_the_module(tmp_path: Path) -> None:
    folder = tmp_path / "imports"
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "mondo.tsv").write_text(
        "# ontology: http://purl.obolibrary.org/obo/mondo.owl\n"
        "id\tlabel\tparent\tdefinition\texact_match\tchecked\n"
        "MONDO:0005062\tlymphoma\t\t\tDOID:0060058\tchecked elsewhere\n"
        "MONDO:0007915\tsystemic lupus erythematosus\t\t\t\tkept as it was\n",
        encoding="utf-8",
    )
    args = [
        "refresh",
        "--from",
        str(FIXTURES / "mini.obo"),
        "--terms",
        "MONDO:0018905",
        "--stop",
        "MONDO:0005062",
        "--dir",
        str(folder),
    ]
    result = CliRunner().invoke(imports_cli, args)
    assert result.exit_code == 0, result.output
    table = imports.read_table(folder / "sources" / "mondo.tsv")
    terms = table.terms()
    assert set(terms) == {"MONDO:0005062", "MONDO:0007915", "MONDO:0018905", "MONDO:0018908"}
    assert terms["MONDO:0005062"][0].exact_match == "DOID:0060058"  # kept across the refresh
    assert terms["MONDO:0007915"][0].checked == "kept as it was"
    assert "mini.obo (data-version mini/releases/2025-01-01)" in terms["MONDO:0018905"][0].checked
    module = Graph().parse(folder / "mondo.ttl", format="turtle")
    ancestors = set(module.transitive_objects(iri("MONDO:0018905"), RDFS.subClassOf))
    assert iri("MONDO:0005062") in ancestors


def test_refresh_from_owl(tmp_path: Path) -> None:
    folder = tmp_path / "imports"
    args = [
        "refresh",
        "--from",
        str(FIXTURES / "mini.owl"),
        "--terms",
        "CL:0000084",
        "--dir",
        str(folder),
    ]
    result = CliRunner().invoke(imports_cli, args)
    assert result.exit_code == 0, result.output
    terms = imports.read_table(folder / "sources" / "cl.tsv").terms()
    assert set(terms) == {"CL:0000084", "CL:0000542", "CL:0000000"}
    assert terms["CL:0000084"][0].parent == "CL:0000542"  # the restriction is not a parent
    assert terms["CL:0000084"][0].definition == "A made-up definition of a T cell."
    assert (folder / "cl.ttl").is_file()


def test_refresh_names_a_term_the_file_lacks(tmp_path: Path) -> None:
    args = [
        "refresh",
        "--from",
        str(FIXTURES / "mini.obo"),
        "--terms",
        "MONDO:0007915",
        "--dir",
        str(tmp_path),
    ]
    result = CliRunner().invoke(main, ["imports", *args])
    assert result.exit_code == 2 and "not in the ontology file: MONDO:0007915" in result.output
