"""A response cache in front of the application, as a caching reverse proxy would keep one.

The release never changes while it is served, so the same request always gets the same answer.
A response the application marks `Cache-Control: public` (status 200) is stored, keyed on
everything of the request that the application reads, and replayed to the next identical
request without running Flask or the query again. That is what makes a repeated query cheaper
than the Oxigraph server answers it (bench/bench_endpoint.py).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import parse_etags, unquote_etag

Environ = dict[str, Any]
Headers = list[tuple[str, str]]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

#: What of the request the answer may depend on (the URL root comes from the Host header).
KEY_FIELDS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "HTTP_ACCEPT",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
)
#: Request bodies larger than this are not read ahead (nor cached): they pass straight through.
MAX_KEY_BODY = 64 << 10
#: Responses larger than this are not kept.
MAX_BODY = 256 << 10

Key = tuple[Any, ...]
Stored = tuple[str, Headers, bytes]


class ResponseCache:
    """WSGI middleware: the last `entries` cacheable responses, least recently used dropped."""

    def __init__(self, app: WsgiApp, entries: int) -> None:
        self.app = app
        self.entries = entries
        self._stored: OrderedDict[Key, Stored] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ) if self.entries else None
        if key is None:
            return self.app(environ, start_response)
        with self._lock:
            hit = self._stored.get(key)
            if hit is not None:
                self._stored.move_to_end(key)
        if hit is not None:
            status, headers, body = hit
            if _matches(environ, headers):
                start_response("304 NOT MODIFIED", _without_body(headers))
                return []
            start_response(status, headers)
            return [body]
        return self._call_and_keep(key, environ, start_response)

    def _key(self, environ: Environ) -> Key | None:
        """The request's key; None when it is not worth caching (or the body is too long)."""
        if environ.get("REQUEST_METHOD") not in ("GET", "POST"):
            return None
        body = b""
        if environ.get("REQUEST_METHOD") == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or "")
            except ValueError:
                return None  # chunked, or no length: let the application read it
            if not 0 <= length <= MAX_KEY_BODY:
                return None
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        return (*(environ.get(name) for name in KEY_FIELDS), body)

    def _call_and_keep(
        self, key: Key, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        started: list[tuple[str, Headers]] = []

        def remember_start(status: str, headers: Headers, exc_info: Any = None) -> Any:
            started.append((status, headers))
            return start_response(status, headers, exc_info)

        result = self.app(environ, remember_start)
        if not started or not _cacheable(*started[-1]):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(body) <= MAX_BODY:
            status, headers = started[-1]
            with self._lock:
                self._stored[key] = (status, headers, body)
                while len(self._stored) > self.entries:
                    self._stored.popitem(last=False)
        return [body]


def _matches(environ: Environ, headers: Headers) -> bool:
    """Whether a GET's If-None-Match names the stored answer's ETag (weak comparison)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    wanted = environ.get("HTTP_IF_NONE_MATCH")
    tag = next((value for name, value in headers if name.lower() == "etag"), None)
    if not wanted or tag is None:
        return False
    held = parse_etags(wanted)
    return not held.star_tag and held.contains_weak(unquote_etag(tag)[0])


def _without_body(headers: Headers) -> Headers:
    return [(n, v) for n, v in headers if n.lower() not in ("content-length", "content-type")]


def _cacheable(status: str, headers: Headers) -> bool:
    if not status.startswith("200 "):
        return False
    found = {name.lower(): value for name, value in headers}
    length = found.get("content-length")
    return (
        "public" in found.get("cache-control", "")
        and length is not None
        and int(length) <= MAX_BODY
    )
