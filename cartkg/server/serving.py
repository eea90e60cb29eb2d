"""Serving the app: Granian in production, Flask's reloader in development.

Granian (a Rust HTTP server that calls the WSGI application) rather than gunicorn: it answers
a request in half gunicorn's time (0.25 against 0.6 ms for a constant answer, measured here),
which is what a small query costs in the Oxigraph server itself (bench/bench_endpoint.py).

No request may tie the server up. HTTP threads outnumber the queries a process may admit
(running and waiting, `admission.py`), so cached answers and `/health` always find a thread.
Connections are cheap to hold (Granian's event loop, not a thread each), so the server accepts
many and gives each little time to send its headers: slow headers cannot lock out new clients
(slow request bodies can: they need a buffering proxy, see README.md).
"""

from __future__ import annotations

import math
import resource
from functools import partial
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from cartkg.errors import CartkgError

from .config import Listen, ServerConfig

#: HTTP threads per process beyond those that admitted queries may hold.
SPARE_THREADS = 8
#: Milliseconds a client has to send a request's headers (also the wait for the next request
#: on a kept-alive connection); Granian's default, 30 s, let 2,000 slow clients lock others out.
HEADER_TIMEOUT_MS = 5_000
#: Connections each server process holds at once (Granian's backpressure; its default is the
#: backlog shared among the processes, about 500). Bounded by the open-file limit.
CONNECTIONS = 8_192
#: Connections the kernel keeps waiting to be accepted (also bounded by net.core.somaxconn).
BACKLOG = 4_096
#: Seconds a stopping server process gets beyond a query's longest life (wait and run).
DRAIN_MARGIN = 5


def serve(config: ServerConfig, listen: Listen) -> None:
    _check_sandbox(config)  # first: the store check below runs a sandboxed worker
    _check_release(config)
    host, port, workers = listen.host, listen.port, listen.workers
    if listen.dev:
        from .app import create_app

        # The reloader, not the debugger: tracebacks never reach a client.
        create_app(config).run(host, port, debug=False, use_reloader=True, threaded=True)
        return
    connections = _connections(workers)
    Server(
        "cartkg.server",  # a name only: the application comes from the loader below
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=config.pool_size + config.waiting() + SPARE_THREADS,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        backlog=BACKLOG,
        backpressure=connections,
        log_access=listen.access_log,
        respawn_failed_workers=True,
        # SIGTERM: in-flight queries may wait for a worker and run, a time limit each.
        workers_kill_timeout=math.ceil(2 * config.timeout) + DRAIN_MARGIN,
    ).serve(target_loader=partial(_load, config), wrap_loader=False)


def _connections(workers: int) -> int:
    """Connections per process: CONNECTIONS, within the open-file limit, raised to its
    maximum (a connection is a file descriptor; the query workers need a few more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = workers * CONNECTIONS + 1024
    enough = hard == resource.RLIM_INFINITY or hard >= wanted
    soft = max(soft, wanted) if enough else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return max(64, min(CONNECTIONS, (soft - 1024) // workers))


def _load(config: ServerConfig) -> Any:
    """The application, built in each server process once it has started."""
    from .app import create_app

    return create_app(config)


def _check_sandbox(config: ServerConfig) -> None:
    """Refuse to start where the kernel cannot confine the query workers (sandbox.py)."""
    from .sandbox import Policy, probe

    reason = probe(Policy(config.service_allow_list, enforce=config.sandbox))
    if reason:
        raise CartkgError(f"{reason}; to serve without it anyway, pass --no-sandbox")


def _check_release(config: ServerConfig) -> None:
    """Fail at start-up, once and with a clear message, rather than in every worker: no
    release to serve, a store that does not open or answer, a canned query with a mistake
    (SourceError names file and line), a bad setting."""
    from cartkg.canned import load_all
    from cartkg.prefixes import sparql_prefixes as prefixes
    from cartkg.store import store_path

    from .admission import parse_networks

    if not store_path(config.release_dir).is_dir():
        raise CartkgError(f"no release at {config.release_dir}: run `cartkg build` first")
    if config.queries_dir.is_dir():
        load_all(config.queries_dir, prefixes())
    try:
        parse_networks(config.trusted_proxies)
    except ValueError as err:
        raise CartkgError(f"--trusted-proxy: {err}") from None
    _check_store(config, prefixes())


def _check_store(config: ServerConfig, prefixes: dict[str, str]) -> None:
    """Open the store as a query worker does, in a worker process (so that this process, which
    Granian's processes are forked from, never has it open), and run a query that reads it."""
    from .execution import STARTUP_TIMEOUT, Pool
    from .jobs import Job, QueryError
    from .sandbox import Policy

    pool = Pool(
        config.release_dir,
        prefixes,
        size=1,
        timeout=STARTUP_TIMEOUT,
        in_memory=config.in_memory,
        memory_mb=config.worker_memory_mb,
        sandbox=Policy(config.service_allow_list, enforce=config.sandbox),
    )
    try:
        pool.run(Job("ASK { GRAPH ?g { ?s ?p ?o } }", raw=True))
    except QueryError as err:
        detail = pool.failure or err.message
        raise CartkgError(f"{config.release_dir} cannot be served: {detail}") from None
    finally:
        pool.close()
