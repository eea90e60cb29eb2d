"""`cartkg coverage`: how much of each source document the curated claims take up.

Per source document (the files of the sources folder, `cartkg.paths.sources_dir`), two figures:

- **lines cited**: of the lines that state something, those that a claim of the document cites
  (its `lines`, one line or a range). A line *states something* unless, with a leading list
  marker (`-`, `*`, `•`) taken off, it is blank, a heading or page furniture:

  - a *heading* has at most 8 words, no digit, and no word that begins in lower case except
    the short joining words of titles (`a`, `and`, `of`, `the`, ...): "Side Effects",
    "Who Can Apply?", the entries of a table of contents;
  - *page furniture* is what a web page wraps around its text: a link to click, a logo's
    description, a byline ("Posted by"), buttons ("Sign this ...", "Share this ...", "Make a
    donation"), "Related story/posts", "More details", "Show on a map".

- **text-only claims**: claims whose every value is free text, a string literal (plain,
  `xsd:string` or language-tagged) of a property whose values are not names, titles or
  identifiers (`VERBATIM_FIELDS`). A claim with an entity, a number, a date, an amount, a URL
  or another typed value is structured, at least in part.

The verification record (`reference-checks`) is not a source document: it lives elsewhere and
its claims check others' claims.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, XSD, Literal

from cartkg.curation import load_curation
from cartkg.errors import CartkgError
from cartkg.paths import Layout, sources_dir
from cartkg.records import VERBATIM_FIELDS, Claim, Statement
from cartkg.vocabulary import Vocabulary, load_ontology

HEADING_WORDS = 8
_JOINING = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or"}
    | {"the", "to", "vs", "with"}
)
_MARKER = re.compile(r"^\s*[-*•]\s+")
_FURNITURE = re.compile(
    r"\bclick\b|\blogo\b|^(posted by|more details|make a donation|related (story|posts)"
    r"|sign this|share this|show on a map|i would like to give)\b",
    re.IGNORECASE,
)
_TEXT_TYPES = frozenset({None, XSD.string, RDF.langString})
QUOTED = 80


def states_something(line: str) -> bool:
    """Whether a document line states something (see the module's docstring).

    >>> [states_something(t) for t in ("", "How It Works", "- Step 2: Collection", "Posted by")]
    [False, False, True, False]
    >>> states_something("The clinic treats adults."), states_something("3,000 patients")
    (True, True)
    """
    text = _MARKER.sub("", line).strip()
    if not text or _FURNITURE.search(text):
        return False
    words = text.split()
    heading = (
        len(words) <= HEADING_WORDS
        and not re.search(r"\d", text)
        and not any(_lower_case(word) for word in words)
    )
    return not heading


def _lower_case(word: str) -> bool:
    """Whether a word, punctuation aside, begins in lower case and is not a joining word."""
    bare = re.sub(r"^\W+|\W+$", "", word)
    return bare[:1].islower() and bare not in _JOINING


def text_only(claim: Claim, vocabulary: Vocabulary) -> bool:
    """Whether every value of the claim is free text (see the module's docstring)."""
    return all(_free_text(st, vocabulary) for st in claim.statements)


def _free_text(statement: Statement, vocabulary: Vocabulary) -> bool:
    value = statement.value
    return (
        isinstance(value, Literal)
        and value.datatype in _TEXT_TYPES
        and vocabulary.label(statement.predicate) not in VERBATIM_FIELDS
    )


@dataclass(frozen=True)
class Document:
    source: str
    path: Path
    #: line number -> the line, for the lines that state something
    stating: dict[int, str]
    cited: frozenset[int]
    claims: int
    text_only: tuple[str, ...]  # where each text-only claim is (file:line)

    @property
    def uncited(self) -> list[int]:
        return [n for n in self.stating if n not in self.cited]

    @property
    def cited_percent(self) -> float | None:
        return percent(len(self.cited), len(self.stating))

    @property
    def text_only_percent(self) -> float | None:
        return percent(len(self.text_only), self.claims)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def measure(project: Layout) -> list[Document]:
    """The coverage of every source document of `project`; CartkgError if it cannot be had."""
    folder = sources_dir(project.root)
    if folder is None:
        raise CartkgError(
            f"no source documents: neither $CARTKG_SOURCES nor {project.root.parent}/shared/"
            "sources is a folder"
        )
    vocabulary = Vocabulary(load_ontology(project.ontology))
    curation = load_curation(project.root, vocabulary, folder)
    found = []
    for source in curation.sources:
        path = folder / source.file
        if source.text_lines is None or not path.is_file():
            continue
        claims = [c for c in curation.claims if c.source == source.id]
        stating = {
            n: line for n, line in enumerate(source.text_lines, start=1) if states_something(line)
        }
        cited = {n for c in claims for n in range(c.first_line, c.last_line + 1)}
        found.append(
            Document(
                source=source.id,
                path=path,
                stating=stating,
                cited=frozenset(cited & set(stating)),
                claims=len(claims),
                text_only=tuple(str(c.where) for c in claims if text_only(c, vocabulary)),
            )
        )
    return found


def below(documents: Sequence[Document], fail_under: float) -> list[Document]:
    """The documents whose cited share of stating lines is under `fail_under` per cent."""
    return [d for d in documents if d.cited_percent is not None and d.cited_percent < fail_under]


def _totals(documents: Sequence[Document]) -> dict[str, int | float | None]:
    stating = sum(len(d.stating) for d in documents)
    cited = sum(len(d.cited) for d in documents)
    claims = sum(d.claims for d in documents)
    text = sum(len(d.text_only) for d in documents)
    return {
        "lines_stating": stating,
        "lines_cited": cited,
        "cited_percent": percent(cited, stating),
        "claims": claims,
        "text_only_claims": text,
        "text_only_percent": percent(text, claims),
    }


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_text(documents: Sequence[Document], uncited: bool = False) -> str:
    """The summary table; with `uncited`, then every uncited stating line as file:line: text."""
    header = ("source", "stating", "cited", "cited %", "claims", "text-only", "text-only %")
    rows = [
        (
            d.source,
            str(len(d.stating)),
            str(len(d.cited)),
            _shown(d.cited_percent),
            str(d.claims),
            str(len(d.text_only)),
            _shown(d.text_only_percent),
        )
        for d in documents
    ]
    total = _totals(documents)
    rows.append(
        (
            "all",
            str(total["lines_stating"]),
            str(total["lines_cited"]),
            _shown(total["cited_percent"]),
            str(total["claims"]),
            str(total["text_only_claims"]),
            _shown(total["text_only_percent"]),
        )
    )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]
    if uncited:
        lines += [
            f"{d.path}:{n}: {d.stating[n].strip()[:QUOTED]}" for d in documents for n in d.uncited
        ]
    return "\n".join(lines)


def render_json(
    documents: Sequence[Document], uncited: bool = False, fail_under: float | None = None
) -> str:
    """The figures as JSON; each uncited line with its first characters when `uncited`."""
    report = {
        "documents": [
            {
                "source": d.source,
                "file": str(d.path),
                "lines_stating": len(d.stating),
                "lines_cited": len(d.cited),
                "cited_percent": d.cited_percent,
                "claims": d.claims,
                "text_only_claims": len(d.text_only),
                "text_only_percent": d.text_only_percent,
                "uncited_lines": [
                    {"line": n, "text": d.stating[n].strip()[:QUOTED]} if uncited else {"line": n}
                    for n in d.uncited
                ],
                "text_only": list(d.text_only),
            }
            for d in documents
        ],
        "total": _totals(documents),
        "fail_under": fail_under,
        "below": [] if fail_under is None else [d.source for d in below(documents, fail_under)],
    }
    return json.dumps(report, indent=2, ensure_ascii=False)
