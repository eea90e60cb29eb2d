"""A SPARQL tokenizer, just enough to read a query's shape without trusting regexes on raw text.

Comments, strings and IRIs are single tokens, so a keyword inside them is never mistaken for
one outside them. The safety checks (SERVICE, Update) and the canned-query machinery (which
variables a query has, where its WHERE group is) read these tokens.

>>> [t.text for t in tokens('SELECT ?s # SERVICE <x>\\n{ ?s rdfs:label "a } b"@en }')]
['SELECT', '?s', '{', '?s', 'rdfs:label', '"a } b"', '@en', '}']
>>> query_form(tokens("PREFIX x: <urn:x:> ask { ?s ?p ?o }"))
'ASK'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

_PN_CHARS = r"\w\u00B7\u00C0-\uFFFF"  # \w covers letters, digits and '_'

# Order matters: longer and more specific forms first.
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][{_PN_CHARS}]+)
  | (?P<bnode>_:[{_PN_CHARS}\-.]*[{_PN_CHARS}\-])
  | (?P<pname>(?:[^\W\d_][{_PN_CHARS}\-.]*[{_PN_CHARS}\-]|[^\W\d_])?
              :(?:(?:[{_PN_CHARS}\-:%\\]|\.(?=[{_PN_CHARS}\-:%\\]))*))
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d][\w]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

_FROM = re.compile(r"\bfrom\b", re.IGNORECASE)
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        """The upper-cased text of a bare word ('' for anything else)."""
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """The query's tokens, without whitespace and comments."""
    return list(_significant(text))


def _significant(text: str) -> Iterator[Token]:
    """The tokens one by one, as they are needed: most checks stop after a few."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start(), match.end())


def query_form(toks: Iterable[Token]) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, an Update keyword, or None when there is none."""
    for tok in toks:
        if tok.keyword in QUERY_FORMS or tok.keyword in UPDATE_KEYWORDS:
            return tok.keyword
    return None


def is_update(text: str) -> bool:
    """Whether the text is a SPARQL Update request rather than a query."""
    return query_form(_significant(text)) in UPDATE_KEYWORDS


def prologue(toks: Sequence[Token]) -> tuple[str | None, dict[str, str]]:
    """The BASE IRI and the PREFIX declarations of a query."""
    base: str | None = None
    prefixes: dict[str, str] = {}
    for i, tok in enumerate(toks):
        if tok.keyword == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = toks[i + 1].text[1:-1]
        elif tok.keyword == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
    return base, prefixes


def has_dataset_clause(toks: Iterable[Token]) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED)."""
    return any(t.keyword == "FROM" for t in toks)


def names_dataset(text: str) -> bool:
    """`has_dataset_clause` of a query's text; most queries skip the tokenizing.

    >>> names_dataset("SELECT * FROM <g> { ?s ?p ?o }"), names_dataset('ASK { ?s ?p "from" }')
    (True, False)
    """
    return _FROM.search(text) is not None and has_dataset_clause(_significant(text))


def variables(toks: Sequence[Token]) -> list[str]:
    """The names of the variables the query mentions, in order of first mention."""
    return list(dict.fromkeys(t.text[1:] for t in toks if t.kind == "var"))


def projection(toks: Sequence[Token]) -> set[str] | None:
    """The variables a SELECT query projects; None for `SELECT *` or another query form."""
    start = next((i for i, t in enumerate(toks) if t.keyword in QUERY_FORMS), None)
    if start is None or toks[start].keyword != "SELECT":
        return None
    projected: set[str] = set()
    depth = 0
    for i in range(start + 1, len(toks)):
        tok = toks[i]
        if depth == 0 and (tok.text == "{" or tok.keyword in ("WHERE", "FROM")):
            break
        if tok.text == "*" and depth == 0:
            return None
        depth += {"(": 1, ")": -1}.get(tok.text, 0)
        after_as = i > 0 and toks[i - 1].keyword == "AS"
        if tok.kind == "var" and (depth == 0 or after_as):
            projected.add(tok.text[1:])
    return projected


def where_group(toks: Sequence[Token]) -> tuple[int, int] | None:
    """Indexes of the braces that open and close the query's WHERE group.

    In `CONSTRUCT { template } WHERE { ... }` the template is skipped; the short form
    `CONSTRUCT WHERE { ... }` has no separate group and gives None.
    """
    form = next((i for i, t in enumerate(toks) if t.keyword in QUERY_FORMS), None)
    if form is None:
        return None
    i = form + 1
    if toks[form].keyword == "CONSTRUCT":
        if i >= len(toks) or toks[i].text != "{":
            return None
        i = _closing(toks, i) + 1
    depth = 0
    while i < len(toks):
        text = toks[i].text
        if text == "{" and depth == 0:
            return i, _closing(toks, i)
        depth += {"(": 1, ")": -1}.get(text, 0)
        i += 1
    return None


def _closing(toks: Sequence[Token], open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(toks)):
        if toks[i].text == "{":
            depth += 1
        elif toks[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced braces in the query")
