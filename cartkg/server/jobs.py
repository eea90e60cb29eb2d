"""What the server asks of a query worker, and what it gets back.

These objects cross the process boundary (pickled), so they hold only plain values and
pyoxigraph terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .formats import Term


class QueryError(Exception):
    """A query could not be answered; `status` is the HTTP status the client gets."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        #: Seconds after which the client may try again (a Retry-After header), if it may.
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class QueryTimeout(QueryError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            503, f"the query ran for more than {seconds:g} s, the time limit, and was stopped"
        )


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a query runs on (SPARQL Protocol's default-graph-uri / named-graph-uri).

    With nothing given, the default graph is the union of all named graphs, unless the query
    has its own FROM / FROM NAMED clauses.
    """

    union_default: bool = True
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def options(self, union_stored: bool) -> dict[str, Any]:
        """pyoxigraph's dataset arguments; `union_stored`: the store's default graph holds the
        union of the named graphs (each triple once), so it is the union to use."""
        if self.default_graphs or self.named_graphs:
            # The protocol's dataset replaces the query's; an unnamed part is empty.
            return {
                "default_graph": [ox.NamedNode(g) for g in self.default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in self.named_graphs],
            }
        if not self.union_default or union_stored:
            return {}
        # pyoxigraph 0.5 counts a triple once per named graph it is in (oxigraph#1919).
        return {"use_default_graph_as_union": True}


@dataclass(frozen=True)
class Job:
    query: str
    dataset: Dataset = field(default_factory=Dataset)
    #: Variable name -> value, bound by pyoxigraph (the variable must be projected).
    substitutions: tuple[tuple[str, Term], ...] = ()
    #: Format names for each kind of result; None where the client accepts none of ours.
    solutions_format: str | None = "json"
    graph_format: str | None = "turtle"
    row_cap: int = 100_000
    #: Paging of canned queries: rows skipped, and rows per page (the rest are only counted).
    offset: int = 0
    page_size: int | None = None
    #: Return the terms themselves (for the HTML pages) instead of a serialization.
    raw: bool = False
    #: What relative IRIs resolve against (the endpoint URL), as the query's BASE may override.
    base_iri: str | None = None


@dataclass(frozen=True)
class Serialized:
    kind: str  # "solutions", "boolean" or "graph"
    format: str
    body: bytes
    rows: int
    truncated: bool = False
    #: Rows of the whole result, when the job was paged.
    total: int | None = None


@dataclass(frozen=True)
class Raw:
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] | None = None
    truncated: bool = False
    total: int | None = None


Outcome = Serialized | Raw
