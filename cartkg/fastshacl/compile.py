"""SHACL Core constraints as set-oriented SPARQL: one query covers every focus node.

A set of nodes is a SPARQL pattern binding a variable (`Nodes`): a shape's targets, or the
values some path reaches from another set. The per-value constraints of a shape (the
conditions of `conditions.py`) share one query whose boolean columns say which constraint each
(focus, value) row breaks, or which values Python must judge; constraints that count or
compare values per focus node get a query each.

>>> from rdflib import URIRef
>>> ex = "http://example.org/"
>>> path_sparql(Seq((Pred(URIRef(ex + "p")), Repeat(Inverse(Pred(URIRef(ex + "q"))), "*"))))
'(<http://example.org/p>/(^<http://example.org/q>)*)'
>>> print(targets(Targets(nodes=(URIRef(ex + "a"),))).pattern("?x"))
{ { VALUES ?x { <http://example.org/a> } } }
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import RDFS, URIRef
from rdflib.term import Node

from cartkg.fastshacl.conditions import (
    TYPE,
    Check,
    candidates,
    describe,
    instance_of,
    number,
    plain_number,
    python_check,
    text,
    violates,
)
from cartkg.fastshacl.shapes import (
    Alt,
    Constraint,
    Inverse,
    MaxCount,
    Path,
    Pattern,
    Pred,
    Repeat,
    Seq,
    Shape,
    Targets,
)
from cartkg.fastshacl.terms import sparql

_fresh = itertools.count()


def fresh(name: str) -> str:
    """A variable name no other part of a query uses."""
    return f"?_{name}{next(_fresh)}"


# ---- sets of nodes -------------------------------------------------------------------------
@dataclass(frozen=True)
class Nodes:
    """A set of RDF terms: `pattern(var)` is a SPARQL group binding `var` to each, maybe more
    than once (queries project DISTINCT). Not a sub-select: oxigraph then joins it by index."""

    make: Callable[[str], str]

    def pattern(self, var: str) -> str:
        return self.make(var)


def path_sparql(path: Path) -> str:
    match path:
        case Pred(iri):
            return sparql(iri)
        case Inverse(inner):
            return f"^{path_sparql(inner)}"
        case Seq(steps):
            return "(" + "/".join(path_sparql(s) for s in steps) + ")"
        case Alt(options):
            return "(" + "|".join(path_sparql(o) for o in options) + ")"
        case Repeat(inner, op):
            return f"({path_sparql(inner)}){op}"
    raise TypeError(path)


def targets(t: Targets) -> Nodes:
    def make(var: str) -> str:
        parts = [f"{{ {instance_of(var, t.classes)} }}"] if t.classes else []
        if t.nodes:
            parts.append(f"{{ VALUES {var} {{ {' '.join(sparql(n) for n in t.nodes)} }} }}")
        parts += [f"{{ {var} {sparql(p)} {fresh('o')} }}" for p in t.subjects_of]
        parts += [f"{{ {fresh('s')} {sparql(p)} {var} }}" for p in t.objects_of]
        return f"{{ {' UNION '.join(parts)} }}"

    return Nodes(make)


def value_nodes(focus: Nodes, shape: Shape) -> Nodes:
    """The value nodes of `shape` for the focus nodes `focus` (the focus nodes themselves for
    a node shape)."""
    if shape.path is None:
        return focus
    path = path_sparql(shape.path)

    def make(var: str) -> str:
        this = fresh("f")
        return f"{{ {focus.pattern(this)} {this} {path} {var} }}"

    return Nodes(make)


def value_var(shape: Shape) -> str:
    """The variable holding a value node: the focus node itself for a node shape."""
    return "?this" if shape.path is None else "?value"


def values(shape: Shape) -> str:
    """The pattern binding `value_var(shape)` to each value node of ?this."""
    return "" if shape.path is None else f"?this {path_sparql(shape.path)} ?value ."


def _out(shape: Shape) -> str:
    """The value node, projected as ?value."""
    return "?value" if shape.path is not None else "(?this AS ?value)"


# ---- queries --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """A boolean column of `scan_query`: a value surely breaking `constraint`; a focus node
    breaking it (`per_focus`, for sh:maxCount 1); or (`python`) a value to judge in Python."""

    constraint: Constraint
    check: Check
    per_focus: bool = False
    python: bool = False


def scan_columns(shape: Shape) -> list[Column]:
    """The checks one pass over a shape's (focus, value) pairs makes."""
    v = value_var(shape)
    columns = [Column(c, check) for c in shape.constraints if (check := violates(c, v))]
    # sh:pattern has its own query: it reads every value, and values repeat.
    columns += [
        Column(c, Check(cond), python=True)
        for c in shape.constraints
        if not isinstance(c, Pattern) and python_check(c) and (cond := candidates(c, v))
    ]
    for c in shape.constraints:
        if isinstance(c, MaxCount) and c.n == 1 and shape.path is not None:
            path = path_sparql(shape.path)
            other = f"OPTIONAL {{ ?this {path} ?other FILTER(!sameTerm(?other, ?value)) }}"
            columns.append(Column(c, Check("BOUND(?other)", other), per_focus=True))
    return columns


def scan_query(focus: Nodes, shape: Shape, columns: list[Column]) -> str:
    """One row per (focus, value) that some column flags; ?c<i> says which."""
    joins = " ".join(c.check.join for c in columns if c.check.join)
    binds = " ".join(f"BIND({c.check.condition} AS ?c{i})" for i, c in enumerate(columns))
    flags = " ".join(f"?c{i}" for i in range(len(columns)))
    any_ = " || ".join(f"?c{i}" for i in range(len(columns)))
    v = value_var(shape)
    return (
        f"SELECT DISTINCT ?this {_out(shape)} {flags} WHERE {{ {focus.pattern('?this')} "
        f"{values(shape)} {describe(v, binds)} {joins} {binds} FILTER({any_}) }}"
    )


def distinct_values_query(focus: Nodes, shape: Shape, condition: str) -> str:
    return (
        f"SELECT DISTINCT {_out(shape)} WHERE {{ {focus.pattern('?this')} {values(shape)} "
        f"{describe(value_var(shape), condition)} FILTER({condition}) }}"
    )


def pairs_query(focus: Nodes, shape: Shape, only: list[str] | None = None) -> str:
    """(focus, value) pairs, all or for the values listed (in SPARQL syntax)."""
    restrict = f" VALUES {value_var(shape)} {{ {' '.join(only)} }}" if only is not None else ""
    return (
        f"SELECT DISTINCT ?this {_out(shape)} WHERE {{ {focus.pattern('?this')} "
        f"{values(shape)}{restrict} }}"
    )


def shared_values_query(focus: Nodes, shape: Shape) -> str:
    return (
        f"SELECT ?value (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {focus.pattern('?this')} "
        f"{values(shape)} }} GROUP BY ?value HAVING (COUNT(DISTINCT ?this) > 1)"
    )


def min_count_query(focus: Nodes, shape: Shape, n: int) -> str:
    if n == 1:
        return (
            f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
            f"FILTER NOT EXISTS {{ {values(shape)} }} }}"
        )
    return (
        f"SELECT ?this WHERE {{ {focus.pattern('?this')} OPTIONAL {{ {values(shape)} }} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"
    )


def max_count_query(focus: Nodes, shape: Shape, n: int) -> str:
    """Counting, for sh:maxCount 0 or above 1 (`scan_columns` does 1)."""
    return (
        f"SELECT ?this WHERE {{ {focus.pattern('?this')} {values(shape)} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})"
    )


def has_value_query(focus: Nodes, shape: Shape, value: Node) -> str:
    constant = sparql(value)
    if shape.path is None:
        return (
            f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
            f"FILTER(!sameTerm(?this, {constant})) }}"
        )
    return (
        f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
        f"FILTER NOT EXISTS {{ ?this {path_sparql(shape.path)} {constant} }} }}"
    )


def unique_lang_query(focus: Nodes, shape: Shape) -> str:
    """A focus node and a language that two of its values share (pySHACL ignores case)."""
    assert shape.path is not None, "sh:uniqueLang on a node shape never finds two values"
    path = path_sparql(shape.path)
    return (
        f"SELECT DISTINCT ?this (LCASE(LANG(?value)) AS ?lang) WHERE {{ "
        f"{focus.pattern('?this')} ?this {path} ?value . ?this {path} ?other . "
        f'FILTER(!sameTerm(?value, ?other) && isLiteral(?value) && LANG(?value) != "" '
        f"&& isLiteral(?other) && LCASE(LANG(?value)) = LCASE(LANG(?other))) }}"
    )


def equals_query(focus: Nodes, shape: Shape, predicate: URIRef) -> str:
    p, f = sparql(predicate), focus.pattern("?this")
    if shape.path is None:
        missing = f"{{ {f} FILTER NOT EXISTS {{ ?this {p} ?this }} BIND(?this AS ?value) }}"
        extra = f"{{ {f} ?this {p} ?value FILTER(!sameTerm(?value, ?this)) }}"
    else:
        path = path_sparql(shape.path)
        missing = f"{{ {f} ?this {path} ?value FILTER NOT EXISTS {{ ?this {p} ?value }} }}"
        extra = f"{{ {f} ?this {p} ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
    return f"SELECT DISTINCT ?this ?value WHERE {{ {missing} UNION {extra} }}"


def disjoint_query(focus: Nodes, shape: Shape, predicate: URIRef) -> str:
    v = value_var(shape)
    return (
        f"SELECT DISTINCT ?this {_out(shape)} WHERE {{ {focus.pattern('?this')} "
        f"{values(shape)} ?this {sparql(predicate)} {v} }}"
    )


def less_than_query(focus: Nodes, shape: Shape, predicate: URIRef, or_equal: bool) -> str:
    """Pairs of (value, other value) out of order (pySHACL reports each pair), and, with ?py,
    the pairs only rdflib can order (see `conditions.out_of_order`)."""
    op = "<=" if or_equal else "<"
    v, o = "?value", "?other"
    kinds = ("exact", "floating")
    # Each test once a row, into a variable: oxigraph does not share repeated expressions.
    tests = {f"?_t{n}": text(x) for n, x in ((1, v), (2, o))}
    tests |= {f"?_{k}{n}": plain_number(x, k) for k in kinds for n, x in ((1, v), (2, o))}
    binds = " ".join(f"BIND({test} AS {name})" for name, test in tests.items())
    misordered = [f"(?_{k}1 && ?_{k}2 && !({number(v, k)} {op} {number(o, k)}))" for k in kinds]
    broken = " || ".join(
        ["?_t1 != ?_t2", f"(?_t1 && ?_t2 && !(STR({v}) {op} STR({o})))", *misordered]
    )
    settled = "?_t1 || ?_t2 || (?_exact1 && ?_exact2) || (?_floating1 && ?_floating2)"
    conditions = f"{binds} BIND(!({settled}) AS ?py) FILTER(?py || {broken})"
    return (
        f"SELECT DISTINCT ?this ?value ?other ?py WHERE {{ {focus.pattern('?this')} "
        f"{values(shape)} ?this {sparql(predicate)} ?other {describe(v, conditions)} "
        f"{describe(o, conditions)} {conditions} }}"
    )


def closed_query(focus: Nodes, shape: Shape, allowed: frozenset[Node]) -> str:
    listed = ", ".join(sparql(p) for p in sorted(allowed, key=str) if isinstance(p, URIRef))
    keep = f"FILTER(?path NOT IN ({listed})) " if listed else ""
    resource = f"<{RDFS.Resource}>"
    v = value_var(shape)
    return (
        f"SELECT DISTINCT ?this ?path ?other WHERE {{ {focus.pattern('?this')} "
        f"{values(shape)} {v} ?path ?other {keep}"
        f"FILTER(!(sameTerm(?path, {TYPE}) && sameTerm(?other, {resource}))) }}"
    )
