"""What every blueprint shares: the settings, the worker pool, the prefixes, the canned queries."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from flask import current_app, request

from cartkg.canned import CannedQuery

from .admission import Network, client_address
from .config import ServerConfig
from .execution import Pool
from .formats import Term
from .jobs import Dataset, Job, Outcome, Raw

T = TypeVar("T")


@dataclass
class AppState:
    config: ServerConfig
    pool: Pool
    prefixes: dict[str, str]
    canned: dict[str, CannedQuery]
    #: Reverse proxies whose X-Forwarded-For is believed (admission.client_address).
    trusted_proxies: tuple[Network, ...] = ()
    #: SHA-256 of the release's manifest.json, which names every artefact's hash; None without.
    release_hash: str | None = None
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
        outcome = self.run(job)
        assert isinstance(outcome, Raw)
        return outcome

    def run(self, job: Job) -> Outcome:
        """Run a job for the current request, in its client's line (admission.py)."""
        return self.pool.run(job, client=self.client())

    def client(self) -> str:
        peer = request.environ.get("REMOTE_ADDR") or ""
        forwarded = request.headers.get("X-Forwarded-For")
        return client_address(peer, forwarded, self.trusted_proxies)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()`, once per key: the release does not change while it is served."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._memo[key] = value
        return value

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph."""

        def count() -> dict[str, int]:
            raw = self.table("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            sizes = {
                row[0].value: int(row[1].value)
                for row in raw.rows
                if isinstance(row[0], ox.NamedNode) and isinstance(row[1], ox.Literal)
            }
            return dict(sorted(sizes.items()))

        return self.memo("graph_sizes", count)

    def endpoint_url(self) -> str:
        """The exact URL of /sparql as clients reach it."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/") + "/sparql"
        return request.url_root + "sparql"

    def etag(self) -> str | None:
        """The (weak) ETag of the current GET's answer: the release and the Accept header are
        all an answer at one URL depends on. Weak: the same bytes are likely, not promised."""
        if self.release_hash is None:
            return None
        accept = request.headers.get("Accept", "")
        return hashlib.sha256(f"{self.release_hash}\0{accept}".encode()).hexdigest()[:32]

    def site_url(self) -> str:
        if self.config.public_url:
            return self.config.public_url.rstrip("/") + "/"
        return request.url_root


def release_hash(release_dir: Path) -> str | None:
    try:
        return hashlib.sha256((release_dir / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return None


def state() -> AppState:
    found: AppState = current_app.extensions["cartkg"]
    return found
