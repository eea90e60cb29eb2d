"""Data as code: external identifiers are published at the strength they were checked.

Review 2026-12-data-review.md, section 5: close and broad matches were published as
identifiers (`dcterms:identifier` of the entity), and 9 EFO rows were asserted although the
reference file does not mark them verified. One check per SSSOM row:

- the row's identifier is on a line of the reference file that its `comment` cites, in a table
  row whose confidence column says verified (or the comment records the curators' own check,
  which data/README.md allows);
- in the built graph the entity has the CURIE as its `dcterms:identifier` exactly when the row is
  an exactMatch; the CURIE is always the identifier of the external term itself (a row between
  two curated entities publishes no identifier).
"""

from __future__ import annotations

import csv
import io
import os
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import DCTERMS, SKOS, Dataset, Literal, URIRef

from cartkg import prefixes
from cartkg.mappings import split_sssom
from cartkg.namespaces import KG, MAPPINGS_GRAPH
from cartkg.paths import layout, sources_dir

PROJECT = layout()
MAPPING_FILES = sorted((PROJECT.data / "mappings").glob("*.sssom.tsv"))
OWN_CHECK = "checked by the cartkg curators:"


def _rows() -> list[dict[str, str]]:
    rows = []
    for path in MAPPING_FILES:
        text = path.read_text(encoding="utf-8")
        header, _ = split_sssom(text)
        table = "\n".join(text.splitlines()[len(header) :])
        for number, row in enumerate(csv.DictReader(io.StringIO(table), delimiter="\t")):
            row["where"] = f"{path.relative_to(PROJECT.root)}:{len(header) + 2 + number}"
            rows.append(row)
    return rows


ROWS = _rows()
IDS = [f"{r['where']}-{r['subject_id']}-{r['object_id']}" for r in ROWS]


@cache
def _reference() -> list[str]:
    shared = sources_dir()
    path = shared.parent / "reference" / "external-identifiers.md" if shared else None
    if path is None or not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but ../shared/reference/external-identifiers.md is missing")
        pytest.skip("../shared/reference/external-identifiers.md is not beside this checkout")
    return path.read_text(encoding="utf-8").splitlines()


def cited_lines(comment: str) -> list[int]:
    """The reference-file lines a comment cites.

    >>> cited_lines("reference-checks (...) lines 58-59, 273: Mondo files; verified")
    [58, 59, 273]
    """
    found = re.search(r"\blines? (\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*)", comment)
    numbers: list[int] = []
    for part in found.group(1).split(", ") if found else []:
        first, _, last = part.partition("-")
        numbers += range(int(first), int(last or first) + 1)
    return numbers


def confidence(line: str) -> str:
    """The last cell of a reference table row (its confidence column), or '' for prose.

    >>> confidence("| CD19 | HGNC | HGNC:1633 | CD19 | [MONDO] | verified |")
    'verified'
    """
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return cells[-1] if line.lstrip().startswith("|") and len(cells) > 1 else ""


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_mapping_row_is_verified_in_the_reference_file(row: dict[str, str]) -> None:
    comment = row.get("comment", "")
    if comment.startswith(OWN_CHECK):
        assert len(comment) > len(OWN_CHECK) + 20, f"{row['where']}: say what was checked"
        return
    reference = _reference()
    local = row["object_id"].partition(":")[2]
    lines = [n for n in cited_lines(comment) if 1 <= n <= len(reference)]
    assert lines, f"{row['where']}: the comment cites no line of the reference file"
    holding = [n for n in lines if local in reference[n - 1]]
    assert holding, f"{row['where']}: {local} is on none of the cited lines {lines}"
    marks = {n: confidence(reference[n - 1]) for n in holding}
    assert any(m.startswith("verified") for m in marks.values()), (
        f"{row['where']}: {row['object_id']} is not marked verified on line(s) {marks} "
        "of the reference file; only verified identifiers are asserted"
    )


@pytest.fixture(scope="module")
def mappings_graph(project_release: Path) -> Dataset:
    dataset = Dataset()
    dataset.parse(project_release / "cartkg.trig", format="trig")
    return dataset


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_only_an_exact_match_is_the_entity_s_identifier(
    row: dict[str, str], mappings_graph: Dataset
) -> None:
    graph = mappings_graph.graph(MAPPINGS_GRAPH)
    entity = KG[row["subject_id"].partition(":")[2]]
    curie = prefixes.standardize(row["object_id"])
    term = URIRef(prefixes.expand(curie))
    identifier = Literal(curie)  # xsd:string, which TriG writes as a plain literal
    predicate = URIRef(prefixes.expand(row["predicate_id"]))
    assert (entity, predicate, term) in graph
    if term.startswith(KG):  # two curated entities that are one thing: no identifier at all
        assert not set(graph.triples((None, DCTERMS.identifier, identifier)))
        return
    assert (term, DCTERMS.identifier, identifier) in graph
    exact = predicate == SKOS.exactMatch
    assert ((entity, DCTERMS.identifier, identifier) in graph) == exact, (
        f"{row['where']}: {row['predicate_id']} {curie} "
        + ("is not published as the entity's identifier" if exact else "is published as one")
    )
