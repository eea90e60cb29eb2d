"""The server's side of the network sandbox: SERVICE calls relayed to allow-listed endpoints.

A query worker with an allow-list lives in a network namespace of its own (`sandbox.py`) and
hands the server the socket it listens on there. Accepting on it from here, the server relays
`/N` to endpoint N of the allow-list and nothing else: no other path, no redirects. The
server's own network is never reachable from the worker's namespace; only these requests are.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from typing import Protocol

log = logging.getLogger(__name__)

#: Largest request a worker may send through the relay, and largest answer it gets back.
MAX_REQUEST_BYTES = 16 << 20
MAX_RESPONSE_BYTES = 256 << 20
_FORWARDED = ("Content-Type", "Accept")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect could point anywhere: the worker sees the 3xx instead


_OPENER = urllib.request.build_opener(_NoRedirects)


class _Relay(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True

    def __init__(self, listener: socket.socket, endpoints: tuple[str, ...], timeout: float):
        super().__init__(listener.getsockname(), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.endpoints = endpoints
        self.upstream_timeout = timeout


class _Handler(BaseHTTPRequestHandler):
    server: _Relay

    def do_GET(self) -> None:
        self._relay(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self._answer(413, b"the SERVICE request is too large", "text/plain")
            return
        self._relay(self.rfile.read(length))

    def _relay(self, body: bytes | None) -> None:
        path, _, query = self.path.partition("?")
        index = path.strip("/")
        endpoints = self.server.endpoints
        if not index.isdecimal() or int(index) >= len(endpoints):
            self._answer(403, b"not an allow-listed SERVICE endpoint", "text/plain")
            return
        url = endpoints[int(index)]
        if query:
            url += ("&" if "?" in url else "?") + query
        headers = {k: v for k in _FORWARDED if (v := self.headers.get(k))}
        request = urllib.request.Request(url, data=body, headers=headers, method=self.command)
        try:
            with _OPENER.open(request, timeout=self.server.upstream_timeout) as response:
                status, kind = response.status, response.headers.get("Content-Type", "")
                answer = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as err:
            status, kind = err.code, err.headers.get("Content-Type", "")
            answer = err.read(MAX_RESPONSE_BYTES + 1)
        except OSError as err:
            self._answer(502, f"SERVICE endpoint unreachable: {err}".encode(), "text/plain")
            return
        if len(answer) > MAX_RESPONSE_BYTES:
            self._answer(502, b"the SERVICE answer is too large", "text/plain")
            return
        self._answer(status, answer, kind)

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("relay: " + format, *args)


class _Worker(Protocol):
    conn: Connection
    process: subprocess.Popen[bytes]


def adopt(worker: _Worker, endpoints: tuple[str, ...], timeout: float) -> bool:
    """Receive a new worker's listening socket and relay for it until the worker is gone;
    False when the socket does not come."""
    try:
        listener = socket.socket(fileno=recv_handle(worker.conn))
    except (OSError, EOFError, RuntimeError) as err:
        log.error("no relay socket from a query worker: %s", err)
        return False
    relay = _Relay(listener, endpoints, timeout)
    threading.Thread(target=relay.serve_forever, daemon=True, name="cartkg-relay").start()

    def stop() -> None:
        worker.process.wait()
        relay.shutdown()
        relay.server_close()  # the last reference to the worker's network namespace

    threading.Thread(target=stop, daemon=True, name="cartkg-relay-stop").start()
    return True
