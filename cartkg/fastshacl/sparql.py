"""SELECT-based SPARQL constraints (sh:sparql), run once for all focus nodes.

pySHACL runs the query once per focus node with $this pre-bound. Here $this is an ordinary
variable joined, at the head of the WHERE group, to a sub-select of the focus nodes: one
query for the whole set. That is the same only where every use of $this sees the join, so a
query is taken only when its parse shows that:

- every FILTER, BIND or OPTIONAL condition naming $this sits in a group the focus join binds
  (not in a nested group, a UNION branch or an OPTIONAL's own group), or in a plain
  FILTER [NOT] EXISTS of triples and filters (evaluated per solution, with its bindings);
- no sub-select, MINUS, SERVICE, VALUES, GRAPH, aggregate, ORDER BY, LIMIT or OFFSET;
- no $shapesGraph, $currentShape, ?failure, or $PATH on a node shape;
- its expressions do not depend on literal datatypes: the store holds XSD literals under an
  alias (see `terms.py`), so comparisons, arithmetic and casts are left to pySHACL; =, !=
  and IN are taken when they compare with IRIs, plain strings, STR() or LANG().

Anything else is a reason for pySHACL (`shapes.Unsupported`).

>>> c = SparqlQuery(URIRef("urn:c"), "SELECT $this ?v WHERE { $this <urn:p> ?v }", {}, (), ())
>>> q = " ".join(query_text(c, "VALUES ?this { <urn:a> }", None).split())
>>> "WHERE { { SELECT DISTINCT ?this WHERE { VALUES ?this { <urn:a> } } } $this" in q
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef, Variable
from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.fastshacl.terms import alias

# pySHACL refuses these forms (raising); the shape then goes to pySHACL, which reports them.
# (The expressions are pySHACL's own, from pyshacl.helper.sparql_query_helper.)
_REFUSED = [
    re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I),
    re.compile(
        r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I
    ),
    re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=re.M | re.I),
    re.compile(r"SELECT[\s\(\)\$\?\a-z]*\{[^\}]*SELECT\s+", flags=re.M | re.I),
    re.compile(r"[^\w]+AS[\s]+[\$\?](this|shapesGraph|currentShape|value)\b", flags=re.M | re.I),
    re.compile(r"[\$\?](shapesGraph|currentShape|failure)\b"),
]
_PATH = re.compile(r"([\s{}()])[\$\?]PATH")
_MARKER = "urn:x-fastshacl:focus"
_THIS = Variable("this")
# Builtins whose result does not depend on how literals are typed in the store.
_SAFE_BUILTINS = {
    "Builtin_" + n
    for n in (
        "BOUND",
        "isIRI",
        "isURI",
        "isBLANK",
        "isLITERAL",
        "LANG",
        "LANGMATCHES",
        "STR",
        "sameTerm",
    )
}
_PLAIN = {"Builtin_STR", "Builtin_LANG"}  # give simple literals


class Refused(Exception):
    """Why a query is not run set-oriented."""


@dataclass(frozen=True)
class SparqlQuery:
    """One sh:sparql constraint of a shape."""

    node: Node
    select: str
    prefixes: dict[str, str]
    messages: tuple[Literal, ...]
    #: The variables the query projects (its own, before the focus join).
    projected: tuple[str, ...]
    deactivated: bool = False


def read(graph: Graph, node: Node, is_property: bool) -> SparqlQuery:
    """The constraint at `node` (a value of sh:sparql); raises Refused."""
    selects = list(graph.objects(node, SH.select))
    if len(selects) != 1 or not (
        isinstance(selects[0], Literal) and isinstance(selects[0].value, str)
    ):
        raise Refused("sh:sparql without exactly one string sh:select")
    messages = tuple(
        m
        for m in graph.objects(node, SH.message)
        if isinstance(m, Literal) and isinstance(m.value, str)
    )
    if len(messages) != len(list(graph.objects(node, SH.message))):
        raise Refused("a sh:message of a SPARQL constraint that is not a string")
    deactivated = list(graph.objects(node, SH.deactivated))
    if deactivated and not (
        isinstance(deactivated[0], Literal) and isinstance(deactivated[0].value, bool)
    ):
        raise Refused("sh:deactivated of a SPARQL constraint is not a boolean")
    text = str(selects[0])
    for refused in _REFUSED:
        if refused.search(text):
            raise Refused(f"a SPARQL form pySHACL refuses or we do not join: {text.strip()!r}")
    if not is_property and _PATH.search(text):
        raise Refused("$PATH in a node shape's SPARQL constraint")
    prefixes = _prefixes(graph, node)
    off = bool(deactivated and isinstance(deactivated[0], Literal) and deactivated[0].value)
    return SparqlQuery(node, text, prefixes, messages, analyse(text, prefixes), off)


def _prefixes(graph: Graph, node: Node) -> dict[str, str]:
    """Prefixes as pySHACL collects them (its defaults, then sh:prefixes' declarations)."""
    found = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    everywhere = {d for o in ontologies for d in graph.objects(o, SH.declare)}
    for holder in graph.objects(node, SH.prefixes):
        own = set(graph.objects(holder, SH.declare))
        declares = own if own and holder in ontologies else everywhere | own
        for declare in declares:
            names = list(graph.objects(declare, SH.prefix))
            namespaces = list(graph.objects(declare, SH.namespace))
            if len(names) != 1 or len(namespaces) != 1 or not isinstance(names[0], Literal):
                raise Refused(f"a malformed sh:declare {declare}")
            found[str(names[0])] = str(namespaces[0])
    return found


def _insert(text: str, pattern: str) -> str:
    """`text` with `pattern` at the head of its WHERE group."""
    where = re.search(r"\bWHERE\s*\{", text, flags=re.I) or re.search(r"\{", text)
    if where is None:
        raise Refused("no WHERE group")
    return f"{text[: where.end()]} {pattern} {text[where.end() :]}"


def query_text(c: SparqlQuery, focus: str, path: str | None) -> str:
    """The query to run: `focus` (a pattern binding ?this) joined first, ?this projected."""
    body = c.select if path is None else _PATH.sub(lambda m: m.group(1) + path, c.select)
    body = _insert(body, f"{{ SELECT DISTINCT ?this WHERE {{ {focus} }} }}")
    star = re.search(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", body, flags=re.I)
    if "this" not in c.projected and not star:
        body = re.sub(
            r"\bSELECT(\s+(?:DISTINCT|REDUCED))?", r"SELECT\1 ?this", body, count=1, flags=re.I
        )
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in c.prefixes.items())
    return alias(prologue + body)


# ---- the analysis ----------------------------------------------------------------------------
def analyse(select: str, prefixes: dict[str, str]) -> tuple[str, ...]:
    """The projected variables, if the query may run set-oriented; else raises Refused."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    marker = f"?this <{_MARKER}> ?this ."
    body = _PATH.sub(lambda m: m.group(1) + f"<{_MARKER}>", select)
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    try:
        original = translateQuery(parseQuery(alias(prologue + body))).algebra
        marked = translateQuery(parseQuery(alias(prologue + _insert(body, marker)))).algebra
    except Exception as err:  # pySHACL reports syntax errors its own way
        raise Refused(f"a query rdflib cannot parse: {err}") from None
    if original.name != "SelectQuery":
        raise Refused("not a SELECT query")
    top = marked.p
    while top.name in ("Distinct", "Reduced"):
        top = top.p
    if top.name != "Project":
        raise Refused("ORDER BY, LIMIT or OFFSET")
    if not _binds(top.p):
        raise Refused("the focus join is not at the head of the WHERE group")
    _check(top.p)
    return tuple(str(v) for v in original.PV)


def _binds(p: Any) -> bool:
    """Whether every solution of `p` binds ?this through the focus marker."""
    match p.name:
        case "BGP":
            return any(str(t[1]) == _MARKER for t in p.triples)
        case "Join":
            return _binds(p.p1) or _binds(p.p2)
        case "LeftJoin" | "Filter" | "Extend":
            return _binds(p.p1 if p.name == "LeftJoin" else p.p)
        case "Union":
            return _binds(p.p1) and _binds(p.p2)
    return False


def _check(p: Any) -> None:
    match p.name:
        case "BGP":
            _check_triples(p.triples)
        case "Join" | "Union":
            _check(p.p1)
            _check(p.p2)
        case "LeftJoin":
            _check(p.p1)
            _check(p.p2)
            _check_expr(p.expr, this_bound=_binds(p.p1) or _binds(p.p2))
        case "Filter" | "Extend":
            _check(p.p)
            if p.name == "Extend" and p.var == _THIS:
                raise Refused("BIND to $this")
            _check_expr(p.expr, this_bound=_binds(p.p))
        case _:
            raise Refused(f"{p.name} in the query")


def _check_triples(triples: Iterable[Any]) -> None:
    for triple in triples:
        for term in triple:
            if (
                isinstance(term, Literal)
                and str(term.datatype or "").startswith(str(XSD))
                and term.datatype != XSD.string
            ):
                raise Refused(f"a typed literal in a triple pattern: {term.n3()}")


def _mentions_this(expr: Any) -> bool:
    if expr == _THIS:
        return True
    if isinstance(expr, dict):
        return any(_mentions_this(v) for k, v in expr.items() if k != "_vars")
    if isinstance(expr, list | tuple):
        return any(_mentions_this(v) for v in expr)
    return False


def _check_expr(expr: Any, this_bound: bool) -> None:
    if not this_bound and _mentions_this(expr):
        raise Refused("$this in an expression the focus join does not reach")
    if isinstance(expr, Variable | URIRef | Literal):
        return
    name = getattr(expr, "name", None)
    if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        _check_exists(expr.graph)
        return
    if name in ("ConditionalOrExpression", "ConditionalAndExpression"):
        for part in [expr.expr, *(expr.other or [])]:
            _check_expr(part, this_bound)
        return
    if name == "UnaryNot":
        _check_expr(expr.expr, this_bound)
        return
    if name == "RelationalExpression" and expr.op in ("=", "!=", "IN", "NOT IN"):
        other = expr.other if isinstance(expr.other, list) else [expr.other]
        sides = [expr.expr, *other]
        if not all(_comparable(s) for s in sides) or all(isinstance(s, Variable) for s in sides):
            raise Refused("a comparison that may depend on literal datatypes")
        for side in sides:
            _check_expr(side, this_bound)
        return
    if name in _SAFE_BUILTINS:
        for key, arg in expr.items():
            if key != "_vars":
                _check_expr(arg, this_bound)
        return
    raise Refused(f"{name or expr!r} in an expression")


def _comparable(term: Any) -> bool:
    if isinstance(term, Variable | URIRef):
        return True
    if isinstance(term, Literal):
        return term.datatype is None
    return getattr(term, "name", None) in _PLAIN


def _check_exists(group: Any, head: bool = True) -> None:
    """An EXISTS group: triples and filters only (bindings reach them by substitution).
    rdflib leaves it as parsed, or translated (a BGP under filters) when it is a FILTER's."""
    if group.name == "BGP":
        _check_triples(group.triples)
        return
    if group.name == "Filter":  # $this only in the EXISTS group's own filters
        _check_expr(group.expr, this_bound=head)
        _check_exists(group.p, head)
        return
    if group.name == "Join":
        _check_exists(group.p1, head)
        _check_exists(group.p2, head=False)
        return
    if group.name != "GroupGraphPatternSub":
        raise Refused(f"{group.name} inside EXISTS")
    for part in group.part or []:
        if part.name == "TriplesBlock":
            _check_triples(part.triples)
        elif part.name == "Filter":
            _check_expr(part.expr, this_bound=head)
        else:
            raise Refused(f"{part.name} inside EXISTS")


# ---- results -------------------------------------------------------------------------------
def message(shape_messages: Iterable[Literal], c: SparqlQuery, bound: Mapping[str, Node]) -> str:
    """The result message as pySHACL words it: the shape's and the constraint's messages,
    {?var} and {$var} replaced by the row's values (`bound`: its variables, then this, path
    and value as reported)."""
    own = list(shape_messages)
    texts = {_fill(str(m), bound) for m in own}
    texts |= {_fill(str(m), bound) for m in c.messages if m not in own}
    return "; ".join(sorted(texts)) or "sh:SPARQLConstraintComponent"


def _fill(text: str, bound: Mapping[str, Node]) -> str:
    for var, value in bound.items():
        text = re.sub(f"{{[?$]{var}}}", str(value), text)  # as pySHACL does
    return text
