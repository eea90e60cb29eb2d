"""SHACL Core constraints as set-oriented SPARQL: one query covers every focus node.

A set of nodes is a SPARQL pattern binding a variable (`Nodes`): a shape's targets, or the
values some path reaches from another set. Value-level constraints of a shape share one query
whose boolean columns say which constraint each (focus, value) row breaks; constraints that
count or compare values per focus node get a query each. Checks whose outcome depends on
rdflib's reading of a literal (regular expressions, string lengths, ill-typed literals) fetch
the distinct candidate values and run in Python, so that they agree with pySHACL exactly.

>>> from rdflib import URIRef
>>> ex = "http://example.org/"
>>> path_sparql(Seq((Pred(URIRef(ex + "p")), Repeat(Inverse(Pred(URIRef(ex + "q"))), "*"))))
'(<http://example.org/p>/(^<http://example.org/q>)*)'
>>> print(targets(Targets(nodes=(URIRef(ex + "a"),))).pattern("?x"))
{ { VALUES ?x { <http://example.org/a> } } }
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.fastshacl.shapes import (
    Alt,
    Class,
    Constraint,
    Datatype,
    In,
    Inverse,
    LanguageIn,
    Length,
    MaxCount,
    MinCount,
    NodeKind,
    Path,
    Pattern,
    Pred,
    Range,
    Repeat,
    Seq,
    Shape,
    Targets,
)
from cartkg.fastshacl.terms import ALIAS_NS, XSD_NS, sparql

_fresh = itertools.count()
TYPE = f"<{RDF.type}>"
SUBCLASS = f"<{RDFS.subClassOf}>"


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
        parts = [f"{{ {var} {TYPE}/{SUBCLASS}* {sparql(c)} }}" for c in t.classes]
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


# ---- conditions on one value node ----------------------------------------------------------
_INTEGERS = ("integer nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger long "
             "int short byte unsignedLong unsignedInt unsignedShort unsignedByte").split()
# rdflib reads these as Python strings: pySHACL compares them as text.
_STRINGISH = ("string", "normalizedString", "token", "language", "anyURI")
# How a literal stored under the alias namespace is read as a value of its family, per family.
_CASTS = {
    "numeric": [(_INTEGERS, "integer"), (["decimal"], "decimal"), (["float"], "float"),
                (["double"], "double")],
    "dateTime": [(["dateTime", "dateTimeStamp"], "dateTime")],
    "date": [(["date"], "date")], "time": [(["time"], "time")],
    "boolean": [(["boolean"], "boolean")],
}


def family(literal: Literal) -> str | None:
    """The family of values a literal bound compares with, or None if the engine cannot say."""
    local = str(literal.datatype or XSD_NS + "string").removeprefix(XSD_NS)
    if literal.language or local in _STRINGISH:
        return "string"
    for name, casts in _CASTS.items():
        if any(local in types for types, _ in casts):
            return name
    return None


_NONE = "<urn:x-fastshacl:none>"  # the datatype of what is not a literal


def dt(var: str) -> str:
    """The variable holding `var`'s datatype (see `describe`)."""
    return f"?_dt_{var[1:]}"


def lang(var: str) -> str:
    """The variable holding `var`'s language tag, "" if none (see `describe`)."""
    return f"?_lang_{var[1:]}"


def describe(var: str) -> str:
    """Binds `dt(var)` and `lang(var)` once a row: oxigraph is much slower at computing
    DATATYPE() again in each test that needs it."""
    return (f"BIND(IF(isLiteral({var}), DATATYPE({var}), {_NONE}) AS {dt(var)}) "
            f"BIND(IF(isLiteral({var}), LANG({var}), \"\") AS {lang(var)})")


def _in(var: str, locals_: list[str]) -> str:
    listed = ", ".join(f"<{ALIAS_NS}{t}>" for t in locals_)
    return f"{dt(var)} IN ({listed})"


def comparable(var: str, family_name: str) -> str:
    """`var` as a value SPARQL compares within `family_name`; an error for other values.
    ("text" is pySHACL's reading for sh:lessThan: IRIs compare as strings too.)"""
    if family_name == "string":
        return f"IF({stringish(var)}, STR({var}), 1/0)"
    if family_name == "text":
        return f"IF(isIRI({var}) || {stringish(var)}, STR({var}), 1/0)"
    expr = var
    for types, target in reversed(_CASTS[family_name]):
        expr = f"IF({_in(var, types)}, <{XSD_NS}{target}>(STR({var})), {expr})"
    return expr


def stringish(var: str) -> str:
    plain = f"{dt(var)} = <{XSD_NS}string>"
    return f"({lang(var)} != \"\" || {plain} || {_in(var, list(_STRINGISH))})"


_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})", SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
_OPS = {SH.MinInclusiveConstraintComponent: ">=", SH.MinExclusiveConstraintComponent: ">",
        SH.MaxInclusiveConstraintComponent: "<=", SH.MaxExclusiveConstraintComponent: "<"}


def datatype_ok(var: str, datatype: URIRef) -> str:
    """The literal has datatype `datatype` as pySHACL sees it (ill-typed literals are left to
    `python_check`)."""
    lit = f"isLiteral({var})"
    if datatype == RDFS.Literal:
        return lit
    if datatype == RDF.langString:
        return f"{lang(var)} != \"\""
    if datatype == RDFS.Datatype:  # rdflib gives plain and language-tagged literals none
        return f"({lit} && {lang(var)} = \"\" && {dt(var)} != <{XSD_NS}string>)"
    if str(datatype) == XSD_NS + "string":
        return f"{dt(var)} IN (<{XSD_NS}string>, <{ALIAS_NS}string>)"
    return f"{dt(var)} = {sparql(datatype)}"


@dataclass(frozen=True)
class Check:
    """A SPARQL condition on a value, never an error, and a pattern it needs joined first."""

    condition: str
    join: str = ""


def violates(c: Constraint, v: str) -> Check | None:
    """The check true when value `v` breaks `c`; None when `c` is not a per-value constraint
    checked in SPARQL."""
    condition = _violates(c, v)
    return Check(condition) if isinstance(condition, str) else condition


def _violates(c: Constraint, v: str) -> str | Check | None:
    match c:
        case Datatype(datatype):
            return f"!({datatype_ok(v, datatype)})"
        case Class(cls):
            # An OPTIONAL join, not NOT EXISTS: oxigraph evaluates that one row by row.
            found = fresh("instance")
            join = f"OPTIONAL {{ {v} {TYPE}/{SUBCLASS}* {sparql(cls)} BIND(true AS {found}) }}"
            return Check(f"(isLiteral({v}) || !BOUND({found}))", join)
        case NodeKind(kind):
            return "!" + _KINDS[kind].format(v=v)
        case In(members):
            same = " || ".join(f"sameTerm({v}, {sparql(m)})" for m in members)
            return f"!({same or 'false'})"
        case Range(comp, bound):
            name = family(bound)
            if name is None:
                raise ValueError(f"cannot compare with {bound.n3()}")
            real_bound = bound.n3()  # the real XSD datatype: compared by value
            test = f"{comparable(v, name)} {_OPS[comp]} {real_bound}"
            return f"!COALESCE({test}, false)"
        case LanguageIn(tags):
            tag = lang(v)
            if "*" in tags:
                match_ = "true"
            else:
                listed = ", ".join(f'"{t}"' for t in tags)
                match_ = f'({tag} IN ({listed}) || STRBEFORE(CONCAT({tag}, "-"), "-") IN ({listed}))'
            return f"!({tag} != \"\" && {match_})"
        case Length(comp, n) if comp == SH.MinLengthConstraintComponent:
            # pySHACL passes everything, blank nodes too, for a minimum of 0.
            return f"(isBlank({v}) || {_is_text_sparql(v)} && STRLEN(STR({v})) < {n})" if n else None
        case Length(_, n):
            return f"(isBlank({v}) || {_is_text_sparql(v)} && STRLEN(STR({v})) > {n})"
        case Pattern():
            return f"isBlank({v})"  # the rest is checked in Python
    return None


def _is_text_sparql(v: str) -> str:
    """IRIs and strings, whose lengths SPARQL measures as pySHACL does (others: Python)."""
    return f"(isIRI({v}) || {stringish(v)})"


# ---- checks in Python, on rdflib's reading of a value --------------------------------------
# Lexical forms rdflib surely reads as well-typed (canonical ones, here), in SPARQL: the
# Python check can skip them.
_CANONICAL_INTEGER = f"STR(<{XSD_NS}integer>(STR({{v}}))) = STR({{v}})"
_SAFE = {
    "integer": _CANONICAL_INTEGER,
    "nonNegativeInteger": f"{_CANONICAL_INTEGER} && <{XSD_NS}integer>(STR({{v}})) >= 0",
    "positiveInteger": f"{_CANONICAL_INTEGER} && <{XSD_NS}integer>(STR({{v}})) > 0",
    "decimal": f"STR(<{XSD_NS}decimal>(STR({{v}}))) = STR({{v}})",
    "boolean": 'STR({v}) IN ("true", "false")',
}
_UNCHECKED = {RDFS.Literal, RDF.langString, RDFS.Datatype, URIRef(XSD_NS + "string")}


def candidates(c: Constraint, v: str) -> str | None:
    """A SPARQL condition selecting the values `python_check` must look at, or None."""
    match c:
        case Pattern():
            return f"!isBlank({v})"
        case Length():
            return f"(isLiteral({v}) && !{stringish(v)})"
        case Datatype(datatype) if datatype not in _UNCHECKED:
            local = str(datatype).removeprefix(XSD_NS)
            safe = f" && !COALESCE({_SAFE[local].format(v=v)}, false)" if local in _SAFE else ""
            return f"({datatype_ok(v, datatype)}{safe})"
    return None


def python_check(c: Constraint) -> Callable[[Node], bool] | None:
    """A test, true when a value (as rdflib reads it) breaks `c`; mirrors pySHACL."""
    match c:
        case Pattern(regex, flags):
            compiled = re.compile(regex, (re.I if "i" in flags.lower() else 0)
                                  | (re.M if "m" in flags.lower() else 0))
            return lambda value: compiled.search(as_text(value)) is None
        case Length(comp, n) if comp == SH.MinLengthConstraintComponent:
            return lambda value: not _is_text(value) and n > 0 and len(as_text(value)) < n
        case Length(comp, n):
            return lambda value: not _is_text(value) and len(as_text(value)) > n
        case Datatype(dt) if dt not in _UNCHECKED:
            return lambda value: ill_typed(value, dt)
    return None


def _is_text(value: Node) -> bool:
    """IRIs and strings: their lengths are checked in SPARQL."""
    if isinstance(value, Literal):
        stringish = {None, *(URIRef(XSD_NS + t) for t in _STRINGISH)}
        return bool(value.language) or value.datatype in stringish
    return True


def as_text(value: Node) -> str:
    """pySHACL's string of a value node, for patterns and lengths."""
    if isinstance(value, Literal) and value.value is not None and (
            value.datatype in (None, RDF.langString, URIRef(XSD_NS + "string"))):
        return str(value.value)
    return str(value)


def ill_typed(value: Node, dt: URIRef) -> bool:
    """pySHACL's verdict on a literal that has datatype `dt`: its lexical form is invalid."""
    if not isinstance(value, Literal) or value.datatype != dt:
        return False  # `violates` judges these
    if value.ill_typed is True:
        return True
    expected = _PYTHON_TYPES.get(str(dt).removeprefix(XSD_NS))
    return expected is not None and not isinstance(value.value, expected)


def _python_types() -> dict[str, type | tuple[type, ...]]:
    import datetime
    from decimal import Decimal
    return {"integer": int, "float": float, "decimal": Decimal, "boolean": bool,
            "date": datetime.date, "time": datetime.time, "dateTime": datetime.datetime}


_PYTHON_TYPES = _python_types()


# ---- queries --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """What a boolean column of `scan_query` flags: a value breaking `constraint`, a focus
    node breaking it (`per_focus`: the cardinality checks), or, with no constraint, a value
    the Python checks must read."""

    constraint: Constraint | None
    check: Check
    per_focus: bool = False


def scan_columns(shape: Shape) -> list[Column]:
    """The checks one pass over a shape's (focus, value) pairs makes."""
    v = value_var(shape)
    columns = [Column(c, check) for c in shape.constraints if (check := violates(c, v))]
    picks = [cond for c in shape.constraints
             if not isinstance(c, Pattern) and python_check(c) and (cond := candidates(c, v))]
    if picks:  # few values, as a rule: those in a non-canonical or invalid form
        columns.append(Column(None, Check(" || ".join(picks))))
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
    return (f"SELECT DISTINCT ?this {_out(shape)} {flags} WHERE {{ {focus.pattern('?this')} "
            f"{values(shape)} {describe(v)} {joins} {binds} FILTER({any_}) }}")


def distinct_values_query(focus: Nodes, shape: Shape, condition: str) -> str:
    return (f"SELECT DISTINCT {_out(shape)} WHERE {{ {focus.pattern('?this')} {values(shape)} "
            f"{describe(value_var(shape))} FILTER({condition}) }}")


def pairs_query(focus: Nodes, shape: Shape, only: list[str] | None = None) -> str:
    """(focus, value) pairs, all or for the values listed (in SPARQL syntax)."""
    restrict = f" VALUES {value_var(shape)} {{ {' '.join(only)} }}" if only is not None else ""
    return (f"SELECT DISTINCT ?this {_out(shape)} WHERE {{ {focus.pattern('?this')} "
            f"{values(shape)}{restrict} }}")


def min_count_query(focus: Nodes, shape: Shape, n: int) -> str:
    if n == 1:
        return (f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
                f"FILTER NOT EXISTS {{ {values(shape)} }} }}")
    return (f"SELECT ?this WHERE {{ {focus.pattern('?this')} OPTIONAL {{ {values(shape)} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})")


def max_count_query(focus: Nodes, shape: Shape, n: int) -> str:
    """Counting, for sh:maxCount 0 or above 1 (`scan_columns` does 1)."""
    return (f"SELECT ?this WHERE {{ {focus.pattern('?this')} {values(shape)} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {n})")


def has_value_query(focus: Nodes, shape: Shape, value: Node) -> str:
    constant = sparql(value)
    if shape.path is None:
        return (f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
                f"FILTER(!sameTerm(?this, {constant})) }}")
    return (f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} "
            f"FILTER NOT EXISTS {{ ?this {path_sparql(shape.path)} {constant} }} }}")


def unique_lang_query(focus: Nodes, shape: Shape) -> str:
    """A focus node and a language that two of its values share (pySHACL ignores case)."""
    assert shape.path is not None, "sh:uniqueLang on a node shape never finds two values"
    path = path_sparql(shape.path)
    return (f"SELECT DISTINCT ?this (LCASE(LANG(?value)) AS ?lang) WHERE {{ "
            f"{focus.pattern('?this')} ?this {path} ?value . ?this {path} ?other . "
            f"FILTER(!sameTerm(?value, ?other) && isLiteral(?value) && LANG(?value) != \"\" "
            f"&& isLiteral(?other) && LCASE(LANG(?value)) = LCASE(LANG(?other))) }}")


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
    return (f"SELECT DISTINCT ?this {_out(shape)} WHERE {{ {focus.pattern('?this')} "
            f"{values(shape)} ?this {sparql(predicate)} {v} }}")


def less_than_query(focus: Nodes, shape: Shape, predicate: URIRef, or_equal: bool) -> str:
    """One row per (value, other value) pair out of order: pySHACL reports each pair."""
    op = "<=" if or_equal else "<"
    checks = " || ".join(
        f"COALESCE({comparable('?value', f)} {op} {comparable('?other', f)}, false)"
        for f in ("numeric", "dateTime", "date", "text", "time"))
    return (f"SELECT DISTINCT ?this ?value ?other WHERE {{ {focus.pattern('?this')} "
            f"{values(shape)} ?this {sparql(predicate)} ?other {describe('?value')} "
            f"{describe('?other')} FILTER(!({checks})) }}")


def closed_query(focus: Nodes, shape: Shape, allowed: frozenset[Node]) -> str:
    listed = ", ".join(sparql(p) for p in sorted(allowed, key=str) if isinstance(p, URIRef))
    keep = f"FILTER(?path NOT IN ({listed})) " if listed else ""
    resource = f"<{RDFS.Resource}>"
    v = value_var(shape)
    return (f"SELECT DISTINCT ?this ?path ?other WHERE {{ {focus.pattern('?this')} "
            f"{values(shape)} {v} ?path ?other {keep}"
            f"FILTER(!(sameTerm(?path, {TYPE}) && sameTerm(?other, {resource}))) }}")
