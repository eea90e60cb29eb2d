"""Every locator points at text of its document that contains the asserted value.

For each claim in data/claims/source-*.yaml and each value it states, the located lines must
contain the value as the document writes it: a number (in digits, with separators, or in
words), a date (in any of the usual renderings), or a name or alias of the entity. Values that
are terms of the ontology (statuses, functions) are not names in the text; for those the
subject's name must be there instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from cartkg.paths import layout, sources_dir

DATA = layout().data
SOURCES = sources_dir()

pytestmark = pytest.mark.skipif(
    SOURCES is None, reason="the source documents (../shared/sources) are not beside this checkout"
)

WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100,
    "half": 50, "single": 1, "first": 1, "second": 2, "third": 3, "fourth": 4,
}  # fmt: skip
NUMBER_WORDS = {v: k for k, v in reversed(list(WORDS.items()))}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text).lower()


def _load(path: Path) -> Any:
    # BaseLoader keeps every scalar a string: dates and numbers are compared as written.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def _entity_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for path in sorted((DATA / "entities").glob("*.yaml")):
        for record in _load(path) or []:
            aliases = record.get("aliases") or []
            names[record["id"]] = [record.get("label", ""), *aliases]
    return names


def number_forms(text: str) -> set[str]:
    """Renderings of a number as documents write it.

    >>> sorted(number_forms("9000000"))
    ['9 million', '9,000,000', '9000000', '£9m']
    >>> sorted(number_forms("4"))
    ['4', 'four']
    """
    value = float(text)
    forms = {text}
    if value == int(value):
        n = int(value)
        forms |= {str(n), f"{n:,}"}
        if n in NUMBER_WORDS:
            forms.add(NUMBER_WORDS[n])
        if n >= 1_000_000:
            millions = f"{n / 1_000_000:g}"
            forms |= {f"{millions} million", f"£{millions}m"}
    elif 0 < value < 1:
        forms.add(f"{value * 100:g}%")
    return forms


def date_forms(text: str) -> set[str]:
    """Renderings of an xsd:date, gYearMonth or gYear.

    >>> sorted(date_forms("2023-04"))
    ['2023-04', 'apr 2023', 'april 2023']
    """
    parts = [int(p) for p in text.split("-")]
    forms = {text}
    if len(parts) >= 2:
        month = date(parts[0], parts[1], 1)
        long_, short = month.strftime("%B").lower(), month.strftime("%b").lower()
        if len(parts) == 2:
            forms |= {f"{long_} {parts[0]}", f"{short} {parts[0]}"}
        else:
            day = parts[2]
            for d in {str(day), f"{day:02d}"}:
                forms |= {f"{d} {long_} {parts[0]}", f"{d} {short} {parts[0]}"}
    return forms


def needles(value: Any, names: dict[str, list[str]]) -> list[set[str]]:
    """Groups of renderings; every group must be found (a range needs both ends)."""
    if isinstance(value, dict):
        groups: list[set[str]] = []
        for key in ("value", "min", "max"):
            if key in value:
                groups.extend(needles(value[key], names))
        return groups
    text = str(value).strip()
    if text in names:
        return [{n for n in names[text] if n}]
    if re.fullmatch(r"\d{4}(-\d{2}){0,2}", text) and "-" in text:
        return [date_forms(text)]
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return [number_forms(text)]
    return [{text}]


def _claims() -> Iterator[Any]:
    names = _entity_names() if (DATA / "entities").is_dir() else {}
    for path in sorted((DATA / "claims").glob("source-*.yaml")):
        document = _load(path)
        for index, claim in enumerate(document.get("claims") or []):
            for prop, values in (claim.get("state") or {}).items():
                for value in values if isinstance(values, list) else [values]:
                    yield pytest.param(
                        path.stem, document["source"], claim, value, names,
                        id=f"{path.stem}[{index}]-{claim.get('about')}-{prop}",
                    )  # fmt: skip


def _source_record(source_id: str) -> dict[str, Any]:
    records = _load(DATA / "sources.yaml")["sources"]
    record: dict[str, Any] = next(r for r in records if r["id"] == source_id)
    return record


def _document_lines(source_id: str) -> list[str]:
    assert SOURCES is not None
    path = SOURCES / _source_record(source_id)["file"]
    return path.read_text(encoding="utf-8").splitlines()


def _located(lines: list[str], locator: str) -> str:
    first, _, last = str(locator).partition("-")
    start, end = int(first), int(last or first)
    assert 1 <= start <= end <= len(lines), f"locator {locator} outside 1..{len(lines)}"
    return " ".join(lines[start - 1 : end])


def test_every_source_document_has_claims() -> None:
    stated = {_load(p)["source"] for p in (DATA / "claims").glob("source-*.yaml")}
    documented = {r["id"] for r in _load(DATA / "sources.yaml")["sources"]}
    assert {s for s in documented if s.startswith("source-")} <= stated


@pytest.mark.parametrize(("stem", "source", "claim", "value", "names"), list(_claims()))
def test_locator_contains_value(
    stem: str, source: str, claim: dict[str, Any], value: Any, names: dict[str, list[str]]
) -> None:
    text = _located(_document_lines(source), claim["lines"])
    groups = needles(value, names)
    if isinstance(value, str) and (
        re.fullmatch(r"([A-Za-z]+:)?[A-Z][a-z]+[A-Z][A-Za-z0-9]*", value) or len(value.split()) >= 5
    ):
        # An ontology term (a status, a function) is not a name in the text, and a descriptive
        # value is in our own words by design: the subject must be named there instead, or
        # the value must share most of its content words with the text, or (for a publisher
        # writing about itself in the first person) the text must say "we" or "our".
        subject_names = {n for n in names.get(claim["about"], []) if n}
        if _shares_content_words(value, text):
            return
        if claim["about"] == _source_record(source).get("publisher") and re.search(
            r"\b(we|our)\b", text, re.IGNORECASE
        ):
            return
        groups = [subject_names]
    for group in groups:
        assert any(_found(n, text) for n in group), (
            f"data/claims/{stem}.yaml: claim about {claim['about']!r} at lines {claim['lines']}: "
            f"none of {sorted(group)} occurs in the located text"
        )


def _shares_content_words(value: str, located: str) -> bool:
    """At least half the value's content words (compared on their first five letters) occur.

    >>> _shares_content_words("manufacturer modifies the cells", "cells modified by a manufacturer")
    True
    >>> _shares_content_words("A manufacturer modifies the cells", "patients stay in hospital")
    False
    """
    stems = {w[:5] for w in re.findall(r"[a-z]+", normalise(located)) if len(w) >= 4}
    words = [w[:5] for w in re.findall(r"[a-z]+", normalise(value)) if len(w) >= 4]
    return len(words) >= 3 and sum(w in stems for w in words) * 2 >= len(words)


def _found(needle: str, located: str) -> bool:
    """The needle as written, or (for a phrase) each of its content words.

    An acronym (ALL, NHL) must match as a capitalised word: "all" is not acute lymphoblastic
    leukaemia.

    >>> _found("ALL", "for all patients"), _found("ALL", "patients with ALL")
    (False, True)
    """
    if re.fullmatch(r"[A-Z0-9]{2,6}", needle):
        return re.search(rf"\b{needle}\b", unicodedata.normalize("NFKC", located)) is not None
    needle, text = normalise(needle), normalise(located)
    if needle in text:
        return True
    words = [w for w in re.findall(r"[a-z0-9]+", needle) if len(w) >= 4]
    return len(words) >= 2 and all(w in text for w in words)
