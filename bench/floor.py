"""The floor of the endpoint benchmark: the same answer to every request, served as cartkg is.

    python bench/floor.py PORT

Granian, with the workers, threads and HTTP settings `cartkg serve` uses, calling a WSGI
application that reads the request and answers a fixed SPARQL result. Whatever a Python
endpoint does, it cannot answer faster than this.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.server import Server

BODY = b'{"head": {"vars": []}, "results": {"bindings": []}}'
HEADERS = [
    ("Content-Type", "application/sparql-results+json"),
    ("Content-Length", str(len(BODY))),
]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", HEADERS)
    return [BODY]


if __name__ == "__main__":
    Server(
        "floor:app",
        address="127.0.0.1",
        port=int(sys.argv[1]),
        interface=Interfaces.WSGI,
        workers=2,
        blocking_threads=4,
        http=HTTPModes.http1,
        log_access=False,
    ).serve()
