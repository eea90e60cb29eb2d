"""Helpers for the reliability tests of the endpoint under load: real servers, raw HTTP from a
chosen loopback address, the server's query worker processes."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "server"))
from server_support import ROOT, start_server, stop_server

__all__ = ["ROOT", "start_server", "stop_server"]

#: A query that runs until any time limit: a 5-way cross join of the test release.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
HOSPITALS = (
    "PREFIX cartkg: <https://w3id.org/cartkg/ontology/>\n"
    "SELECT ?h WHERE { ?h a cartkg:Hospital } ORDER BY ?h"
)


@dataclass
class Answer:
    status: int  # 0: no response (connection error or timeout)
    seconds: float
    body: bytes = b""
    retry_after: str | None = None
    error: str = ""


def get(url: str, path: str, *, source: str | None = None, timeout: float = 10.0) -> Answer:
    """GET on a fresh connection, from the loopback address `source` if given."""
    parts = urlsplit(url)
    started = time.monotonic()
    conn = http.client.HTTPConnection(
        parts.hostname,
        parts.port,
        timeout=timeout,
        source_address=(source, 0) if source else None,
    )
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return Answer(
            response.status, time.monotonic() - started, body, response.getheader("Retry-After")
        )
    except (OSError, http.client.HTTPException) as err:
        return Answer(0, time.monotonic() - started, error=repr(err))
    finally:
        conn.close()


def sparql(query: str) -> str:
    return "/sparql?query=" + quote(query)


def median_ms(answers: list[Answer]) -> float:
    return 1000 * statistics.median(a.seconds for a in answers)


def query_workers(server_pid: int) -> list[int]:
    """Pids of the query worker processes under a server process (`python -m ...worker`)."""
    children: dict[int, list[int]] = {}
    commands: dict[int, bytes] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if ") Z " in stat or ") X " in stat:
            continue  # a zombie is not a worker
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [server_pid]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            todo.append(child)
            if b"cartkg.server.worker" in commands.get(child, b""):
                found.append(child)
    return sorted(found)


def kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
