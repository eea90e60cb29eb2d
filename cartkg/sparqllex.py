"""A SPARQL tokenizer that reads a query as pyoxigraph does, in time linear in its length.

Comments, strings and IRIs are single tokens, so a keyword inside them is never mistaken for
one outside them. The safety checks (SERVICE, Update, nesting) and the canned-query machinery
(which variables a query has, where its WHERE group is) read these tokens.

Where the grammar is ambiguous it follows pyoxigraph 0.5, checked by experiment
(tests/test_server_safety_lexer.py): only space, tab, CR and LF are white space; a comment
ends at CR as well as at LF; `\\u` and `\\U` escapes are decoded only inside strings and
IRIs, so `"\\u0022"` is a one-character string; three quotes that open no closed long string
are an empty string and the start of another (in VALUES, a row of two); local names take
`\\#`, `\\'` and the other escapes of PN_LOCAL_ESC; and `<` opens an IRI except after an
operand inside an expression, where it is "less than" (`FILTER(?a<?b)#>` holds a comparison
and a comment). Every pattern is possessive or bounded, and a short string left open ends the
scan, since pyoxigraph rejects such a query; so no text makes the scanner look at a character
more than a few times.

>>> [t.text for t in tokens('SELECT ?s # SERVICE <x>\\n{ ?s rdfs:label "a } b"@en }')]
['SELECT', '?s', '{', '?s', 'rdfs:label', '"a } b"', '@en', '}']
>>> query_form(tokens("PREFIX x: <urn:x:> ask { ?s ?p ?o }"))
'ASK'
>>> [t.text for t in tokens('ASK { FILTER(?a<?b)#>\\r}')]
['ASK', '{', 'FILTER', '(', '?a', '<', '?b', ')', '}']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

#: Brackets, operators and group patterns one inside (or after) another, counted along the
#: deepest path. pyoxigraph's recursive parser overflows the stack of a query worker at about
#: 2,200 nested braces, 2,600 BINDs in a row, or 9,000 `||` in a chain (bench/nesting.py).
MAX_NESTING = 1000

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS = _BASE + r"_\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
# A dot inside a name only when a name character follows the run of dots: never at the end.
_PREFIX = rf"[{_BASE}](?:[{_CHARS}]|\.++(?=[{_CHARS}]))*+"
_LOCAL = rf"(?:[{_CHARS}:]|{_PLX})(?:[{_CHARS}:]|{_PLX}|\.++(?=[{_CHARS}:%\\]))*+"

_SKIPPED = re.compile(r"(?:[ \t\r\n]++|#[^\r\n]*+)++")
_SEPARATORS = re.compile(r"[.;,]++")
# ECHAR and UCHAR: any other backslash ends the string there, unclosed, as in pyoxigraph.
_ESCAPE = r"""\\(?:[tbnrf"'\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
_STRINGS = {
    '"""': re.compile(rf'"""(?:[^"\\]++|{_ESCAPE}|"(?!""))*+(?P<end>""")?'),
    "'''": re.compile(rf"'''(?:[^'\\]++|{_ESCAPE}|'(?!''))*+(?P<end>''')?"),
    '"': re.compile(rf'"(?:[^"\\\r\n]++|{_ESCAPE})*+(?P<end>")?'),
    "'": re.compile(rf"'(?:[^'\\\r\n]++|{_ESCAPE})*+(?P<end>')?"),
}
_IRI_CHARS = r'[^<>"{}|^`\\\x00-\x20]*+'
_IRI = re.compile(rf"<{_IRI_CHARS}(?:\\(?:u[0-9A-Fa-f]{{4}}|U[0-9A-Fa-f]{{8}}){_IRI_CHARS})*+>")
# VARNAME, unlike the names of PN_CHARS, has no "-".
_VAR = re.compile(rf"[?$][{_BASE}_0-9\u00b7\u0300-\u036f\u203f-\u2040]++")
_BNODE = re.compile(rf"_:[{_CHARS}](?:[{_CHARS}]|\.++(?=[{_CHARS}]))*+")
_ASCII_WORD = re.compile(rf"[A-Za-z][A-Za-z0-9_]*+(?![{_CHARS}.:%\\])")
_NAME = re.compile(rf"(?:{_PREFIX})?(?P<colon>:(?:{_LOCAL})?)?")
_EXPONENT = r"[eE][+-]?[0-9]++"
_NUMBER = re.compile(
    rf"[0-9]++(?:\.[0-9]*+{_EXPONENT}|{_EXPONENT}|\.[0-9]++)?|\.[0-9]++(?:{_EXPONENT})?"
)
_LANG = re.compile(r"@[A-Za-z]++(?:-[A-Za-z0-9]++)*+(?:--[A-Za-z]++)?")
_PUNCT2 = frozenset({"^^", "&&", "||", "!=", "<=", ">="})
# Operators, and the keywords of group patterns: pyoxigraph makes a chain of them side by side
# into a tree as deep as the chain is long.
_CHAINING = frozenset(
    {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "!", "|", "^"}
)
_OPENING, _CLOSING = frozenset("({["), frozenset(")}]")
# Characters that are a token by themselves, and start no other.
_SIMPLE = frozenset("{}()[]*+/=-")
_CHAINING_WORDS = frozenset(
    {"UNION", "OPTIONAL", "MINUS", "BIND", "FILTER", "SERVICE", "GRAPH", "VALUES"}
)
# Words after which `(` opens a list rather than an expression, in a triple pattern.
_LIST_WORDS = frozenset({"A", "TRUE", "FALSE", "VALUES", "UNDEF"})
_OPERAND_ENDS = frozenset({"var", "string", "number", "iri", "pname", "bnode", "lang"})

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        """The upper-cased text of a bare word ('' for anything else)."""
        return self.text.upper() if self.kind == "word" else ""


class TooDeep(ValueError):
    """The query nests deeper than MAX_NESTING; the message names the limit and the line."""


# Tokens are made by the million on hostile input: without NamedTuple's Python-level __new__.
_new = tuple.__new__


def tokens(text: str) -> list[Token]:
    """The query's tokens, without whitespace and comments."""
    return list(stream(text))


def stream(text: str) -> Iterator[Token]:
    """The tokens one by one, as they are needed: most checks stop after a few.

    An 'error' token (a string left open, a character no token starts with) is the last one;
    TooDeep is raised where the nesting passes MAX_NESTING.
    """
    # Per open bracket, what it interrupted: the context ('top', 'group', 'list' or 'expr'),
    # the nesting where that context began, the operators chained in it so far, and the
    # deepest of the brackets closed in it. pyoxigraph's trees hang a bracket's contents at
    # the foot of the chain around it, so their depths add up.
    stack: list[tuple[str, int, int, int]] = []
    context, base, chained, inner = "top", 0, 0, 0
    before = prev = Token("punct", "", 0, 0)
    # Per long-string quote, where the last one left open stopped (see below).
    open_long: dict[str, int] = {}
    pos, size = 0, len(text)
    while pos < size:
        char = text[pos]
        if char in _SIMPLE:
            kind = "punct"
            token = _new(Token, (kind, char, pos, pos + 1))
        else:
            kind = "punct"
            match = None
            if char in " \t\r\n#":
                pos = _SKIPPED.match(text, pos).end()  # type: ignore[union-attr]
                continue
            if char in ".;," and not ("0" <= text[pos + 1 : pos + 2] <= "9"):
                match = _SEPARATORS.match(text, pos)  # a run of them is one token: none matters
            elif char in "\"'":
                long = char * 3
                if text.startswith(long, pos) and pos >= open_long.get(long, 0):
                    match = _STRINGS[long].match(text, pos)
                    assert match is not None
                    if not match.group("end"):
                        # As pyoxigraph does, read `""` instead, an empty string. A later
                        # opening of this kind before where this one stopped would stop
                        # there too (from its fourth character on, it reads the same text
                        # the same way): those are not scanned again, so the scan is linear.
                        open_long[long] = match.end()
                        match = None
                if match is None:
                    match = _STRINGS[char].match(text, pos)
                    assert match is not None
                kind = "string" if match.group("end") else "error"
            elif char == "<":
                if context != "expr" or not _operand_end(prev):
                    match = _IRI.match(text, pos)
                    kind = "iri" if match else "punct"
            elif char in "?$":
                match = _VAR.match(text, pos)
                kind = "var" if match else "punct"
            elif char == "_" and text.startswith("_:", pos):
                match = _BNODE.match(text, pos)
                kind = "bnode" if match else "error"
            elif "0" <= char <= "9" or (char == "." and "0" <= text[pos + 1 : pos + 2] <= "9"):
                match = _NUMBER.match(text, pos)
                kind = "number"
            elif char == "@":
                match = _LANG.match(text, pos)
                kind = "lang" if match else "punct"
            else:
                # Most names are plain ASCII words (keywords); the full pattern only where
                # the word goes on as a prefixed name or with other characters.
                match = _ASCII_WORD.match(text, pos)
                if match is not None:
                    kind = "word"
                else:
                    match = _NAME.match(text, pos)
                    if match and match.end() > pos:
                        kind = "pname" if match.group("colon") else "word"
                    else:
                        match = None
            if match is None:
                end = pos + 2 if text[pos : pos + 2] in _PUNCT2 else pos + 1
                if not char.isascii():
                    kind = "error"  # no token starts with it: pyoxigraph stops here too
                token = _new(Token, (kind, text[pos:end], pos, end))
            else:
                token = _new(Token, (kind, match.group(), pos, match.end()))
        pos = token.end
        if text.startswith(" ", pos):  # the space most tokens have after them, skipped here
            pos += 1
        yield token
        if kind == "punct":
            bracket = token.text
            if bracket in _OPENING:
                stack.append((context, base, chained, inner))
                base += chained + 1
                chained = inner = 0
                context = "group" if bracket != "(" else _opened(context, prev, before)
            elif bracket in _CLOSING:
                if stack:
                    depth = chained + inner + 1
                    context, base, chained, inner = stack.pop()
                    inner = max(inner, depth)
            elif bracket in _CHAINING:
                chained += 1
            if base + chained > MAX_NESTING or chained + inner > MAX_NESTING:
                raise _too_deep(text, token)
        elif kind == "word":
            if token.text.upper() in _CHAINING_WORDS:
                chained += 1
                if base + chained > MAX_NESTING or chained + inner > MAX_NESTING:
                    raise _too_deep(text, token)
        elif kind == "error":
            return
        before, prev = prev, token


def _too_deep(text: str, token: Token) -> TooDeep:
    line = text.count("\n", 0, token.start) + 1
    return TooDeep(
        f"the query is nested too deeply at line {line}: at most {MAX_NESTING} "
        "brackets, operators and group patterns may be nested or chained"
    )


def _operand_end(tok: Token) -> bool:
    """Whether an expression's operand may end with this token (so `<` is an operator)."""
    return tok.kind in _OPERAND_ENDS or tok.text in (")", "]") or tok.keyword in ("TRUE", "FALSE")


def _opened(context: str, prev: Token, before: Token) -> str:
    """What a parenthesis opens: a list (of terms, or of VALUES) or an expression."""
    if context in ("top", "expr"):
        return "expr"
    if prev.kind == "word" or before.keyword.endswith("FILTER"):
        # FILTER(...), BIND(...), FILTER fn(...), FILTER <fn>(...), also glued: trueFILTER(
        return "expr" if prev.keyword not in _LIST_WORDS else "list"
    return "list"


def query_form(toks: Iterable[Token]) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, an Update keyword, or None when there is none."""
    for tok in toks:
        if tok.keyword in QUERY_FORMS or tok.keyword in UPDATE_KEYWORDS:
            return tok.keyword
    return None


def is_update(text: str) -> bool:
    """Whether the text is a SPARQL Update request rather than a query.

    >>> is_update("# SELECT\\rDELETE WHERE { ?s ?p ?o }"), is_update('ASK { FILTER("DROP") }')
    (True, False)
    """
    try:
        return query_form(stream(text)) in UPDATE_KEYWORDS
    except TooDeep:
        return False  # pyoxigraph's query() parses queries only; the depth is checked apart


def declaration(toks: Sequence[Token], i: int) -> tuple[str, str, int] | None:
    """`(keyword, name, index of the IRI)` when a BASE or PREFIX declaration starts at i.

    pyoxigraph reads `PREFIXex:` as `PREFIX ex:` (keywords need no space after them).
    """
    tok = toks[i]
    if tok.keyword == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
        return "BASE", "", i + 1
    if tok.keyword == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
        return "PREFIX", toks[i + 1].text.rstrip(":"), i + 2
    glued = tok.kind == "pname" and tok.text.upper().startswith("PREFIX") and tok.text[-1] == ":"
    if glued and i + 1 < len(toks) and toks[i + 1].kind == "iri":
        return "PREFIX", tok.text[6:-1], i + 1
    return None


def prologue(toks: Sequence[Token]) -> tuple[str | None, dict[str, str]]:
    """The BASE IRI and the PREFIX declarations of a query."""
    base: str | None = None
    prefixes: dict[str, str] = {}
    for i in range(len(toks)):
        found = declaration(toks, i)
        if found is None:
            continue
        keyword, name, at = found
        if keyword == "BASE":
            base = toks[at].text[1:-1]
        else:
            prefixes[name] = toks[at].text[1:-1]
    return base, prefixes


def has_dataset_clause(toks: Iterable[Token]) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED)."""
    return any(t.keyword.startswith("FROM") for t in toks)


_FROM = re.compile(r"from", re.IGNORECASE)


def names_dataset(text: str) -> bool:
    """`has_dataset_clause` of a query's text; most queries skip the tokenizing.

    >>> names_dataset("SELECT * FROM <g> { ?s ?p ?o }"), names_dataset('ASK { ?s ?p "from" }')
    (True, False)
    """
    if _FROM.search(text) is None:
        return False
    try:
        return has_dataset_clause(stream(text))
    except TooDeep:
        return False  # refused before it runs (safety.check)


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
