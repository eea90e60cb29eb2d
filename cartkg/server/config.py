"""The endpoint's settings: one frozen object handed to `create_app`, and how it is served.

Each field's default, command-line flag and help text are written here once; `settings.py`
derives the options of `cartkg serve` and `python -m cartkg.server` from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartkg.paths import layout


def flag(
    name: str,
    text: str,
    *,
    metavar: str | None = None,
    shown: str | None = None,
    also: tuple[str, ...] = (),
    envvar: str | None = None,
    minimum: int = 0,
) -> Any:
    """A field's command-line option: `name` ("--a", or "--a/--no-a" for a switch), its help
    text, what the help shows as its default where the value itself would not say, and
    other names the option answers to, and the least number it takes."""
    return {
        "flag": name, "help": text, "metavar": metavar, "shown": shown, "also": also,
        "envvar": envvar, "minimum": minimum,
    }  # fmt: skip


@dataclass(frozen=True)
class ServerConfig:
    """What the operator may tune. The defaults suit a public deployment."""

    release_dir: Path = field(
        metadata=flag(
            "--release-dir",
            "The release folder: store/, void.ttl, manifest.json (built by `cartkg build`).",
            shown="$CARTKG_RELEASE, else release/ in the project",
            also=("--release",),
        )
    )
    queries_dir: Path = field(
        default_factory=lambda: layout().queries,
        metadata=flag(
            "--queries",
            "The canned queries (*.rq with grlc decorators).",
            shown="queries/ in the project",
        ),
    )
    timeout: float = field(
        default=30.0,
        metadata=flag(
            "--timeout", "Seconds a query may run before its worker is killed.", metavar="S"
        ),
    )
    # RLIMIT_DATA: a query that needs more stops its worker, which is replaced.
    worker_memory_mb: int | None = field(
        default=2048,
        metadata=flag(
            "--worker-memory",
            "Megabytes of heap each query worker process may allocate; 0: no limit.",
            metavar="MB",
        ),
    )
    row_cap: int = field(
        default=100_000,
        metadata=flag(
            "--row-cap",
            "Rows (or triples) a response may carry; more are cut off, and it says so.",
            metavar="N",
        ),
    )
    max_request_bytes: int = field(
        default=1_000_000,
        metadata=flag(
            "--max-request-bytes",
            "Largest request body, and largest query string of a GET, in bytes.",
            metavar="N",
        ),
    )
    # Nothing but these is ever fetched.
    service_allow_list: tuple[str, ...] = field(
        default=(),
        metadata=flag(
            "--allow-service",
            "A SPARQL endpoint that queries may call with SERVICE; repeatable "
            "($CARTKG_ALLOW_SERVICE: space-separated).",
            metavar="URL",
            shown="none",
            envvar="CARTKG_ALLOW_SERVICE",
        ),
    )
    # server/README.md, "Network sandbox": the server will not start where the kernel cannot
    # confine the workers; without it only the query scan stands between a query and any URL.
    sandbox: bool = field(
        default=True,
        metadata=flag(
            "--sandbox/--no-sandbox",
            "Confine the query workers' network by the kernel; --no-sandbox only where it "
            "is unavailable (the server refuses to start otherwise).",
        ),
    )
    # One worker per concurrent query in each server process.
    pool_size: int = field(
        default=4,
        metadata=flag(
            "--threads",
            "Query worker processes per server process (queries it runs at once).",
            metavar="N",
            minimum=1,
        ),
    )
    public_url: str | None = field(
        default=None,
        metadata=flag(
            "--public-url",
            "The endpoint's public URL (e.g. behind a proxy), named by the service description.",
            metavar="URL",
            shown="the URL the request came to",
        ),
    )
    # pyoxigraph answers from memory several times faster than from disk; left to the server
    # (None), a release of at most worker.AUTO_MEMORY_QUADS quads is loaded.
    in_memory: bool | None = field(
        default=None,
        metadata=flag(
            "--in-memory/--on-disk",
            "Load the release into memory in each worker, or always read the on-disk store.",
            shown="in memory when the release is small",
        ),
    )
    # The release never changes while it is served.
    cache_entries: int = field(
        default=256,
        metadata=flag(
            "--cache-entries",
            "Responses kept for identical requests; 0 turns the cache off.",
            metavar="N",
        ),
    )
    # A client's further queries wait, at most `queue // 2` of them.
    client_queries: int | None = field(
        default=None,
        metadata=flag(
            "--client-queries",
            "Queries one client (an address) may run at once per server process.",
            metavar="N",
            shown="half the threads, at least 1",
        ),
    )
    queue: int | None = field(
        default=None,
        metadata=flag(
            "--queue",
            "Queries that may wait for a worker per server process; more get 503 at once.",
            metavar="N",
            shown="16 per thread",
        ),
    )
    # Empty: the peer address is the client, and X-Forwarded-For is ignored.
    trusted_proxies: tuple[str, ...] = field(
        default=(),
        metadata=flag(
            "--trusted-proxy",
            "A reverse proxy (address or network, e.g. 127.0.0.1) whose X-Forwarded-For "
            "names the client; repeatable.",
            metavar="ADDRESS",
            shown="none",
        ),
    )

    def running_per_client(self) -> int:
        return self.client_queries or max(1, self.pool_size // 2)

    def waiting(self) -> int:
        return self.queue if self.queue is not None else 16 * self.pool_size


@dataclass(frozen=True)
class Listen:
    """How the app is served: not part of the app's configuration."""

    host: str = field(
        default="127.0.0.1", metadata=flag("--host", "Address to listen on.", metavar="ADDRESS")
    )
    port: int = field(
        default=8000, metadata=flag("--port", "Port to listen on (0: any free).", metavar="PORT")
    )
    workers: int = field(
        default=2,
        metadata=flag("--workers", "Server processes (Granian workers).", metavar="N", minimum=1),
    )
    dev: bool = field(default=False, metadata=flag("--dev", "Flask's reloader instead of Granian."))
    # Off by default, as in gunicorn: a log line costs as much as answering from the cache.
    access_log: bool = field(default=False, metadata=flag("--access-log", "Log every request."))
