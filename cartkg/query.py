"""Run a SPARQL query on the release store.

Two conveniences, the same as the SPARQL endpoint's:

* the project's prefixes (`cartkg:`, `kg:`, `kgg:`, `rdfs:`, `schema:`, `MONDO:`, ... from
  `data/prefixes.yaml`, see `cartkg.prefixes`) are declared for every query; a query may
  redeclare them;
* the default graph is the union of all named graphs, so `?s ?p ?o` sees every source's
  statements, and `GRAPH ?g { ... }` says which source (named graph) states what.
"""

from __future__ import annotations

import io
from typing import Literal as Choice

import pyoxigraph as ox
from rdflib import URIRef

from cartkg.errors import CartkgError
from cartkg.prefixes import sparql_prefixes
from cartkg.report import compact
from cartkg.store import union_flag

Format = Choice["table", "csv", "json"]
_MAX_WIDTH = 60


def execute(store: ox.Store, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """The raw pyoxigraph result; SyntaxError becomes a CartkgError with the parser's message."""
    try:
        return store.query(
            query, prefixes=sparql_prefixes(), use_default_graph_as_union=union_flag(store)
        )
    except SyntaxError as err:
        raise CartkgError(f"SPARQL syntax error: {err}") from None


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(URIRef(term.value))
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def table(solutions: ox.QuerySolutions) -> str:
    """Solutions as an aligned text table with compact IRIs."""
    names = [v.value for v in solutions.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in solutions]
    clipped = [[c if len(c) <= _MAX_WIDTH else c[: _MAX_WIDTH - 1] + "…" for c in r] for r in rows]
    widths = [max([len(n), *(len(r[i]) for r in clipped)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in clipped:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def run(store: ox.Store, query: str, fmt: Format = "table") -> str:
    """Run `query`; return the result as a text table, CSV or SPARQL JSON (graphs: Turtle,
    N-Triples or JSON-LD)."""
    result = execute(store, query)
    if isinstance(result, ox.QueryTriples):
        syntax = {
            "table": ox.RdfFormat.TURTLE,
            "csv": ox.RdfFormat.N_TRIPLES,
            "json": ox.RdfFormat.JSON_LD,
        }[fmt]
        out = io.BytesIO()
        ox.serialize(result, out, syntax, prefixes=sparql_prefixes() if fmt == "table" else None)
        return out.getvalue().decode("utf-8")
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            return "true" if bool(result) else "false"
        return table(result)
    kind = ox.QueryResultsFormat.JSON if fmt == "json" else ox.QueryResultsFormat.CSV
    return (result.serialize(format=kind) or b"").decode("utf-8")
