"""The relay between a sandboxed worker and its allow-listed SERVICE endpoints
(cartkg/server/relay.py): real workers in their own network namespaces, real HTTP listeners on
127.0.0.1."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "reliability"))
from netcanary import Canary

from cartkg.server.execution import Pool
from cartkg.server.jobs import Job, QueryError
from cartkg.server.sandbox import RELAY_URL, Policy


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary() as listener:
        yield listener


def redirector(target: str) -> ThreadingHTTPServer:
    """An allow-listed endpoint that answers every request with a redirect to `target`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_redirects_are_not_followed(server_release: Path, canary: Canary) -> None:
    server = redirector(canary.url + "/internal")
    allowed = f"http://127.0.0.1:{server.server_port}/sparql"
    pool = Pool(server_release, {}, size=1, timeout=20, sandbox=Policy((allowed,)))
    try:
        assert pool.wait_ready(60), pool.failure
        with pytest.raises(QueryError, match="307"):
            pool.run(Job(f"SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}", raw=True))
    finally:
        pool.close()
        server.shutdown()
        server.server_close()
    assert canary.paths == []


def test_only_allow_listed_paths_are_relayed(server_release: Path, canary: Canary) -> None:
    allowed = canary.url + "/allowed"
    pool = Pool(server_release, {}, size=1, timeout=20, sandbox=Policy((allowed,)))
    try:
        assert pool.wait_ready(60), pool.failure
        for path in ("1", "x", "../0"):  # written straight to the relay, past the scan
            with pytest.raises(QueryError, match="403"):
                pool.run(Job(f"SELECT * {{ SERVICE <{RELAY_URL}{path}> {{ }} }}", raw=True))
        pool.run(Job(f"SELECT * {{ SERVICE <{RELAY_URL}0> {{ }} }}", raw=True))
    finally:
        pool.close()
    assert canary.paths == ["/allowed"]
