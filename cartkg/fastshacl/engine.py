"""Runs compiled shapes on a pyoxigraph store and turns what they find into results.

`Engine.results` validates a shape on a set of focus nodes; `Engine.failing` answers which of
them do not conform, which sh:node, sh:not, sh:and, sh:or, sh:xone and qualified value shapes
need. Both follow pySHACL: a focus node fails a nested shape when the shape reports anything
about it (for sh:node), or anything of a severity that is not allowed (for the others).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from cartkg.fastshacl import compile as sq
from cartkg.fastshacl import sparql
from cartkg.fastshacl.conditions import out_of_order, python_check
from cartkg.fastshacl.results import Compact, Result, path_text
from cartkg.fastshacl.shapes import (
    Closed,
    Constraint,
    HasValue,
    MaxCount,
    MinCount,
    Pattern,
    PropertyPair,
    Qualified,
    Shape,
    ShapeRef,
    ShapesModel,
    UniqueLang,
    component,
)
from cartkg.fastshacl.sparql import SparqlQuery
from cartkg.fastshacl.terms import OxTerm, quiet_rdflib, to_rdflib

_ALLOWED_WITH_WARNINGS = {SH.Warning, SH.Info}


@dataclass(frozen=True)
class Hit:
    """One validation result, in store terms."""

    shape: Shape
    component: URIRef
    focus: OxTerm
    value: OxTerm | None = None
    path: OxTerm | None = None  # sh:closed reports the predicate it found
    #: Whether it makes the data non-conforming (see `Engine.results`).
    blocking: bool = True
    message: str | None = None  # a SPARQL constraint's, filled in per result


class Engine:
    def __init__(self, store: ox.Store, model: ShapesModel, allow_warnings: bool = False) -> None:
        self.store = store
        self.model = model
        self.allowed = _ALLOWED_WITH_WARNINGS if allow_warnings else set()

    def select(self, query: str) -> Iterator[ox.QuerySolution]:
        solutions = self.store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return iter(solutions)

    # -- what a shape reports --------------------------------------------------------------
    def results(self, shape: Shape, focus: sq.Nodes, allowed_above: bool = False) -> list[Hit]:
        """Everything `shape` reports about the nodes `focus`, its property shapes included.

        A result blocks conformance unless its shape, or a shape above it, has a severity
        that is allowed (pySHACL's allow_warnings lets such shapes conform whatever they find).
        """
        if shape.deactivated:
            return []
        allowed = allowed_above or shape.severity in self.allowed
        hits = self.own(shape, focus)  # blocking, as hits are made
        if allowed:
            hits = [replace(hit, blocking=False) for hit in hits]
        values = sq.value_nodes(focus, shape)
        shared = self._shared_values(shape, focus) if shape.properties else {}
        for child in shape.properties:
            for hit in self.results(child, values, allowed):
                # pySHACL validates a value once for each focus node that has it.
                hits += [hit] * shared.get(hit.focus, 1)
        return hits

    def _shared_values(self, shape: Shape, focus: sq.Nodes) -> dict[OxTerm, int]:
        """Value nodes of more than one focus node, with how many."""
        if shape.path is None:
            return {}
        return {
            row["value"]: int(row["n"].value)
            for row in self.select(sq.shared_values_query(focus, shape))
        }

    def failing(self, shape: Shape, focus: sq.Nodes, strict: bool) -> set[OxTerm]:
        """The nodes of `focus` that do not conform to `shape`. `strict`: any result fails
        (sh:node); otherwise only results of a severity not allowed."""
        if shape.deactivated or (not strict and shape.severity in self.allowed):
            return set()
        failed = {hit.focus for hit in self.own(shape, focus)}
        values = sq.value_nodes(focus, shape)
        for child in shape.properties:
            bad_values = self.failing(child, values, strict)
            if not bad_values:
                continue
            if shape.path is None:
                failed |= bad_values
            else:
                pairs = self.select(sq.pairs_query(focus, shape))
                failed |= {row["this"] for row in pairs if row["value"] in bad_values}
        return failed

    def own(self, shape: Shape, focus: sq.Nodes) -> list[Hit]:
        """The results of the shape's own constraints (not its property shapes)."""
        hits = self._scan(shape, focus) + self._patterns(shape, focus)
        for c in shape.constraints:
            hits += self._focus_check(shape, focus, c)
        refs = [c for c in shape.constraints if isinstance(c, ShapeRef | Qualified)]
        if refs:
            hits += self._shape_refs(shape, focus, refs)
        for query in shape.sparql:
            if not query.deactivated:
                hits += self._sparql(shape, focus, query)
        return hits

    def _sparql(self, shape: Shape, focus: sq.Nodes, c: SparqlQuery) -> list[Hit]:
        """A SPARQL constraint, once for all focus nodes; rows as pySHACL reads them, each
        distinct row once per focus node."""
        path = sq.path_sparql(shape.path) if shape.path is not None else None
        seen: set[tuple[OxTerm, ...]] = set()
        hits: list[Hit] = []
        special = ("this", "path", "value", "failure")
        with quiet_rdflib():
            for row in self.select(sparql.query_text(c, focus.pattern("?this"), path)):
                f = row["this"]
                own = {v: row[v] for v in c.projected if v not in special and row[v] is not None}
                t, p, v = (row[n] if n in c.projected else None for n in ("this", "path", "value"))
                if t is None and p is None and v is None:
                    continue  # pySHACL reports nothing for such a row
                key = (f, t, p, v, *sorted(own.items(), key=lambda kv: kv[0]))
                if key in seen:
                    continue
                seen.add(key)
                if v is None and shape.path is None:
                    v = f
                bound = {k: to_rdflib(x) for k, x in own.items()}
                bound |= {
                    k: to_rdflib(x)
                    for k, x in (("this", t), ("path", p), ("value", v))
                    if x is not None
                }
                hits.append(
                    Hit(
                        shape,
                        SH.SPARQLConstraintComponent,
                        t or f,
                        v,
                        p,
                        message=sparql.message(shape.messages, c, bound),
                    )
                )
        return hits

    # -- constraints ------------------------------------------------------------------------
    def _scan(self, shape: Shape, focus: sq.Nodes) -> list[Hit]:
        """The checks of `sq.scan_columns`, in one query; Python judges the candidates."""
        columns = sq.scan_columns(shape)
        if not columns:
            return []
        tests = {i: python_check(col.constraint) for i, col in enumerate(columns) if col.python}
        verdicts: dict[tuple[int, OxTerm], bool] = {}  # Python's, per column and value
        hits: list[Hit] = []
        reported: set[tuple[int, OxTerm]] = set()  # per-focus results, once per focus node
        with quiet_rdflib():
            for row in self.select(sq.scan_query(focus, shape, columns)):
                this, value = row["this"], row["value"]
                for i, column in enumerate(columns):
                    if not _true(row[f"c{i}"]):
                        continue
                    comp = component(column.constraint)
                    if column.per_focus:
                        if (i, this) not in reported:
                            reported.add((i, this))
                            hits.append(Hit(shape, comp, this))
                        continue
                    if column.python:
                        if (i, value) not in verdicts:
                            test = tests[i]
                            verdicts[i, value] = test is not None and test(to_rdflib(value))
                        if not verdicts[i, value]:
                            continue
                    hits.append(Hit(shape, comp, this, value))
        return hits

    def _patterns(self, shape: Shape, focus: sq.Nodes) -> list[Hit]:
        """sh:pattern, in Python (its regular expressions are pySHACL's): the distinct values
        first, then the focus nodes of those that do not match."""
        patterns = [
            (c, test)
            for c in shape.constraints
            if isinstance(c, Pattern) and (test := python_check(c))
        ]
        if not patterns:
            return []
        broken: dict[OxTerm, list[Pattern]] = {}
        with quiet_rdflib():
            query = sq.distinct_values_query(focus, shape, f"!isBlank({sq.value_var(shape)})")
            for row in self.select(query):
                as_rdflib = to_rdflib(row["value"])
                failed = [c for c, test in patterns if test(as_rdflib)]
                if failed:
                    broken[row["value"]] = failed
        if not broken:
            return []
        listed = [str(value) for value in broken]
        return [
            Hit(shape, component(c), row["this"], row["value"])
            for row in self.select(sq.pairs_query(focus, shape, listed))
            for c in broken[row["value"]]
        ]

    def _focus_check(self, shape: Shape, focus: sq.Nodes, c: Constraint) -> list[Hit]:
        match c:
            case MinCount(n):
                query = sq.min_count_query(focus, shape, n)
            case MaxCount(n) if n != 1:
                query = sq.max_count_query(focus, shape, n)
            case HasValue(value):
                query = sq.has_value_query(focus, shape, value)
            case UniqueLang() if shape.path is not None:
                query = sq.unique_lang_query(focus, shape)
            case PropertyPair(kind, predicate) if kind == SH.EqualsConstraintComponent:
                query = sq.equals_query(focus, shape, predicate)
            case PropertyPair(kind, predicate) if kind == SH.DisjointConstraintComponent:
                query = sq.disjoint_query(focus, shape, predicate)
            case PropertyPair(kind, predicate):
                or_equal = kind == SH.LessThanOrEqualsConstraintComponent
                query = sq.less_than_query(focus, shape, predicate, or_equal)
                with quiet_rdflib():
                    return [
                        Hit(shape, kind, row["this"], row["value"])
                        for row in self.select(query)
                        if not _true(row["py"])
                        or out_of_order(to_rdflib(row["value"]), to_rdflib(row["other"]), or_equal)
                    ]
            case Closed(allowed):
                return [
                    Hit(shape, component(c), row["this"], row["other"], row["path"])
                    for row in self.select(sq.closed_query(focus, shape, allowed))
                ]
            case _:
                return []
        return [
            Hit(shape, component(c), row["this"], _optional(row, "value"))
            for row in self.select(query)
        ]

    def _shape_refs(
        self, shape: Shape, focus: sq.Nodes, refs: list[ShapeRef | Qualified]
    ) -> list[Hit]:
        values = sq.value_nodes(focus, shape)
        pairs = [(row["this"], row["value"]) for row in self.select(sq.pairs_query(focus, shape))]
        hits: list[Hit] = []
        for ref in refs:
            if isinstance(ref, Qualified):
                hits += self._qualified(shape, focus, values, pairs, ref)
                continue
            strict = ref.component == SH.NodeConstraintComponent
            failing = [self.failing(self.model.shape(s), values, strict) for s in ref.shapes]
            breaks = _breaks(ref.component)
            for this, value in pairs:
                if breaks([value in f for f in failing]):
                    hits.append(Hit(shape, ref.component, this, value))
        return hits

    def _qualified(
        self,
        shape: Shape,
        focus: sq.Nodes,
        values: sq.Nodes,
        pairs: list[tuple[OxTerm, OxTerm]],
        q: Qualified,
    ) -> list[Hit]:
        main = self.failing(self.model.shape(q.shape), values, strict=False)
        siblings = [self.failing(self.model.shape(s), values, strict=False) for s in q.siblings]
        counts: Counter[OxTerm] = Counter()
        for this, value in pairs:
            if value not in main and all(value in s for s in siblings):
                counts[this] += 1
        hits = []
        for row in self.select(f"SELECT DISTINCT ?this WHERE {{ {focus.pattern('?this')} }}"):
            this, n = row["this"], counts[row["this"]]
            if q.max_count is not None and n > q.max_count:
                hits.append(Hit(shape, SH.QualifiedMaxCountConstraintComponent, this))
            if q.min_count is not None and n < q.min_count:
                hits.append(Hit(shape, SH.QualifiedMinCountConstraintComponent, this))
        return hits


def _true(term: object) -> bool:
    return isinstance(term, ox.Literal) and term.value == "true"


def _optional(row: ox.QuerySolution, name: str) -> OxTerm | None:
    try:
        value = row[name]
    except (KeyError, IndexError):
        return None
    return value  # type: ignore[no-any-return]


def _breaks(comp: URIRef) -> Callable[[list[bool]], bool]:
    """Whether a value breaks a logical constraint, given whether it fails each shape.

    Decided once per constraint, not per value: an `SH.X` attribute makes a new URIRef.
    """
    if comp == SH.NodeConstraintComponent or comp == SH.AndConstraintComponent:
        return any
    if comp == SH.NotConstraintComponent:
        return lambda fails: not fails[0]
    if comp == SH.OrConstraintComponent:
        return all
    return lambda fails: fails.count(False) != 1  # sh:xone


# ---- results for the report ----------------------------------------------------------------
_GENERIC = {
    SH.MinCountConstraintComponent: "Too few values",
    SH.MaxCountConstraintComponent: "Too many values",
    SH.DatatypeConstraintComponent: "Value does not have the required datatype",
    SH.ClassConstraintComponent: "Value is not an instance of the required class",
    SH.NodeKindConstraintComponent: "Value is not of the required node kind",
    SH.InConstraintComponent: "Value is not one of the allowed values",
    SH.HasValueConstraintComponent: "The required value is missing",
    SH.PatternConstraintComponent: "Value does not match the pattern",
    SH.MinLengthConstraintComponent: "Value is too short",
    SH.MaxLengthConstraintComponent: "Value is too long",
    SH.LanguageInConstraintComponent: "Value does not have an allowed language",
    SH.UniqueLangConstraintComponent: "More than one value in the same language",
    SH.ClosedConstraintComponent: "Property not allowed on a closed shape",
}


class Results:
    """Hits as report results. Terms and shapes repeat from result to result: each is
    written out once."""

    def __init__(self, shapes: Graph, write: Compact) -> None:
        self.shapes = shapes
        self.write = write
        self._terms: dict[OxTerm | URIRef, str] = {}
        self._shapes: dict[int, tuple[str, str | None, str, str]] = {}

    def __call__(self, hit: Hit) -> Result:
        severity, path, source, message = self._shape(hit.shape)
        if hit.path is not None:
            path = self._term(hit.path)
        return Result(
            severity=severity,
            focus_node=self._term(hit.focus),
            result_path=path,
            value=self._term(hit.value) if hit.value is not None else None,
            source_shape=source,
            constraint_component=self._term(hit.component),
            message=hit.message or message or _generic(hit.component),
        )

    def _term(self, term: OxTerm | URIRef) -> str:
        if term not in self._terms:
            self._terms[term] = self.write(term if isinstance(term, URIRef) else to_rdflib(term))
        return self._terms[term]

    def _shape(self, shape: Shape) -> tuple[str, str | None, str, str]:
        if id(shape) not in self._shapes:
            path = (
                path_text(self.shapes, shape.path_node, self.write)
                if shape.path is not None
                else None
            )
            self._shapes[id(shape)] = (
                str(shape.severity).rsplit("#", 1)[-1],
                path,
                self.write(shape.node),
                "; ".join(sorted(str(m) for m in shape.messages)),
            )
        return self._shapes[id(shape)]


def _generic(comp: URIRef) -> str:
    local = str(comp).rsplit("#", 1)[-1]
    return _GENERIC.get(comp, local.replace("ConstraintComponent", " constraint"))
