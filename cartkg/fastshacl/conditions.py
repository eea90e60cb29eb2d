"""Per-value constraints as SPARQL conditions, with Python for what SPARQL cannot settle.

pySHACL judges values through rdflib: its own reading of lexical forms, its own ordering of
literals (rdflib orders ill-typed and mixed-type literals by datatype IRI, for instance). A
condition here is true in SPARQL only where SPARQL and rdflib agree; the values where they might
not (ill-typed or non-canonical literals, dates, regular expressions) are *candidates*, fetched
and judged in Python by the rdflib code pySHACL itself runs.

Conditions read a value's datatype and language tag from variables bound once per row
(`describe`): oxigraph is slow at computing DATATYPE() again for each test.

>>> from rdflib import Literal, URIRef
>>> rule = Range(URIRef("http://www.w3.org/ns/shacl#MinInclusiveConstraintComponent"), Literal(1))
>>> breaks = python_check(rule)
>>> breaks(Literal(0)), breaks(Literal("2")), breaks(Literal(2))
(True, True, False)
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.fastshacl.shapes import (
    Class,
    Constraint,
    Datatype,
    In,
    LanguageIn,
    Length,
    NodeKind,
    Pattern,
    Range,
)
from cartkg.fastshacl.terms import ALIAS_NS, XSD_NS, sparql

TYPE = f"<{RDF.type}>"
SUBCLASS = f"<{RDFS.subClassOf}>"
_NONE = "<urn:x-fastshacl:none>"  # the datatype of what is not a literal
# rdflib reads these as Python strings: pySHACL compares them as text.
_STRINGISH = ("string", "normalizedString", "token", "language", "anyURI")
# Integer types whose canonical lexical forms rdflib reads as well-typed, and their range.
_INTEGERS = {
    "integer": "",
    "nonNegativeInteger": ">= 0",
    "positiveInteger": "> 0",
    "nonPositiveInteger": "<= 0",
    "negativeInteger": "< 0",
}
_OPS = {
    SH.MinInclusiveConstraintComponent: ">=",
    SH.MinExclusiveConstraintComponent: ">",
    SH.MaxInclusiveConstraintComponent: "<=",
    SH.MaxExclusiveConstraintComponent: "<",
}
_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
_fresh = iter(range(1 << 62))


@dataclass(frozen=True)
class Check:
    """A SPARQL condition on a value, never an error, and a pattern it needs joined first."""

    condition: str
    join: str = ""


def instance_of(var: str, classes: tuple[Node, ...]) -> str:
    """`var` is a SHACL instance of one of `classes` (rdf:type/rdfs:subClassOf*). The
    subclasses are found first, in a sub-select: joined as a property path, oxigraph may walk
    the path again for every row."""
    cls, of = f"?_class{next(_fresh)}", f"?_of{next(_fresh)}"
    listed = " ".join(sparql(c) for c in classes)
    subclasses = f"VALUES {of} {{ {listed} }} {cls} {SUBCLASS}* {of}"
    return f"{{ SELECT DISTINCT {cls} WHERE {{ {subclasses} }} }} {var} {TYPE} {cls} ."


def dt(var: str) -> str:
    """The variable holding `var`'s datatype (see `describe`)."""
    return f"?_dt_{var[1:]}"


def lang(var: str) -> str:
    """The variable holding `var`'s language tag, "" if none (see `describe`)."""
    return f"?_lang_{var[1:]}"


def describe(var: str, conditions: str) -> str:
    """Binds what `conditions` read of `var`: its datatype and language tag (`dt`, `lang`)
    and its number value (`plain_number`). An error leaves a variable unbound."""
    binds = []
    if dt(var) in conditions or _cast(var, "") in conditions:
        binds.append(f"BIND(IF(isLiteral({var}), DATATYPE({var}), {_NONE}) AS {dt(var)})")
    if lang(var) in conditions:
        binds.append(f'BIND(IF(isLiteral({var}), LANG({var}), "") AS {lang(var)})')
    for target, types in _CASTS.items():
        if _cast(var, target) in conditions:
            binds.append(
                f"BIND(IF({_dt_in(var, types)}, <{XSD_NS}{target}>(STR({var})), 1/0) "
                f"AS {_cast(var, target)})"
            )
    return " ".join(binds)


# Which literals `describe` reads as numbers, by the XSD type it casts them to.
_CASTS = {
    "integer": list(_INTEGERS),
    "decimal": [*_INTEGERS, "decimal"],
    "double": ["float", "double"],
}


def _cast(var: str, target: str) -> str:
    return f"?_{target}_{var[1:]}"


def _dt_in(var: str, local_names: list[str]) -> str:
    listed = ", ".join(f"<{ALIAS_NS}{t}>" for t in local_names)
    return f"{dt(var)} IN ({listed})"


def stringish(var: str) -> str:
    """A literal rdflib reads as a Python string."""
    plain = f"{dt(var)} = <{XSD_NS}string>"
    return f'({lang(var)} != "" || {plain} || {_dt_in(var, list(_STRINGISH))})'


def text(var: str) -> str:
    """What pySHACL compares as text in sh:lessThan: IRIs and strings."""
    return f"(isIRI({var}) || {stringish(var)})"


def datatype_ok(var: str, datatype: URIRef) -> str:
    """The literal has `datatype` as pySHACL sees it (ill-typed ones: see `python_check`)."""
    if datatype == RDFS.Literal:
        return f"isLiteral({var})"
    if datatype == RDF.langString:
        return f'{lang(var)} != ""'
    if datatype == RDFS.Datatype:  # rdflib gives plain and language-tagged literals none
        return f'(isLiteral({var}) && {lang(var)} = "" && {dt(var)} != <{XSD_NS}string>)'
    if str(datatype) == XSD_NS + "string":
        return f"{dt(var)} IN (<{XSD_NS}string>, <{ALIAS_NS}string>)"
    return f"{dt(var)} = {sparql(datatype)}"


# ---- numbers SPARQL compares as rdflib does ---------------------------------------------------
def number_kind(literal: Literal) -> str | None:
    """ "exact" (integers, decimals) or "floating" for a numeric bound; None otherwise."""
    local = str(literal.datatype or "").removeprefix(XSD_NS)
    if local in _INTEGERS or local == "decimal":
        return "exact"
    return "floating" if local in ("float", "double") else None


def plain_number(var: str, kind: str) -> str:
    """A well-typed number in canonical form: rdflib reads it as SPARQL does."""

    def canonical(target: str) -> str:
        return f"COALESCE(STR({_cast(var, target)}) = STR({var}), false)"

    if kind == "floating":
        return canonical("double")
    as_int = _cast(var, "integer")
    ranges = " && ".join(
        f"({dt(var)} != <{ALIAS_NS}{t}> || {as_int} {test})"
        for t, test in _INTEGERS.items()
        if test
    )
    decimal = f"({dt(var)} = <{ALIAS_NS}decimal> && {canonical('decimal')})"
    return f"(({canonical('integer')} && {ranges}) || {decimal})"


def number(var: str, kind: str) -> str:
    """The value of a `plain_number`."""
    return _cast(var, "double" if kind == "floating" else "decimal")


# ---- per-value constraints --------------------------------------------------------------------
def violates(c: Constraint, v: str) -> Check | None:
    """True in SPARQL when value `v` surely breaks `c`; None when `c` is not a per-value
    constraint. (`candidates` selects the values left to `python_check`.)"""
    match c:
        case Datatype(datatype):
            return Check(f"!({datatype_ok(v, datatype)})")
        case Class(cls):
            # An OPTIONAL join, not NOT EXISTS: oxigraph evaluates that one row by row.
            found = f"?_instance{next(_fresh)}"
            join = f"OPTIONAL {{ {instance_of(v, (cls,))} BIND(true AS {found}) }}"
            return Check(f"(isLiteral({v}) || !BOUND({found}))", join)
        case NodeKind(kind):
            return Check("!" + _KINDS[kind].format(v=v))
        case In(members):
            same = " || ".join(f"sameTerm({v}, {sparql(m)})" for m in members) or "false"
            typed = _typed_datatypes(members)
            maybe_equal = f" && !({_dt_in(v, typed)})" if typed else ""
            return Check(f"(!({same}){maybe_equal})")
        case Range(comp, bound):
            mismatch = _text_mismatch(v, bound)
            numbers = number_kind(bound)
            if numbers is None:
                return Check(f"(!isLiteral({v}) || {mismatch})")
            test = f"{number(v, numbers)} {_OPS[comp]} {bound.n3()}"
            return Check(
                f"(!isLiteral({v}) || {mismatch} || ({plain_number(v, numbers)} && !({test})))"
            )
        case LanguageIn(tags):
            tag = lang(v)
            listed = ", ".join(f'"{t}"' for t in tags)
            found = (
                "true"
                if "*" in tags
                else (f'({tag} IN ({listed}) || STRBEFORE(CONCAT({tag}, "-"), "-") IN ({listed}))')
            )
            return Check(f'!({tag} != "" && {found})')
        case Length(comp, n):
            op = "<" if comp == SH.MinLengthConstraintComponent else ">"
            if op == "<" and n == 0:
                return None  # pySHACL passes everything, blank nodes too
            # Lengths of IRIs and strings only: other literals are measured in Python.
            return Check(f"(isBlank({v}) || {text(v)} && STRLEN(STR({v})) {op} {n})")
        case Pattern():
            return Check(f"isBlank({v})")
    return None


def candidates(c: Constraint, v: str) -> str | None:
    """The values `python_check` must judge for `c`, as a SPARQL condition; None if none."""
    match c:
        case Pattern():
            return f"!isBlank({v})"
        case Length():
            return f"(isLiteral({v}) && !{stringish(v)})"
        case Datatype(datatype) if datatype not in _UNCHECKED:
            local = str(datatype).removeprefix(XSD_NS)
            if local in _INTEGERS or local == "decimal":
                return f"({datatype_ok(v, datatype)} && !{plain_number(v, 'exact')})"
            if local == "boolean":
                return f'({datatype_ok(v, datatype)} && !(STR({v}) IN ("true", "false")))'
            return datatype_ok(v, datatype)  # dates and the like: few distinct values, mostly
        case In(members) if typed := _typed_datatypes(members):
            same = " || ".join(f"sameTerm({v}, {sparql(m)})" for m in members)
            return f"(!({same}) && {_dt_in(v, typed)})"
        case Range(_, bound):
            kind = number_kind(bound)
            sure = f" && !{plain_number(v, kind)}" if kind else ""
            return f"(isLiteral({v}) && !{_text_mismatch(v, bound)}{sure})"
    return None


_UNCHECKED = {RDFS.Literal, RDF.langString, RDFS.Datatype, URIRef(XSD_NS + "string")}


def _typed_datatypes(members: tuple[Node, ...]) -> list[str]:
    """Datatypes (local names) of the typed, non-string literals listed: rdflib equates
    different lexical forms of one value, so data in these types goes to Python."""
    return sorted(
        {
            str(m.datatype).removeprefix(XSD_NS)
            for m in members
            if isinstance(m, Literal)
            and str(m.datatype).startswith(XSD_NS)
            and str(m.datatype) != XSD_NS + "string"
        }
    )


def _text_mismatch(v: str, bound: Literal) -> str:
    """pySHACL fails a value read as a string against a bound that is not, and the reverse."""
    return f"!{stringish(v)}" if isinstance(bound.value, str) else stringish(v)


# ---- the same constraints, judged by rdflib ---------------------------------------------------
def python_check(c: Constraint) -> Callable[[Node], bool] | None:
    """A test, true when a candidate value (as rdflib reads it) breaks `c`, as in pySHACL."""
    match c:
        case Pattern(regex, flags):
            compiled = re.compile(
                regex, (re.I if "i" in flags.lower() else 0) | (re.M if "m" in flags.lower() else 0)
            )
            return lambda value: compiled.search(as_text(value)) is None
        case Length(comp, n) if comp == SH.MinLengthConstraintComponent:
            return lambda value: len(as_text(value)) < n
        case Length(_, n):
            return lambda value: len(as_text(value)) > n
        case Datatype(datatype) if datatype not in _UNCHECKED:
            return lambda value: ill_typed(value, datatype)
        case In(members):
            listed = set(members)
            return lambda value: value not in listed
        case Range(comp, bound):
            return lambda value: _out_of_range(value, bound, comp)
    return None


def as_text(value: Node) -> str:
    """pySHACL's string of a value node, for patterns and lengths."""
    if (
        isinstance(value, Literal)
        and value.value is not None
        and (value.datatype in (None, RDF.langString, URIRef(XSD_NS + "string")))
    ):
        return str(value.value)
    return str(value)


_PYTHON_TYPES: dict[str, type] = {
    "integer": int,
    "float": float,
    "decimal": Decimal,
    "boolean": bool,
    "date": datetime.date,
    "time": datetime.time,
    "dateTime": datetime.datetime,
}


def ill_typed(value: Node, datatype: URIRef) -> bool:
    """pySHACL's verdict on a literal of `datatype`: rdflib finds its lexical form invalid."""
    if not isinstance(value, Literal) or value.datatype != datatype:
        return False
    if value.ill_typed is True:
        return True
    expected = _PYTHON_TYPES.get(str(datatype).removeprefix(XSD_NS))
    return expected is not None and not isinstance(value.value, expected)


_PASSES = {
    SH.MinInclusiveConstraintComponent: lambda cmp: cmp >= 0,
    SH.MinExclusiveConstraintComponent: lambda cmp: cmp > 0,
    SH.MaxInclusiveConstraintComponent: lambda cmp: cmp <= 0,
    SH.MaxExclusiveConstraintComponent: lambda cmp: cmp < 0,
}


def _out_of_range(value: Node, bound: Literal, comp: URIRef) -> bool:
    from pyshacl.rdfutil.compare import compare_literal  # pySHACL's own ordering

    if not isinstance(value, Literal) or isinstance(value.value, str) != isinstance(
        bound.value, str
    ):
        return True
    try:
        return not _PASSES[comp](compare_literal(value, bound))  # type: ignore[no-untyped-call]
    except (TypeError, NotImplementedError):
        return True


def out_of_order(value: Node, other: Node, or_equal: bool) -> bool:
    """pySHACL's sh:lessThan (sh:lessThanOrEquals with `or_equal`) on one pair of values.
    (Where pySHACL raises, on blank nodes and incomparable literals, this says "broken".)"""

    def key(node: Node) -> object:
        return (
            str(node)
            if isinstance(node, URIRef)
            else (node.value if isinstance(node, Literal) and isinstance(node.value, str) else node)
        )

    a, b = key(value), key(other)
    if isinstance(a, str) != isinstance(b, str):
        return True
    try:
        return not (a <= b if or_equal else a < b)  # type: ignore[operator]
    except TypeError:
        return True
