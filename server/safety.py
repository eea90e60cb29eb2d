"""What a query may not do: update, call other services, be too large.

SERVICE clauses are found with a real SPARQL parser (rdflib's), not by scanning: a scanner can
be fooled about where strings and comments begin (in `FILTER(?a<?b)#>` followed by three
quotes, a scanner sees an IRI and then a long string where the parser sees a comparison and a
comment), and a SERVICE hidden that way would make the server fetch a URL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import urljoin

from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from .lexer import is_update

_MENTIONS_SERVICE = re.compile(r"service", re.IGNORECASE)
# pyparsing's parser elements are shared module state; one parse at a time.
_PARSER_LOCK = threading.Lock()


class Refused(Exception):
    """The query is not run; `status` and `message` are what the client is told."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check(query: str, *, allow_list: Collection[str], max_bytes: int) -> None:
    """Refused unless the query is a read-only query of acceptable size and services.

    >>> check("SELECT * { ?s ?p ?o }", allow_list=(), max_bytes=1000)
    >>> try:
    ...     check("DROP ALL", allow_list=(), max_bytes=1000)
    ... except Refused as err:
    ...     print(err.status, err.message)
    403 this endpoint is read-only: SPARQL Update requests are not accepted
    """
    if len(query.encode("utf-8")) > max_bytes:
        raise Refused(413, f"the query is longer than the limit of {max_bytes} bytes")
    if is_update(query):
        raise Refused(403, "this endpoint is read-only: SPARQL Update requests are not accepted")
    for target in service_endpoints(query):
        if target is None:
            raise Refused(403, "SERVICE with a variable endpoint is not allowed")
        if target not in allow_list:
            allowed = ", ".join(f"<{a}>" for a in allow_list) or "none"
            raise Refused(403, f"SERVICE <{target}> is not allowed (allowed endpoints: {allowed})")


def service_endpoints(query: str) -> list[str | None]:
    """The endpoint IRI of every SERVICE clause (None for a variable).

    >>> service_endpoints("PREFIX e: <http://e.org/> SELECT * { SERVICE SILENT e:q { ?s ?p ?o } }")
    ['http://e.org/q']
    >>> service_endpoints("SELECT * { SERVICE ?where { ?s ?p ?o } }")
    [None]
    """
    if not _MENTIONS_SERVICE.search(query):
        return []
    try:
        with _PARSER_LOCK:
            tree = parseQuery(query)
    except Exception as err:  # pyparsing raises several kinds; all mean "could not check"
        raise Refused(
            403,
            "the query mentions SERVICE and could not be checked against the allow-list "
            f"({type(err).__name__}: {str(err)[:200]})",
        ) from None
    base, prefixes = _prologue(tree[0])
    return [_endpoint(node.get("term"), base, prefixes) for node in _services(tree[1])]


def _prologue(prologue: Any) -> tuple[str | None, dict[str, str]]:
    base: str | None = None
    prefixes: dict[str, str] = {}
    for decl in prologue:
        if decl.name == "Base":
            base = str(decl.iri)
        elif decl.name == "PrefixDecl":
            prefixes[decl.get("prefix") or ""] = str(decl.iri)
    return base, prefixes


def _services(node: Any) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            yield node
        for value in node.values():
            yield from _services(value)
    elif isinstance(node, list | tuple | ParseResults):
        for item in node:
            yield from _services(item)


def _endpoint(term: Any, base: str | None, prefixes: dict[str, str]) -> str | None:
    if isinstance(term, Variable):
        return None
    if isinstance(term, URIRef):
        return urljoin(base, str(term)) if base else str(term)
    if isinstance(term, CompValue) and term.name == "pname":
        namespace = prefixes.get(term.get("prefix") or "")
        if namespace is None:
            from cartkg.query import prefixes as default_prefixes

            namespace = default_prefixes().get(term.get("prefix") or "")
        return None if namespace is None else namespace + (term.get("localname") or "")
    return None
