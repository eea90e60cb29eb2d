"""Data as code: no text in data/ repeats 8 or more consecutive words of a source document.

Facts carry over from the documents, sentences do not. Every string of the YAML files, every
SSSOM `comment` and the ontology's labels and definitions are checked, one test per string,
against the five documents and the reference file, except the fields declared in
`cartkg.records.VERBATIM_FIELDS` (names, titles, URLs and identifiers). Words are compared
lower-cased, with apostrophes dropped ("King's" is "kings") and hyphens splitting words
("CAR-T" is "car t").

Issue 11, section 2; the 13 copies of review 2026-12-data-review.md, section 2.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from rdflib import RDFS, SKOS, Graph, Literal

from cartkg import yamlio
from cartkg.curation import RECORD_KEYS, SLUG
from cartkg.mappings import split_sssom
from cartkg.paths import layout, sources_dir
from cartkg.records import VERBATIM_FIELDS

RUN = 8
#: A text value of a claim's `state` is a copied item when more than this share of its words
#: lies in runs of SHORT_RUN words shared with a document (the review's measure of whole bullet
#: items, which counted 80 % too: a five-word value whose other four words are an idiom such
#: as "none seen so far" is at 80 %).
SHORT_RUN, ITEM_SHARE = 4, 0.8
RECORD_FIELDS = {key for keys in RECORD_KEYS.values() for key in keys}
PROJECT = layout()
DATA = PROJECT.data
SOURCES = sources_dir()


def words(text: str) -> list[str]:
    """
    >>> words("King's College's CAR-T, 2024")
    ['kings', 'colleges', 'car', 't', '2024']
    """
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    return re.findall(r"\w+", text.replace("'", ""))


@cache
def _documents() -> dict[tuple[str, ...], str]:
    """Every run of RUN words of the documents -> "file line N" where it starts."""
    if SOURCES is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but the source documents (../shared/sources) are missing")
        pytest.skip("the source documents (../shared/sources) are not beside this checkout")
    records = yamlio.load(DATA / "sources.yaml", "data/sources.yaml")["sources"]
    runs: dict[tuple[str, ...], str] = {}
    for record in records:
        name = record["file"]
        path = next(p for p in (SOURCES / name, SOURCES.parent / "reference" / name) if p.is_file())
        tokens: list[tuple[str, int]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            tokens += [(w, number) for w in words(line)]
        for i in range(len(tokens) - RUN + 1):
            key = tuple(w for w, _ in tokens[i : i + RUN])
            runs.setdefault(key, f"{name} line {tokens[i][1]}")
    return runs


def _strings(value: Any, field: str, line: int) -> Iterator[tuple[str, str, int]]:
    """(field, text, line) of every string under `value`; `field` is the nearest named key."""
    if isinstance(value, str):
        yield field, value, line
    elif isinstance(value, list):
        lines = getattr(value, "item_lines", []) or [line] * len(value)
        for item, at in zip(value, lines, strict=False):
            yield from _strings(item, field, at)
    elif isinstance(value, dict):
        for key, item in value.items():
            at = value.line_of(key) if hasattr(value, "line_of") else line
            # A claim's `state` names its properties; amounts name their parts (min, unit).
            yield from _strings(item, field if field == "state.value" else key, at)


@cache
def _short_runs() -> frozenset[tuple[str, ...]]:
    return frozenset(
        run[:SHORT_RUN] for run in _documents() for run in (run, run[RUN - SHORT_RUN :])
    )


def _texts() -> Iterator[Any]:
    for path in sorted(DATA.rglob("*.yaml")):
        display = str(path.relative_to(PROJECT.root))
        for field, text, line in _strings(yamlio.load(path, display), "", 1):
            if field not in VERBATIM_FIELDS:
                yield pytest.param(text, id=f"{display}:{line}:{field}")
    for path in sorted(DATA.rglob("*.sssom.tsv")):
        display = str(path.relative_to(PROJECT.root))
        header, _ = split_sssom(path.read_text(encoding="utf-8"))
        table = path.read_text(encoding="utf-8").splitlines()[len(header) :]
        for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(table)), delimiter="\t")):
            for field, text in row.items():
                if field not in VERBATIM_FIELDS and text:
                    line = len(header) + 2 + number
                    yield pytest.param(text, id=f"{display}:{line}:{field}")


def _ontology_texts() -> Iterator[Any]:
    """The ontology's own labels and definitions (review section 2 found a copied definition)."""
    graph = Graph().parse(PROJECT.ontology / "cartkg.ttl", format="turtle")
    for term, predicate, text in sorted(graph.triples((None, None, None))):
        if isinstance(text, Literal) and predicate in (RDFS.label, SKOS.definition, RDFS.comment):
            yield pytest.param(str(text), id=f"ontology/cartkg.ttl:{graph.qname(term)}")


def shared_run(text: str, runs: dict[tuple[str, ...], str]) -> str | None:
    """The longest run of at least RUN words that `text` shares with a document, and where.

    >>> shared_run("so a b c d e f g h i", {("a", "b", "c", "d", "e", "f", "g", "h"): "x line 1"})
    "'a b c d e f g h' (x line 1)"
    """
    ours = words(text)
    best: tuple[int, str] | None = None
    for i in range(len(ours) - RUN + 1):
        where = runs.get(tuple(ours[i : i + RUN]))
        if where is None:
            continue
        end = i + RUN
        while end < len(ours) and _extends(ours[i : end + 1], runs):
            end += 1
        if best is None or end - i > best[0]:
            best = (end - i, f"{' '.join(ours[i:end])!r} ({where})")
    return best[1] if best else None


def _extends(run: list[str], runs: dict[tuple[str, ...], str]) -> bool:
    """Every RUN-word window of `run` is in a document (a good enough test of one longer run)."""
    return all(tuple(run[j : j + RUN]) in runs for j in range(len(run) - RUN + 1))


def copied_share(text: str, runs: frozenset[tuple[str, ...]]) -> float:
    """The share of the words of `text` that lie in runs of SHORT_RUN words found in `runs`.

    >>> copied_share("so a b c d", frozenset({("a", "b", "c", "d")}))
    0.8
    """
    ours = words(text)
    covered: set[int] = set()
    for i in range(len(ours) - SHORT_RUN + 1):
        if tuple(ours[i : i + SHORT_RUN]) in runs:
            covered |= set(range(i, i + SHORT_RUN))
    return len(covered) / len(ours) if ours else 0.0


def _state_values() -> Iterator[Any]:
    """The text values of claims' `state` (not entity ids, which are identifiers)."""
    for path in sorted((DATA / "claims").glob("*.yaml")):
        display = str(path.relative_to(PROJECT.root))
        for field, text, line in _strings(yamlio.load(path, display), "", 1):
            if field in RECORD_FIELDS | VERBATIM_FIELDS or SLUG.match(text):
                continue
            if len(words(text)) >= SHORT_RUN:
                yield pytest.param(text, id=f"{display}:{line}:{field}")


def test_verbatim_fields_are_fields_of_the_data() -> None:
    """A declared field that no file uses is a typo that would let copies through."""
    used = {
        f
        for path in DATA.rglob("*.yaml")
        for f, _, _ in _strings(yamlio.load(path, str(path)), "", 1)
    }
    for path in DATA.rglob("*.sssom.tsv"):
        text = path.read_text(encoding="utf-8")
        used |= set(text.splitlines()[len(split_sssom(text)[0])].split("\t"))
    assert sorted(VERBATIM_FIELDS - used) == []


@pytest.mark.parametrize("text", [*_texts(), *_ontology_texts()])
def test_text_is_in_our_own_words(text: str) -> None:
    copied = shared_run(text, _documents())
    assert copied is None, f"shares {copied} with a source: say it in our own words"


@pytest.mark.parametrize("text", list(_state_values()))
def test_text_value_is_not_a_copied_item(text: str) -> None:
    """Review section 2, "shorter whole-item copies": a source's bullet item copied whole."""
    share = copied_share(text, _short_runs())
    assert share <= ITEM_SHARE, (
        f"{share:.0%} of its words are runs of {SHORT_RUN} words of a source: "
        "say it in our own words"
    )
