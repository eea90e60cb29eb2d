"""Running queries under a real time limit.

pyoxigraph cannot interrupt a query, so queries run in a pool of worker processes, each with its
own read-only view of the release. A query that overruns its limit has its worker killed and
replaced; the other workers keep serving other clients meanwhile. Workers are new interpreters
(`python -m cartkg.server.execution`), never forks of the threaded server process.

`run_job` is the part that runs inside a worker: it executes one job and writes the result in
the format the request negotiated, cutting it at the row cap or at a page boundary.
"""

from __future__ import annotations

import logging
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .formats import (
    GRAPHS,
    SOLUTIONS,
    Row,
    Term,
    by_name,
    write_boolean,
    write_graph,
    write_solutions,
)

log = logging.getLogger(__name__)

#: Seconds a new worker may take to import pyoxigraph and open the store.
STARTUP_TIMEOUT = 120.0
#: Responses larger than this are not kept in the cache.
CACHE_MAX_BODY = 1 << 20


class QueryError(Exception):
    """A query could not be answered; `status` is the HTTP status the client gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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


# ---- inside a worker ---------------------------------------------------------------------


def run_job(
    store: ox.Store, prefixes: dict[str, str], job: Job, union_stored: bool = False
) -> Outcome:
    """Execute one job on a store; QueryError for anything the client should hear about."""
    try:
        result = store.query(
            job.query,
            prefixes=prefixes,
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


UNION = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
#: Largest store loaded into memory when `in_memory` is left to the server (None).
AUTO_MEMORY_QUADS = 300_000


def open_release(release_dir: Path, in_memory: bool | None) -> tuple[ox.Store, bool]:
    """The release's store, and whether its default graph holds the union of the named graphs.

    In memory, that union is made here: the RDF merge of the named graphs, each triple once.
    """
    from cartkg.store import open_store

    store = open_store(release_dir)
    stored = next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None
    if in_memory is None:
        in_memory = not stored and _small(store)
    if not in_memory:
        return store, stored
    copy = ox.Store()
    copy.bulk_load(store.dump(format=ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS)
    copy.update(UNION)
    return copy, True


def _small(store: ox.Store) -> bool:
    return sum(1 for _ in islice(store, AUTO_MEMORY_QUADS + 1)) <= AUTO_MEMORY_QUADS


def _worker_main(fd: int) -> None:
    """A worker's life: open the release, then run jobs until the server goes away."""
    _die_with_parent()
    conn = Connection(fd)
    try:
        release_dir, prefixes, in_memory = conn.recv()
        store, union_stored = open_release(release_dir, in_memory)
    except Exception as err:  # the parent reports it; a worker has nobody else to tell
        conn.send(("fatal", str(err)))
        return
    conn.send(("ready", None))
    hidden = str(release_dir)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        try:
            conn.send(("ok", run_job(store, prefixes, job, union_stored)))
        except QueryError as err:
            conn.send(("error", err.status, err.message.replace(hidden, "<release>")))
        except Exception:
            log.exception("query worker failed on %r", job.query[:200])
            conn.send(("error", 500, "internal error while running the query"))


def _die_with_parent() -> None:
    """Linux: a worker busy with a runaway query is killed if the server dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# ---- in the server process ---------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class Pool:
    """Worker processes that run jobs one at a time each, under a time limit."""

    def __init__(
        self,
        release_dir: Path,
        prefixes: dict[str, str],
        *,
        size: int = 4,
        timeout: float = 30.0,
        in_memory: bool | None = None,
        cache_entries: int = 0,
    ) -> None:
        self.timeout = timeout
        self._args = (release_dir, prefixes, in_memory)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.failure: str | None = None
        self._cache: OrderedDict[Job, Outcome] = OrderedDict()
        self._cache_entries = cache_entries
        for _ in range(size):
            self._launch()

    def _launch(self) -> None:
        # A fresh interpreter, not a fork of this threaded one; a socket pair to talk over.
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=[theirs.fileno()]
        )
        theirs.close()
        conn = Connection(ours.detach())
        conn.send(self._args)
        worker = _Worker(process, conn)
        with self._lock:
            self._all.add(worker)
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True).start()

    def _await_ready(self, worker: _Worker) -> None:
        message: tuple[str, Any] = ("fatal", "the query worker did not start")
        try:
            if worker.conn.poll(STARTUP_TIMEOUT):
                message = worker.conn.recv()
        except (EOFError, OSError):
            pass
        if self._closed:
            self._retire(worker)
            return
        if message[0] == "ready":
            self._idle.put(worker)
            return
        self.failure = str(message[1])
        log.error("query worker could not start: %s", self.failure)
        self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def run(self, job: Job, timeout: float | None = None) -> Outcome:
        """The job's outcome; QueryError (QueryTimeout, 503 when every worker stays busy)."""
        cached = self._cached(job)
        if cached is not None:
            return cached
        limit = timeout or self.timeout
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            why = f" ({self.failure})" if self.failure else ""
            raise QueryError(503, f"every query worker is busy; try again later{why}") from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(limit):
                raise QueryTimeout(limit)
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryError(500, "the query worker stopped (out of memory?)") from None
        except BaseException:
            self._replace(worker)  # killed mid-job: never hand a busy worker to another query
            raise
        self._idle.put(worker)
        if reply[0] == "error":
            raise QueryError(reply[1], reply[2])
        outcome: Outcome = reply[1]
        self._remember(job, outcome)
        return outcome

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        if not self._closed:
            self._launch()

    def _cached(self, job: Job) -> Outcome | None:
        if not self._cache_entries:
            return None
        with self._lock:
            found = self._cache.get(job)
            if found is not None:
                self._cache.move_to_end(job)
            return found

    def _remember(self, job: Job, outcome: Outcome) -> None:
        if not self._cache_entries:
            return
        if isinstance(outcome, Serialized) and len(outcome.body) > CACHE_MAX_BODY:
            return
        with self._lock:
            self._cache[job] = outcome
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)

    def wait_ready(self, seconds: float = STARTUP_TIMEOUT) -> bool:
        """Block until one worker is idle (for start-up checks and tests)."""
        try:
            worker = self._idle.get(timeout=seconds)
        except queue.Empty:
            return False
        self._idle.put(worker)
        return True

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


if __name__ == "__main__":
    # Through the package, so that results pickle as cartkg.server.execution classes.
    from cartkg.server.execution import _worker_main as main

    main(int(sys.argv[1]))
