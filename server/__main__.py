"""`python -m cartkg.server --release DIR`: what `cartkg serve` does, with every setting exposed
(the tests and the benchmark start real servers this way)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cartkg.errors import CartkgError
from cartkg.paths import default_release_dir, layout

from . import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cartkg.server", description=__doc__)
    parser.add_argument("--release", type=Path, default=default_release_dir())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--dev", action="store_true", help="Flask's reloader instead of Granian")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--queries", type=Path, default=layout().queries)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per query")
    parser.add_argument(
        "--worker-memory",
        type=int,
        default=2048,
        metavar="MB",
        help="memory each query worker process may allocate; 0: no limit",
    )
    parser.add_argument("--row-cap", type=int, default=100_000)
    parser.add_argument("--max-request-bytes", type=int, default=1_000_000)
    parser.add_argument("--allow-service", action="append", default=[], metavar="IRI")
    parser.add_argument("--public-url", default=None)
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run queries without the kernel's network sandbox (only where it is unavailable)",
    )
    memory = parser.add_mutually_exclusive_group()
    memory.add_argument(
        "--in-memory",
        dest="in_memory",
        action="store_true",
        default=None,
        help="load the release into memory (default: when it is small)",
    )
    memory.add_argument(
        "--on-disk", dest="in_memory", action="store_false", help="always read the on-disk store"
    )
    parser.add_argument("--cache-entries", type=int, default=256, help="0 turns the cache off")
    parser.add_argument(
        "--client-queries", type=int, default=None, metavar="N",
        help="queries one client may run at once per process (default: half the threads)",
    )  # fmt: skip
    parser.add_argument(
        "--queue", type=int, default=None, metavar="N",
        help="queries that may wait for a worker per process (default: 16 per thread)",
    )  # fmt: skip
    parser.add_argument(
        "--trusted-proxy", action="append", default=[], metavar="ADDRESS",
        help="a reverse proxy (address or network) whose X-Forwarded-For names the client",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        serve(args)
    except CartkgError as err:
        sys.exit(f"error: {err}")


def serve(args: argparse.Namespace) -> None:
    run(
        args.release,
        args.host,
        args.port,
        dev=args.dev,
        workers=args.workers,
        threads=args.threads,
        access_log=args.access_log,
        queries_dir=args.queries,
        timeout=args.timeout,
        worker_memory_mb=args.worker_memory,
        row_cap=args.row_cap,
        max_request_bytes=args.max_request_bytes,
        service_allow_list=tuple(args.allow_service),
        public_url=args.public_url,
        in_memory=args.in_memory,
        cache_entries=args.cache_entries,
        sandbox=args.sandbox,
        client_queries=args.client_queries,
        queue=args.queue,
        trusted_proxies=tuple(args.trusted_proxy),
    )


if __name__ == "__main__":
    main()
