"""What every blueprint shares: the settings, the worker pool, the prefixes, the canned queries."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import current_app, request

from cartkg.canned import CannedQuery

from .config import ServerConfig
from .execution import Dataset, Job, Pool, Raw
from .formats import Term


@dataclass
class Engine:
    config: ServerConfig
    pool: Pool
    prefixes: dict[str, str]
    canned: dict[str, CannedQuery]
    _memo: dict[str, object] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def table(
        self,
        query: str,
        substitutions: tuple[tuple[str, Term], ...] = (),
        dataset: Dataset | None = None,
    ) -> Raw:
        """Rows of one of the server's own queries (for the pages), under the same limits."""
        job = Job(
            query,
            dataset or Dataset(),
            substitutions,
            row_cap=self.config.row_cap,
            raw=True,
        )
        outcome = self.pool.run(job)
        assert isinstance(outcome, Raw)
        return outcome

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph (asked once: the release does not change)."""
        with self._lock:
            found = self._memo.get("graph_sizes")
        if isinstance(found, dict):
            return found
        raw = self.table("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        sizes = {
            row[0].value: int(row[1].value)
            for row in raw.rows
            if isinstance(row[0], ox.NamedNode) and isinstance(row[1], ox.Literal)
        }
        with self._lock:
            self._memo["graph_sizes"] = dict(sorted(sizes.items()))
        return sizes

    def endpoint_url(self) -> str:
        """The exact URL of /sparql as clients reach it."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/") + "/sparql"
        return request.url_root + "sparql"

    def site_url(self) -> str:
        if self.config.public_url:
            return self.config.public_url.rstrip("/") + "/"
        return request.url_root


def engine() -> Engine:
    found: Engine = current_app.extensions["cartkg"]
    return found
