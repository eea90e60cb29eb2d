"""Reliability review 2026-12, area 4 rows "kill -9 an idle query worker" and "kill -9 the busy
query worker", ranked failure 9: a dead idle worker was found only by the next client's query,
which got 500 "the query worker stopped (out of memory?)"; and that message named a wrong cause
for a worker that was killed.

Here every idle worker is killed, and a query sent a moment later (before the pool's periodic
check may have seen it) must still be answered, by a new worker. A worker killed in the middle
of a query must be reported as killed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from load_support import (
    RUNAWAY,
    Answer,
    get,
    kill,
    query_workers,
    sparql,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.slow

WORKERS = 2


@pytest.fixture
def server(server_release: Path):  # type: ignore[no-untyped-def]
    process, url = start_server(
        server_release, "--workers", "1", "--threads", str(WORKERS), "--timeout", "20"
    )
    _await_workers(process.pid)
    yield process, url
    stop_server(process)


def test_a_dead_idle_worker_is_never_given_a_query(server) -> None:  # type: ignore[no-untyped-def]
    process, url = server
    statuses = []
    for n in range(3):
        workers = query_workers(process.pid)
        assert len(workers) == WORKERS
        kill(workers)
        time.sleep(0.3)  # they are gone (a query sent at the same instant may reach one)
        answer = get(url, sparql(f"ASK {{ FILTER({n} = {n}) }}"), timeout=30)
        print(f"after killing the idle workers: {answer.status} in {answer.seconds:.2f} s")
        statuses.append((answer.status, answer.body))
        _await_workers(process.pid)
    assert all(status == 200 for status, _ in statuses), statuses


def test_a_worker_killed_during_a_query_is_reported_as_killed(server) -> None:  # type: ignore[no-untyped-def]
    process, url = server
    answers: list[Answer] = []
    thread = threading.Thread(target=lambda: answers.append(get(url, sparql(RUNAWAY), timeout=30)))
    before = set(query_workers(process.pid))
    thread.start()
    time.sleep(1.5)  # the query is running on one of the workers
    busy = [pid for pid in before if _cpu_ticks(pid) > 50]
    kill(busy)
    thread.join()
    (answer,) = answers
    print(f"busy worker killed: {answer.status} {answer.body!r}")
    assert len(busy) == 1
    assert answer.status == 500 and b"SIGKILL" in answer.body
    assert b"out of memory" not in answer.body


def _await_workers(server_pid: int) -> None:
    deadline = time.monotonic() + 30
    while len(query_workers(server_pid)) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # started, and done opening the store: killing one now is killing it idle


def _cpu_ticks(pid: int) -> int:
    """User and system time of a process so far, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
