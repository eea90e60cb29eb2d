"""What a query may not do: update, call other services, nest too deeply, be too large.

This is the friendly first answer, a 403 or 400 that says why. What is enforced is enforced
by the kernel (`sandbox.py`): a SERVICE clause this scan misses cannot connect anywhere. The
scan reads the query with `cartkg.sparqllex` in one linear pass, as pyoxigraph reads it, in the
request thread: no parser, no lock, no work that grows faster than the text.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urljoin

from cartkg.sparqllex import QUERY_FORMS, UPDATE_KEYWORDS, Token, TooDeep, declaration, stream

_MENTIONS_SERVICE = re.compile(r"service", re.IGNORECASE)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


class Refused(Exception):
    """The query is not run; `status` and `message` are what the client is told."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Service:
    """A SERVICE clause: its endpoint (None for a variable or one that cannot be read), where
    the endpoint is written, and whether it sits inside another SERVICE (which then runs it)."""

    endpoint: str | None
    #: The endpoint as written (a variable, an IRI, a prefixed name).
    written: str
    start: int
    end: int
    nested: bool


def check(
    query: str,
    *,
    allow_list: Collection[str],
    max_bytes: int,
    prefixes: Mapping[str, str] | None = None,
    base: str | None = None,
) -> None:
    """Refused unless the query is a read-only query of acceptable size, nesting and services.

    `base` is what relative IRIs resolve against before the query's own BASE (the endpoint
    URL, which the worker gives pyoxigraph too), so the allow-list sees the IRI that is called.

    >>> check("SELECT * { ?s ?p ?o }", allow_list=(), max_bytes=1000)
    >>> try:
    ...     check("DROP ALL", allow_list=(), max_bytes=1000)
    ... except Refused as err:
    ...     print(err.status, err.message)
    403 this endpoint is read-only: SPARQL Update requests are not accepted
    """
    if len(query.encode("utf-8")) > max_bytes:
        raise Refused(413, f"the query is longer than the limit of {max_bytes} bytes")
    forms: list[str] = []
    try:  # one pass, which also measures the nesting, and keeps no more than a few tokens
        found = _found(query, _first_form(stream(query), forms), prefixes, base)
    except TooDeep as err:
        raise Refused(400, str(err)) from None
    if forms and forms[0] in UPDATE_KEYWORDS:
        raise Refused(403, "this endpoint is read-only: SPARQL Update requests are not accepted")
    for service in found:
        if service.endpoint is None and service.written[:1] in ("?", "$"):
            raise Refused(403, "SERVICE with a variable endpoint is not allowed")
        if service.endpoint is None:
            raise Refused(403, f"the endpoint of SERVICE {service.written!r} cannot be read")
        if service.endpoint not in allow_list:
            allowed = ", ".join(f"<{a}>" for a in allow_list) or "none"
            raise Refused(
                403, f"SERVICE <{service.endpoint}> is not allowed (allowed endpoints: {allowed})"
            )


def service_endpoints(query: str, prefixes: Mapping[str, str] | None = None) -> list[str | None]:
    """The endpoint IRI of every SERVICE clause (None for a variable).

    >>> service_endpoints("PREFIX e: <http://e.org/> SELECT * { SERVICE SILENT e:q { ?s ?p ?o } }")
    ['http://e.org/q']
    >>> service_endpoints("SELECT * { SERVICE ?where { ?s ?p ?o } }")
    [None]
    >>> service_endpoints('SELECT * { # x\\rSERVICE <http://a/> {} }')
    ['http://a/']
    """
    return [s.endpoint for s in services(query, prefixes)]


def services(
    query: str, prefixes: Mapping[str, str] | None = None, base: str | None = None
) -> list[Service]:
    """Every SERVICE clause, read from one pass of the lexer (TooDeep past its limit).

    Without the word "service" there is none; the nesting is then checked all the same.
    """
    return _found(query, stream(query), prefixes, base)


def _first_form(toks: Iterator[Token], forms: list[str]) -> Iterator[Token]:
    """The tokens, noting in `forms` the first query form or Update keyword."""
    for tok in toks:
        if not forms and (tok.keyword in QUERY_FORMS or tok.keyword in UPDATE_KEYWORDS):
            forms.append(tok.keyword)
        yield tok


def _found(
    query: str, toks: Iterator[Token], prefixes: Mapping[str, str] | None, base: str | None
) -> list[Service]:
    if not _MENTIONS_SERVICE.search(query):
        deque(toks, maxlen=0)  # to the end all the same: the lexer measures the nesting
        return []
    if prefixes is None:
        from cartkg.prefixes import sparql_prefixes as default_prefixes

        prefixes = default_prefixes()
    return list(_services(toks, dict(prefixes), base))


def _windows(toks: Iterator[Token]) -> Iterator[Sequence[Token]]:
    """Each token with the two after it (what a declaration or a SERVICE clause spans)."""
    window = list(islice(toks, 3))
    while window:
        yield window
        window = window[1:] + list(islice(toks, 1))


def _services(
    toks: Iterator[Token], prefixes: dict[str, str], base: str | None
) -> Iterator[Service]:
    depth = 0
    inside: list[int] = []  # the depths at which SERVICE groups were opened
    awaiting = False
    for window in _windows(toks):
        tok = window[0]
        found = declaration(window, 0)
        if found is not None:
            keyword, name, at = found
            iri = _iri(window[at].text, base)
            if keyword == "BASE":
                base = iri
            else:
                prefixes[name] = iri
        if tok.text in ("{", "(", "["):
            depth += 1
            if awaiting and tok.text == "{":
                inside.append(depth)
                awaiting = False
        elif tok.text in ("}", ")", "]"):
            if inside and inside[-1] == depth:
                inside.pop()
            depth -= 1
        service = _service_at(window, 0, base, prefixes, nested=bool(inside))
        if service is not None:
            awaiting = True
            yield service


def _service_at(
    toks: Sequence[Token], i: int, base: str | None, prefixes: dict[str, str], *, nested: bool
) -> Service | None:
    """The SERVICE clause whose keyword is in token i, if any.

    pyoxigraph needs no space after a keyword, so `SERVICEex:q`, `SERVICESILENT<q>` and
    `trueSERVICE` hold a SERVICE too; a SERVICE whose endpoint cannot be read has None.
    """
    tok = toks[i]
    if tok.kind not in ("word", "pname"):
        return None
    head = tok.text.partition(":")[0].upper()
    at = head.rfind("SERVICE")
    if at < 0 or head[:at] not in ("", "TRUE", "FALSE"):
        return None
    rest = tok.text[at + len("SERVICE") :]
    if rest[:6].upper() == "SILENT":
        rest = rest[6:]
    start = tok.end - len(rest)
    if rest and tok.kind == "word":
        return None  # SERVICEX: not a SERVICE, and pyoxigraph rejects it
    if rest:  # glued to its endpoint, a prefixed name
        glued = Token("pname", rest, start, tok.end)
        return Service(_term(glued, base, prefixes), rest, start, tok.end, nested)
    j = i + 1
    if j < len(toks) and toks[j].keyword == "SILENT":
        j += 1
    if j >= len(toks):
        return Service(None, "", tok.end, tok.end, nested)
    target = toks[j]
    endpoint = _term(target, base, prefixes)
    return Service(endpoint, target.text, target.start, target.end, nested)


def _term(tok: Token, base: str | None, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return _iri(tok.text, base)
    if tok.kind == "pname":
        name, _, local = tok.text.partition(":")
        namespace = prefixes.get(name)
        if namespace is not None:
            return namespace + _LOCAL_ESCAPE.sub(r"\1", local)
    return None


def _iri(text: str, base: str | None) -> str:
    """An IRI token's value as pyoxigraph reads it: escapes decoded, resolved against BASE."""
    value = _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text[1:-1])
    return urljoin(base, value) if base else value


def route(
    query: str,
    endpoints: Sequence[str],
    relay: str,
    prefixes: Mapping[str, str],
    base: str | None = None,
) -> str:
    """The query with each outermost `SERVICE <endpoints[n]>` sent to `relay` + n instead.

    A nested SERVICE is left as it is: the outer endpoint runs it, not pyoxigraph.

    >>> route("SELECT * { SERVICE <http://a/> { SERVICE <http://b/> {} } }",
    ...       ["http://b/", "http://a/"], "http://127.0.0.1/", {})
    'SELECT * { SERVICE <http://127.0.0.1/1> { SERVICE <http://b/> {} } }'
    """
    parts: list[str] = []
    done = 0
    for service in services(query, prefixes, base):
        if service.nested or service.endpoint not in endpoints:
            continue
        assert service.endpoint is not None
        parts += [query[done : service.start], f"<{relay}{endpoints.index(service.endpoint)}>"]
        done = service.end
    if not parts:
        return query
    return "".join(parts) + query[done:]
