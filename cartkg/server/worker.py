"""Inside a query worker process: open the release, then run jobs one at a time.

Started by the pool (`execution.py`) as `python -m cartkg.server.worker FD`, where FD is its end
of a socket pair. `run_job` executes a job and writes the result in the negotiated format,
cutting it at the row cap or at a page boundary.

Before it opens the release, a worker enters its network sandbox (`sandbox.py`): from then on
the kernel refuses it any connection but through the relay to allow-listed SERVICE endpoints.

A worker may be given a memory limit. Rust code (pyoxigraph) that cannot allocate aborts the
process; Python code that cannot raises MemoryError, on which the worker aborts too. So SIGABRT
is the one sign the pool reads as "the query exceeded the memory limit".
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle
from pathlib import Path

import pyoxigraph as ox

from cartkg.sparqllex import TooDeep

from .formats import GRAPHS, SOLUTIONS, Row, by_name, write_boolean, write_graph, write_solutions
from .jobs import Job, Outcome, QueryError, Raw, Serialized
from .safety import route
from .sandbox import RELAY_URL, Policy, Unavailable, enter

log = logging.getLogger(__name__)


def run_job(
    store: ox.Store, prefixes: dict[str, str], job: Job, union_stored: bool = False
) -> Outcome:
    """Execute one job on a store; QueryError for anything the client should hear about."""
    try:
        result = store.query(
            job.query,
            prefixes=prefixes,
            base_iri=job.base_iri,
            substitutions={ox.Variable(k): v for k, v in job.substitutions} or None,
            **job.dataset.options(union_stored),
        )
        if isinstance(result, ox.QueryBoolean):
            return _boolean(job, bool(result))
        if isinstance(result, ox.QuerySolutions):
            return _solutions(job, result)
        return _graph(job, result, prefixes)
    except SyntaxError as err:
        raise QueryError(400, f"malformed query: {err}") from None
    except (OSError, RuntimeError, ValueError) as err:
        raise QueryError(400, f"the query failed: {err}") from None


def _not_acceptable(kind: str) -> QueryError:
    offered = SOLUTIONS if kind == "solutions" else GRAPHS
    types = ", ".join(f.media_type for f in offered)
    return QueryError(406, f"this query gives {kind}; they are available as {types}")


def _boolean(job: Job, value: bool) -> Outcome:
    if job.raw:
        return Raw(boolean=value)
    if job.solutions_format is None:
        raise _not_acceptable("solutions")
    fmt = by_name(job.solutions_format, SOLUTIONS)
    return Serialized("boolean", fmt.name, write_boolean(fmt, value), 1)


def _solutions(job: Job, result: ox.QuerySolutions) -> Outcome:
    if job.solutions_format is None and not job.raw:
        raise _not_acceptable("solutions")
    variables = tuple(v.value for v in result.variables)
    solutions: Iterator[ox.QuerySolution] = iter(result)
    skipped = sum(1 for _ in islice(solutions, job.offset))
    wanted = min(job.page_size or job.row_cap, job.row_cap)
    rows: list[Row] = [tuple(s) for s in islice(solutions, wanted)]
    total = None
    truncated = False
    if job.page_size is not None:
        total = skipped + len(rows) + sum(1 for _ in solutions)
    else:
        truncated = next(solutions, None) is not None
    if job.raw:
        return Raw(variables, tuple(tuple(r) for r in rows), truncated=truncated, total=total)
    fmt = by_name(job.solutions_format or "json", SOLUTIONS)
    body = write_solutions(fmt, variables, rows)
    return Serialized("solutions", fmt.name, body, len(rows), truncated, total)


def _graph(job: Job, result: ox.QueryTriples, prefixes: dict[str, str]) -> Outcome:
    if job.graph_format is None and not job.raw:
        raise _not_acceptable("graph")
    triples = list(islice(result, job.row_cap + 1))
    truncated = len(triples) > job.row_cap
    del triples[job.row_cap :]
    if job.raw:
        return Raw(triples=tuple(triples), truncated=truncated)
    fmt = by_name(job.graph_format or "turtle", GRAPHS)
    body = write_graph(fmt, triples, prefixes)
    return Serialized("graph", fmt.name, body, len(triples), truncated)


#: Largest store loaded into memory when `in_memory` is left to the server (None).
AUTO_MEMORY_QUADS = 300_000


def open_release(release_dir: Path, in_memory: bool | None) -> tuple[ox.Store, bool]:
    """The release's store, and whether its default graph holds the union of the named graphs.

    In memory, that union is made here: the RDF merge of the named graphs, each triple once.
    """
    from cartkg.store import UNION, has_stored_union, open_store

    store = open_store(release_dir)
    stored = has_stored_union(store)
    if in_memory is None:
        # pyoxigraph answers from memory several times faster than from disk (bench_endpoint)
        in_memory = _small(release_dir, store)
    if not in_memory:
        return store, stored
    copy = ox.Store()
    # Not bulk_load: its 200 MB buffer would count against the worker's memory limit.
    copy.extend(store)
    if not stored:
        copy.update(UNION)
    return copy, True


def _small(release_dir: Path, store: ox.Store) -> bool:
    """Whether the release has at most AUTO_MEMORY_QUADS quads (its manifest says, if any)."""
    try:
        quads = json.loads((release_dir / "manifest.json").read_text())["counts"]["quads"]
    except (OSError, ValueError, KeyError, TypeError):
        quads = sum(1 for _ in islice(store, AUTO_MEMORY_QUADS + 1))
    return int(quads) <= AUTO_MEMORY_QUADS


def limit_memory(megabytes: int | None) -> None:
    """Cap the memory this process may allocate; None or 0: no cap.

    RLIMIT_DATA, not RLIMIT_AS: it counts what the process can write to (heap, anonymous maps,
    thread stacks) but neither RocksDB's file maps nor malloc's PROT_NONE arena reservations
    (64 MB each, one per thread and more with more cores), which would make RLIMIT_AS
    unpredictable: under 300 MB of RLIMIT_AS the store does not even open.
    """
    if not megabytes:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = megabytes << 20
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
    # A worker that runs out aborts: a core file of it would only fill the disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


#: Stack the worker's main thread, which runs the queries, may grow to. pyoxigraph's parser
#: recurses; the lexer's MAX_NESTING keeps queries well inside this much (bench/nesting.py).
STACK_BYTES = 8 << 20


def allow_stack() -> None:
    """Let the stack grow to STACK_BYTES even where the server was started with less (as far
    as the hard limit allows): the nesting limit was measured with that much."""
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if soft == resource.RLIM_INFINITY or soft >= STACK_BYTES:
        return
    wanted = STACK_BYTES if hard == resource.RLIM_INFINITY else min(STACK_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_STACK, (wanted, hard))


def _worker_main(fd: int) -> None:
    """A worker's life: open the release, then run jobs until the server goes away."""
    _die_with_parent()
    conn = Connection(fd)
    try:
        release_dir, prefixes, in_memory, memory_mb, policy = conn.recv()
    except (EOFError, OSError):
        return  # the server went away before this worker was needed
    try:  # first: a new network namespace needs a process with one thread
        listener = enter(policy)
    except Unavailable as err:
        conn.send(("fatal", f"the network sandbox cannot be enforced here: {err}"))
        return
    try:
        allow_stack()
        limit_memory(memory_mb)  # before opening: the store's start-up memory counts too
        store, union_stored = open_release(release_dir, in_memory)
    except Exception as err:  # the parent reports it; a worker has nobody else to tell
        conn.send(("fatal", str(err)))
        return
    conn.send(("ready", listener is not None))
    if listener is not None:  # the server relays SERVICE calls from this socket (relay.py)
        send_handle(conn, listener.fileno(), os.getppid())
        listener.close()
    hidden = str(release_dir)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        if listener is not None:
            job = _routed(job, policy, prefixes)
        try:
            conn.send(("ok", run_job(store, prefixes, job, union_stored)))
        except QueryError as err:
            conn.send(("error", err.status, err.message.replace(hidden, "<release>")))
        except MemoryError:
            os.abort()  # as Rust code does: the pool reports it, and starts a fresh worker
        except Exception:
            log.exception("query worker failed on %r", job.query[:200])
            conn.send(("error", 500, "internal error while running the query"))


def _routed(job: Job, policy: Policy, prefixes: dict[str, str]) -> Job:
    """The job with its allow-listed SERVICE endpoints sent through the relay, the only way
    out of this worker's network namespace."""
    try:
        return replace(
            job, query=route(job.query, policy.endpoints, RELAY_URL, prefixes, job.base_iri)
        )
    except TooDeep:
        return job  # the server refuses those before they come here


def _die_with_parent() -> None:
    """Linux: a worker busy with a runaway query is killed if the server (strictly: the thread
    that started the worker) goes away."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    # Through the package, so that results pickle as cartkg.server.jobs classes.
    from cartkg.server.worker import _worker_main as main

    main(int(sys.argv[1]))
