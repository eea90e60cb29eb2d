"""The SSSOM mappings in data/mappings/ as data: one check per mapping row, then per file, then
across files; `sssom validate` (sssom-py's CLI) as a second opinion.

Why our own checks: sssom-py 0.4.21 fills in a missing `mapping_set_id` and `license` with
defaults instead of reporting them, does not check identifiers against their scheme's pattern,
and its `Shacl` and `Sparql` validation types raise NotImplementedError. The checks here close
those gaps; `sssom validate` runs with its default types (JsonSchema, PrefixMapCompleteness,
StrictCurieFormat), which do work.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from cartkg import prefixes
from cartkg.paths import layout

bioregistry = pytest.importorskip("bioregistry", reason="bioregistry is in the test extra")
sssom_schema = pytest.importorskip("sssom_schema", reason="sssom is in the test extra")

FIXTURES = Path(__file__).parent / "fixtures" / "mappings"
MAPPING_FILES = sorted((layout().data / "mappings").glob("*.sssom.tsv"))
MATCHES = {
    f"skos:{m}" for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
}
EVIDENCE_COLUMNS = ("see_also", "comment")


@cache
def schema() -> dict[str, Any]:
    """The SSSOM schema that sssom-py ships: built-in prefixes, justifications, CURIE slots."""
    path = Path(sssom_schema.__file__).parent / "schema" / "sssom_schema.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def builtin_prefixes() -> set[str]:
    return set(schema()["prefixes"])


def justifications() -> set[str]:
    slot = schema()["slots"]["mapping_justification"]
    return {choice["equals_string"] for choice in slot["any_of"]}


def curie_columns() -> set[str]:
    """Columns whose values are CURIEs (`EntityReference` in the schema)."""
    return {
        name
        for name, slot in schema()["slots"].items()
        if (slot or {}).get("range") == "EntityReference"
    }


@dataclass(frozen=True)
class Row:
    file: Path
    line: int
    cells: dict[str, str]

    def __str__(self) -> str:
        return f"{self.file.name}:{self.line}"


@dataclass(frozen=True)
class MappingFile:
    path: Path
    meta: dict[str, Any]
    rows: tuple[Row, ...]


def read(path: Path) -> MappingFile:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line[1:] for line in lines if line.startswith("#")]
    meta = yaml.safe_load("\n".join(header)) or {}
    body = lines[len(header) :]
    table = csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t")
    first = len(header) + 1  # the column header's line
    rows = tuple(
        Row(path, first + n, {k: (v or "").strip() for k, v in cells.items() if k})
        for n, cells in enumerate(table, start=1)
    )
    return MappingFile(path, meta if isinstance(meta, dict) else {}, rows)


@cache
def entity_ids() -> frozenset[str]:
    ids = set()
    for path in (layout().data / "entities").glob("*.yaml"):
        ids |= {e["id"] for e in yaml.safe_load(path.read_text(encoding="utf-8")) or []}
    return frozenset(ids)


@cache
def entity_types() -> dict[str, frozenset[str]]:
    types: dict[str, frozenset[str]] = {}
    for path in (layout().data / "entities").glob("*.yaml"):
        for e in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            kinds = e.get("type") or []
            types[e["id"]] = frozenset([kinds] if isinstance(kinds, str) else kinds)
    return types


def scheme(prefix: str) -> str | None:
    """The scheme a CURIE prefix denotes: bioregistry's key, else the project's own spelling."""
    key = bioregistry.normalize_prefix(prefix)
    if key:
        return str(key)
    try:
        return prefixes.prefix_map()[prefix].prefix
    except KeyError:
        return None


def pattern_of(prefix: str) -> str | None:
    key = bioregistry.normalize_prefix(prefix)
    if key:
        return bioregistry.get_pattern(key)
    try:
        return prefixes.prefix_map()[prefix].pattern
    except KeyError:
        return None


def row_problems(row: Row, known_ids: frozenset[str]) -> list[str]:
    """What is wrong with one mapping row (empty when nothing is)."""
    problems = []
    cells = row.cells
    prefix, _, entity = cells.get("subject_id", "").partition(":")
    if prefix != "kg" or entity not in known_ids:
        problems.append(
            f"subject {cells.get('subject_id')!r} is not kg:<an entity in data/entities>"
        )
    if cells.get("predicate_id") not in MATCHES:
        problems.append(f"predicate {cells.get('predicate_id')!r} is not a SKOS mapping predicate")
    if cells.get("mapping_justification") not in justifications():
        problems.append(f"justification {cells.get('mapping_justification')!r} is not SEMAPV")
    object_id = cells.get("object_id", "")
    prefix, colon, identifier = object_id.partition(":")
    if not colon or not identifier:
        problems.append(f"object {object_id!r} is not a CURIE")
    elif scheme(prefix) is None:
        problems.append(f"object {object_id!r}: no registry or project prefix {prefix!r}")
    elif (pattern := pattern_of(prefix)) and not re.fullmatch(pattern, identifier):
        problems.append(f"object {object_id!r}: {identifier!r} does not match {pattern}")
    if not any(cells.get(column) for column in EVIDENCE_COLUMNS):
        problems.append(f"no evidence: fill one of {', '.join(EVIDENCE_COLUMNS)}")
    return problems


def file_problems(mapping_file: MappingFile) -> list[str]:
    """What is wrong with a file's metadata header and its CURIE prefixes."""
    meta = mapping_file.meta
    problems = []
    for key in ("mapping_set_id", "license"):
        value = meta.get(key)
        if not (isinstance(value, str) and re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value)):
            problems.append(f"header lacks an absolute IRI for {key!r} (found {value!r})")
    curie_map = meta.get("curie_map")
    if not isinstance(curie_map, dict):
        return [*problems, "header lacks a curie_map"]
    used = {
        row.cells[column].partition(":")[0]
        for row in mapping_file.rows
        for column in curie_columns()
        if ":" in row.cells.get(column, "") and "://" not in row.cells[column]
    }
    missing = sorted(used - set(curie_map) - builtin_prefixes())
    if missing:
        problems.append(f"curie_map lacks prefixes used in the rows: {', '.join(missing)}")
    for prefix, uri_prefix in curie_map.items():
        try:
            ours = prefixes.prefix_map()[str(prefix)]
        except KeyError:
            continue
        if uri_prefix not in (ours.uri_prefix, *ours.uri_synonyms):
            problems.append(
                f"curie_map maps {prefix} to {uri_prefix}, the project's prefix map to "
                f"{ours.uri_prefix} (data/prefixes.yaml)"
            )
    return problems


def duplicate_exact_matches(rows: list[Row]) -> list[str]:
    """Entities with two different identifiers in one scheme by skos:exactMatch."""
    seen: dict[tuple[str, str | None], dict[str, Row]] = defaultdict(dict)
    for row in rows:
        if row.cells.get("predicate_id") != "skos:exactMatch":
            continue
        prefix, _, identifier = row.cells.get("object_id", "").partition(":")
        seen[(row.cells.get("subject_id", ""), scheme(prefix))][identifier] = row
    return [
        f"{subject} has {len(ids)} {key} identifiers by exactMatch: "
        + ", ".join(f"{i} ({r})" for i, r in sorted(ids.items()))
        for (subject, key), ids in sorted(seen.items(), key=str)
        if len(ids) > 1
    ]


MAPPINGS = [read(path) for path in MAPPING_FILES]
ROWS = [row for mapping_file in MAPPINGS for row in mapping_file.rows]


def test_there_are_mapping_files() -> None:
    assert MAPPING_FILES, "data/mappings/*.sssom.tsv: no mapping files yet"


@pytest.mark.parametrize("row", ROWS, ids=[str(r) for r in ROWS])
def test_mapping_row(row: Row) -> None:
    assert not row_problems(row, entity_ids())


@pytest.mark.parametrize("mapping_file", MAPPINGS, ids=[m.path.name for m in MAPPINGS])
def test_mapping_file_header(mapping_file: MappingFile) -> None:
    assert not file_problems(mapping_file)


def test_no_entity_has_two_identifiers_in_one_scheme() -> None:
    assert not duplicate_exact_matches(ROWS)


def test_every_target_has_its_gene_and_protein() -> None:
    """A target antigen is a protein: UniProtKB by exactMatch; its gene (HGNC) by any match."""
    targets = sorted(i for i, kinds in entity_types().items() if "TargetAntigen" in kinds)

    def linked(target: str, prefix: str, exact_only: bool) -> bool:
        return any(
            r.cells["subject_id"] == f"kg:{target}"
            and r.cells["object_id"].startswith(f"{prefix}:")
            and (r.cells.get("predicate_id") == "skos:exactMatch" or not exact_only)
            for r in ROWS
        )

    lacking = [f"{t} lacks UniProtKB" for t in targets if not linked(t, "UniProtKB", True)]
    lacking += [f"{t} lacks HGNC" for t in targets if not linked(t, "HGNC", False)]
    assert targets and not lacking


@pytest.mark.parametrize("curie", ["MONDO:0007915", "HGNC:1633"])
def test_the_issue_s_example_identifiers_are_mapped(curie: str) -> None:
    assert any(r.cells.get("object_id") == curie for r in ROWS)


# -- the checks above can fail: a broken file shows each of them firing ---------------------


def test_the_checks_find_every_fault_in_a_broken_file() -> None:
    broken = read(FIXTURES / "broken.sssom.tsv")
    known = frozenset({"cd19"})
    found = [p for row in broken.rows for p in row_problems(row, known)]
    found += file_problems(broken) + duplicate_exact_matches(list(broken.rows))
    expected = [
        "subject 'kg:no-such-entity'",
        "predicate 'owl:sameAs'",
        "justification 'semapv:Guesswork'",
        "'HGNC:CD19': 'CD19' does not match",
        "no evidence",
        "header lacks an absolute IRI for 'license'",
        "curie_map lacks prefixes used in the rows: UniProtKB",
        "curie_map maps HGNC to https://example.org/hgnc/",
        "kg:cd19 has 2 hgnc identifiers",
    ]
    text = "\n".join(found)
    assert [e for e in expected if e not in text] == []


# -- second opinion ---------------------------------------------------------------------------


def _sssom_validate(path: Path) -> tuple[int, str]:
    from click.testing import CliRunner
    from sssom.cli import main

    result = CliRunner().invoke(main, ["validate", str(path)])
    return result.exit_code, f"{result.output}{result.exception or ''}"


@pytest.mark.parametrize("path", MAPPING_FILES, ids=[p.name for p in MAPPING_FILES])
def test_sssom_validate_agrees(path: Path) -> None:
    code, output = _sssom_validate(path)
    assert code == 0, output


def test_sssom_validate_rejects_the_broken_file() -> None:
    code, _ = _sssom_validate(FIXTURES / "broken.sssom.tsv")
    assert code != 0
