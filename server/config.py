"""The endpoint's settings: one frozen object handed to `create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cartkg.paths import layout


@dataclass(frozen=True)
class ServerConfig:
    """What the operator may tune. The defaults suit a public deployment."""

    #: A built release: store/ (pyoxigraph), void.ttl, manifest.json.
    release_dir: Path
    #: The canned queries (`*.rq` with grlc decorators).
    queries_dir: Path = field(default_factory=lambda: layout().queries)
    #: Seconds a query may run before its worker process is killed.
    timeout: float = 30.0
    #: Megabytes of heap each query worker process may allocate (RLIMIT_DATA); a query that
    #: needs more stops its worker, which is replaced. None or 0: no limit.
    worker_memory_mb: int | None = 2048
    #: Rows (or triples) a response may carry; more are cut off and the response says so.
    row_cap: int = 100_000
    #: Largest request body, and largest query string of a GET, in bytes.
    max_request_bytes: int = 1_000_000
    #: SERVICE endpoints a query may call; nothing else is ever fetched.
    service_allow_list: tuple[str, ...] = ()
    #: Whether the kernel confines the query workers' network (server/README.md, "Network
    #: sandbox"); the server will not start where it cannot. False (`--no-sandbox`) leaves
    #: only the query scan between a query and any URL.
    sandbox: bool = True
    #: Query worker processes per server process (one per concurrent query).
    pool_size: int = 4
    #: The endpoint's public URL (e.g. behind a proxy); by default the URL the request came to.
    public_url: str | None = None
    #: Load the release into memory in each worker instead of reading the on-disk store.
    #: None: do so for a small release whose store has no union default graph of its own,
    #: since only then is each triple counted once in the default graph (oxigraph#1919).
    in_memory: bool | None = None
    #: Responses kept for identical requests (the release never changes while it is served).
    cache_entries: int = 256
    #: Queries one client (an address) may run at once in a server process; None: half the
    #: query workers (at least 1). Its further queries wait, at most `queue // 2` of them.
    client_queries: int | None = None
    #: Queries that may wait for a worker in a server process; more are refused with 503 and
    #: Retry-After at once. None: 16 per query worker.
    queue: int | None = None
    #: Addresses or networks of reverse proxies whose X-Forwarded-For names the client
    #: (e.g. "127.0.0.1"); empty: the peer address is the client, and the header is ignored.
    trusted_proxies: tuple[str, ...] = ()

    def running_per_client(self) -> int:
        return self.client_queries or max(1, self.pool_size // 2)

    def waiting(self) -> int:
        return self.queue if self.queue is not None else 16 * self.pool_size
