"""Running queries under a real time limit.

pyoxigraph cannot interrupt a query, so queries run in a pool of worker processes
(`worker.py`), each with its own read-only view of the release. A query that overruns its limit
has its worker killed and replaced; the other workers keep serving other clients meanwhile.
A query that needs more memory than the workers' limit ends its worker the same way.
Workers are new interpreters, never forks of the threaded server process.

The pool keeps its size: a worker that dies (idle or busy) or fails to start is replaced, with
a growing delay while starts keep failing. A dead idle worker is never handed a job, and a job
sent to a worker that had already died is run by another. Queries waiting for a worker get one
in the order they came; which queries may wait at all is decided by `admission.py`.
"""

from __future__ import annotations

import collections
import logging
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import relay
from .admission import Admission, Busy
from .jobs import Job, Outcome, QueryError, QueryTimeout
from .sandbox import Policy

log = logging.getLogger(__name__)

#: Seconds a new worker may take to import pyoxigraph and open the store.
STARTUP_TIMEOUT = 120.0
#: Seconds between checks that the idle workers are still alive.
SWEEP_SECONDS = 1.0
#: Delay before the next start after a failed one, doubled at each failure up to the maximum.
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection

    def alive(self) -> bool:
        """Whether an idle worker can take a job: it sends nothing unasked, so anything to read
        means that it has gone (end of file)."""
        if self.process.poll() is not None:
            return False
        try:
            return not self.conn.poll(0)
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()

    def exit_code(self) -> int | None:
        """How the worker, which has gone, ended (minus a signal number); None if unknown."""
        try:
            return self.process.wait(5)
        except subprocess.TimeoutExpired:
            return None


@dataclass(eq=False)
class _Waiter:
    """A query waiting for a worker: workers go to waiters in the order they came."""

    woken: threading.Event
    worker: _Worker | None = None


def _how_it_ended(code: int | None) -> str:
    if code is None:
        return "for an unknown reason"
    if code < 0:
        try:
            return f"by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"by signal {-code}"
    return f"with exit status {code}"


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
        admission: Admission | None = None,
    ) -> None:
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb or None
        self._sandbox = sandbox or Policy()
        self.admission = admission or Admission(size, size, 16 * size, 16 * size)
        self._args = (release_dir, prefixes, in_memory, self.memory_mb, self._sandbox)
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)  # for wait_ready
        self._idle: list[_Worker] = []  # guarded by _lock, like the sets and the waiters
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._all: set[_Worker] = set()
        self._ready: set[_Worker] = set()  # started and not yet retired
        self._closed = threading.Event()
        self._failures = 0  # consecutive failed starts
        self.failure: str | None = None
        # Workers die with the thread that started them (PR_SET_PDEATHSIG), so one thread that
        # lives as long as the pool starts them all, never a short-lived request thread.
        self._launches: queue.Queue[bool] = queue.Queue()
        threading.Thread(target=self._launcher, daemon=True, name="cartkg-launcher").start()
        for _ in range(size):
            self._launches.put(True)

    # ---- keeping the workers -----------------------------------------------------------------

    def _launcher(self) -> None:
        while True:
            try:
                wanted = self._launches.get(timeout=SWEEP_SECONDS)
            except queue.Empty:
                self._sweep()
                continue
            if not wanted:
                return
            if self._failures:
                delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._failures - 1))
                if self._closed.wait(delay):
                    return
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
        if self._closed.is_set():
            self._retire(worker)
            return
        if message and message[0] == "ready":
            # A worker with an allow-list makes its SERVICE calls through a relay (relay.py).
            if not message[1] or relay.adopt(worker, self._sandbox.endpoints, self.timeout):
                self._failures = 0
                self.failure = None
                with self._lock:
                    self._ready.add(worker)
                self._give_back(worker)
                return
            message = ("fatal", "the query worker's SERVICE relay could not be set up")
        if message:
            self.failure = str(message[1])
        elif self.memory_mb and worker.exit_code() == -signal.SIGABRT:
            self.failure = f"the release does not open within {self.memory_mb} MB, the limit"
        else:
            self.failure = "the query worker did not start"
        self._failures += 1
        log.error("query worker could not start: %s", self.failure)
        self._replace(worker)
        if self._failing():  # the queries waiting for a worker need not wait for this one
            with self._lock:
                waiters, self._waiters = list(self._waiters), collections.deque()
            for waiter in waiters:
                waiter.woken.set()

    def _sweep(self) -> None:
        """Replace idle workers that have died, before a client needs them."""
        with self._lock:
            dead = [worker for worker in self._idle if not worker.alive()]
            self._idle = [worker for worker in self._idle if worker not in dead]
        for worker in dead:
            log.warning("an idle query worker stopped %s", _how_it_ended(worker.exit_code()))
            self._replace(worker)

    def _give_back(self, worker: _Worker) -> None:
        with self._available:
            if self._waiters:  # straight to the first in line, lest a newcomer take it
                waiter = self._waiters.popleft()
                waiter.worker = worker
                waiter.woken.set()
                return
            self._idle.append(worker)
            self._available.notify_all()

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            self._ready.discard(worker)

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        if not self._closed.is_set():
            self._launches.put(True)

    # ---- running jobs ------------------------------------------------------------------------

    def run(self, job: Job, timeout: float | None = None, client: str = "") -> Outcome:
        """The job's outcome; QueryError (QueryTimeout; Busy when it may not run now).

        The job waits for a worker (in `client`'s line) for at most the time limit, then runs
        for at most the time limit."""
        if self._closed.is_set():
            raise QueryError(503, "the server is shutting down")
        limit = timeout or self.timeout
        if self._failing():
            raise Busy("the query workers could not start")
        deadline = time.monotonic() + limit
        with self.admission.enter(client, deadline):
            return self._run(job, limit, deadline)

    def _run(self, job: Job, limit: float, deadline: float) -> Outcome:
        while True:
            worker = self._take(deadline)
            try:
                worker.conn.send(job)
                break
            except OSError:  # it had died before it got the job: another worker runs it
                log.warning("a query worker stopped %s", _how_it_ended(worker.exit_code()))
                self._replace(worker)
        try:
            if not worker.conn.poll(limit):
                raise QueryTimeout(limit)
            reply = worker.conn.recv()
        except (EOFError, OSError):
            raise self._lost(worker, job) from None
        except BaseException:
            self._replace(worker)  # killed mid-job: never hand a busy worker to another query
            raise
        self._give_back(worker)
        if reply[0] == "error":
            raise QueryError(reply[1], reply[2])
        outcome: Outcome = reply[1]
        return outcome

    def _take(self, deadline: float) -> _Worker:
        """An idle worker that is alive, waiting in line for one until `deadline`."""
        while True:
            worker = self._next_idle(deadline)
            if worker.alive():
                return worker
            log.warning("an idle query worker stopped %s", _how_it_ended(worker.exit_code()))
            self._replace(worker)

    def _next_idle(self, deadline: float) -> _Worker:
        waiter = _Waiter(threading.Event())
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if not self._failing():
                self._waiters.append(waiter)
        if not self._failing():
            waiter.woken.wait(deadline - time.monotonic())
        with self._lock:
            if waiter.worker is not None:
                return waiter.worker
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        if self._failing():  # the details (paths, perhaps) are in the log
            raise Busy("the query workers could not start")
        raise Busy("every query worker is busy; try again later")

    def _failing(self) -> bool:
        """Whether no worker runs and the last start failed."""
        return self.failure is not None and not self._ready

    def _lost(self, worker: _Worker, job: Job) -> QueryError:
        """Replace a worker that died during a job, and say why to the client."""
        code = worker.exit_code()
        self._replace(worker)
        if self.memory_mb is not None and code == -signal.SIGABRT:
            log.warning("a query exceeded the memory limit: %r", job.query[:200])
            return QueryError(
                503, f"the query exceeded the memory limit of {self.memory_mb} MB and was stopped"
            )
        how = _how_it_ended(code)
        log.error("a query worker stopped %s during %r", how, job.query[:200])
        return QueryError(500, f"the query worker stopped {how} while running the query")

    # ---- state -------------------------------------------------------------------------------

    def workers(self) -> tuple[int, int]:
        """Workers started and alive (as far as known), and of those the idle ones."""
        with self._lock:
            return len(self._ready), len(self._idle)

    def wait_ready(self, seconds: float = STARTUP_TIMEOUT) -> bool:
        """Block until one worker is idle (for start-up checks and tests)."""
        with self._available:
            return self._available.wait_for(lambda: bool(self._idle), seconds)

    def close(self) -> None:
        self._closed.set()
        self._launches.put(False)
        with self._lock:
            workers = list(self._all)
            self._all.clear()
            self._ready.clear()
            self._idle.clear()
            waiters, self._waiters = list(self._waiters), collections.deque()
        for waiter in waiters:
            waiter.woken.set()
        for worker in workers:
            worker.kill()
