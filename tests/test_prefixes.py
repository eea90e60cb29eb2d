"""The project's prefix map (data/prefixes.yaml) against bioregistry, and the helpers built on it.

Each registry prefix is checked on its own (one test per prefix), so a failure names it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Store
from rdflib import Graph, URIRef

from cartkg import prefixes
from cartkg.errors import CartkgError, SourceError
from cartkg.namespaces import PREFIXES as NAMESPACE_PREFIXES

bioregistry = pytest.importorskip("bioregistry", reason="bioregistry is in the test extra")

ENTRIES = prefixes.prefix_map().prefixes
REGISTERED = [p for p in ENTRIES if p.bioregistry]
LOCAL = [p for p in ENTRIES if not p.bioregistry]


def _ids(entries: list[prefixes.Prefix]) -> list[str]:
    return [p.prefix for p in entries]


def spellings(key: str) -> set[str]:
    """How bioregistry spells a resource's prefix: its key, preferred prefix, synonyms, and the
    OBO Foundry / OBO context spelling that OBO ontologies and SSSOM files use."""
    resource = bioregistry.get_resource(key)
    remapped = bioregistry.get_context("obo").prefix_remapping.get(key)
    found = {key, resource.get_preferred_prefix(), resource.get_obofoundry_prefix(), remapped}
    return {s for s in found | set(resource.get_synonyms()) if s}


def test_the_issue_s_schemes_are_all_there() -> None:
    needed = {
        "MONDO",
        "DOID",
        "NCIT",
        "HGNC",
        "UniProtKB",
        "NCBIGene",
        "PR",
        "CL",
        "ror",
        "wikidata",
        "doi",
        "pubmed",
        "clinicaltrials",
        "isrctn",
        "ICD10CM",
        "MESH",
        "EFO",
        "kg",
        "cartkg",
    }
    assert needed <= {p.prefix for p in ENTRIES}


@pytest.mark.parametrize("entry", REGISTERED, ids=_ids(REGISTERED))
def test_prefix_is_bioregistry_s_and_cased_as_it_records(entry: prefixes.Prefix) -> None:
    assert bioregistry.normalize_prefix(entry.prefix) == entry.bioregistry
    known = spellings(entry.bioregistry)
    assert entry.prefix in known or entry.note, (
        f"{entry.prefix}: bioregistry spells it {sorted(known)}; "
        "use one of those or explain the casing in `note`"
    )


@pytest.mark.parametrize("entry", REGISTERED, ids=_ids(REGISTERED))
def test_iri_prefix_and_synonyms_resolve_in_bioregistry(entry: prefixes.Prefix) -> None:
    for uri_prefix in (entry.uri_prefix, *entry.uri_synonyms):
        parsed = bioregistry.parse_iri(uri_prefix + entry.example)
        assert tuple(parsed) == (entry.bioregistry, entry.example), uri_prefix
    for synonym in entry.synonyms:
        assert bioregistry.normalize_prefix(synonym) == entry.bioregistry, synonym


@pytest.mark.parametrize("entry", REGISTERED, ids=_ids(REGISTERED))
def test_pattern_is_bioregistry_s_and_the_example_matches_it(entry: prefixes.Prefix) -> None:
    assert entry.pattern == bioregistry.get_pattern(entry.bioregistry)
    assert entry.matches(entry.example)


@pytest.mark.parametrize("entry", LOCAL, ids=_ids(LOCAL))
def test_a_local_prefix_says_why_and_is_unknown_to_bioregistry(entry: prefixes.Prefix) -> None:
    assert entry.note, f"{entry.prefix} has no bioregistry key and no note saying why"
    known = bioregistry.normalize_prefix(entry.prefix)
    if known is not None:  # a homonym would be a trap: make sure it is a different resource
        assert bioregistry.get_uri_prefix(known) != entry.uri_prefix
    assert entry.matches(entry.example)


def test_the_namespaces_module_agrees_with_the_map() -> None:
    mapped = prefixes.prefix_map().as_dict()
    disagree = {
        p: (iri, mapped.get(p)) for p, iri in NAMESPACE_PREFIXES.items() if mapped.get(p) != iri
    }
    assert not disagree


@pytest.mark.parametrize("entry", ENTRIES, ids=_ids(ENTRIES))
def test_every_prefix_expands_and_compresses_both_ways(entry: prefixes.Prefix) -> None:
    curie = f"{entry.prefix}:{entry.example}"
    iri = prefixes.expand(curie)
    assert iri == entry.uri_prefix + entry.example
    assert prefixes.converter().expand(curie) == iri
    assert prefixes.compress(iri) == curie
    for uri_synonym in entry.uri_synonyms:
        assert prefixes.compress(uri_synonym + entry.example) == curie
    for synonym in entry.synonyms:
        assert prefixes.standardize(f"{synonym}:{entry.example}") == curie


def test_a_curie_that_breaks_its_scheme_s_pattern_is_refused() -> None:
    with pytest.raises(CartkgError, match=r"'MONDO:7915'.*MONDO's pattern"):
        prefixes.expand("MONDO:7915")
    with pytest.raises(CartkgError, match="unknown prefix 'FOO'"):
        prefixes.expand("FOO:1")
    with pytest.raises(CartkgError, match="not a CURIE"):
        prefixes.expand("MONDO0007915")


def test_a_prefix_declared_twice_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "prefixes.yaml"
    path.write_text(
        "prefixes:\n"
        "- {prefix: A, uri_prefix: 'http://a/', name: a, example: '1'}\n"
        "- {prefix: B, uri_prefix: 'http://b/', name: b, example: '1', synonyms: [A]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError, match=r"prefixes.yaml:3: prefix 'A' is declared twice"):
        prefixes.read(path)


def test_queries_may_use_the_prefixes_without_declaring_them() -> None:
    store = Store()
    store.update(
        prefixes.sparql_prologue()
        + "INSERT DATA { kg:cd19 skos:exactMatch HGNC:1633 . kg:sle skos:exactMatch MONDO:0007915 }"
    )
    query = "SELECT ?e WHERE { ?e skos:exactMatch MONDO:0007915 }"
    rows = list(store.query(prefixes.sparql_prologue(query) + query))
    assert [row["e"].value for row in rows] == ["https://w3id.org/cartkg/id/sle"]


def test_the_jsonld_context_expands_compact_data() -> None:
    document = {
        **prefixes.jsonld_context(),
        "id": "kg:cd19",
        "label": "CD19",
        "exactMatch": ["HGNC:1633", "UniProtKB:P15391"],
        "closeMatch": "MONDO:0007915",
    }
    graph = Graph().parse(data=document, format="json-ld")
    cd19 = URIRef(prefixes.expand("kg:cd19"))
    matches = {str(o) for o in graph.objects(cd19, URIRef(prefixes.expand("skos:exactMatch")))}
    assert matches == {prefixes.expand("HGNC:1633"), prefixes.expand("UniProtKB:P15391")}
    close = {str(o) for o in graph.objects(cd19, URIRef(prefixes.expand("skos:closeMatch")))}
    assert close == {"http://purl.obolibrary.org/obo/MONDO_0007915"}
