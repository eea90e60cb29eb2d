"""Running queries under a real time limit.

pyoxigraph cannot interrupt a query, so queries run in a pool of worker processes
(`worker.py`), each with its own read-only view of the release. A query that overruns its limit
has its worker killed and replaced; the other workers keep serving other clients meanwhile.
A query that needs more memory than the workers' limit ends its worker the same way.
Workers are new interpreters, never forks of the threaded server process.
"""

from __future__ import annotations

import logging
import queue
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import relay
from .jobs import Job, Outcome, QueryError, QueryTimeout
from .sandbox import Policy

log = logging.getLogger(__name__)

#: Seconds a new worker may take to import pyoxigraph and open the store.
STARTUP_TIMEOUT = 120.0


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()

    def out_of_memory(self) -> bool:
        """Whether the worker, which has gone, aborted as one that cannot allocate does."""
        try:
            return self.process.wait(5) == -signal.SIGABRT
        except subprocess.TimeoutExpired:
            return False


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
        memory_mb: int | None = None,
        sandbox: Policy | None = None,
    ) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb or None
        self._sandbox = sandbox or Policy()
        self._args = (release_dir, prefixes, in_memory, self.memory_mb, self._sandbox)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.failure: str | None = None
        # Workers die with the thread that started them (PR_SET_PDEATHSIG), so one thread that
        # lives as long as the pool starts them all, never a short-lived request thread.
        self._launches: queue.Queue[bool] = queue.Queue()
        threading.Thread(target=self._launcher, daemon=True, name="cartkg-launcher").start()
        for _ in range(size):
            self._launches.put(True)

    def _launcher(self) -> None:
        while self._launches.get():
            self._launch()

    def _launch(self) -> None:
        # A fresh interpreter, not a fork of this threaded one; a socket pair to talk over.
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", "cartkg.server.worker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        conn = Connection(ours.detach())
        conn.send(self._args)
        worker = _Worker(process, conn)
        with self._lock:
            self._all.add(worker)
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True).start()

    def _await_ready(self, worker: _Worker) -> None:
        message: tuple[str, Any] | None = None
        try:
            if worker.conn.poll(STARTUP_TIMEOUT):
                message = worker.conn.recv()
        except (EOFError, OSError):
            pass
        if self._closed:
            self._retire(worker)
            return
        if message and message[0] == "ready":
            # A worker with an allow-list makes its SERVICE calls through a relay (relay.py).
            if not message[1] or relay.adopt(worker, self._sandbox.endpoints, self.timeout):
                self._idle.put(worker)
                return
            message = ("fatal", "the query worker's SERVICE relay could not be set up")
        if message:
            self.failure = str(message[1])
        elif self.memory_mb and worker.out_of_memory():
            self.failure = f"the release does not open within {self.memory_mb} MB, the limit"
        else:
            self.failure = "the query worker did not start"
        log.error("query worker could not start: %s", self.failure)
        self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def run(self, job: Job, timeout: float | None = None) -> Outcome:
        """The job's outcome; QueryError (QueryTimeout, 503 when every worker stays busy)."""
        if self._closed:
            raise QueryError(503, "the server is shutting down")
        limit = timeout or self.timeout
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            if self.failure:  # the details (paths, perhaps) are in the server's log
                raise QueryError(503, "the query workers could not start") from None
            raise QueryError(503, "every query worker is busy; try again later") from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(limit):
                raise QueryTimeout(limit)
            reply = worker.conn.recv()
        except (EOFError, OSError):
            raise self._lost(worker, job) from None
        except BaseException:
            self._replace(worker)  # killed mid-job: never hand a busy worker to another query
            raise
        self._idle.put(worker)
        if reply[0] == "error":
            raise QueryError(reply[1], reply[2])
        outcome: Outcome = reply[1]
        return outcome

    def _lost(self, worker: _Worker, job: Job) -> QueryError:
        """Replace a worker that died during a job, and say why to the client."""
        out_of_memory = self.memory_mb is not None and worker.out_of_memory()
        self._replace(worker)
        if out_of_memory:
            log.warning("a query exceeded the memory limit: %r", job.query[:200])
            return QueryError(
                503, f"the query exceeded the memory limit of {self.memory_mb} MB and was stopped"
            )
        log.error("a query worker stopped during %r", job.query[:200])
        return QueryError(500, "the query worker stopped (out of memory?)")

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        if not self._closed:
            self._launches.put(True)

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
        self._launches.put(False)
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()
