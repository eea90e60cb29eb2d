"""The cartkg SPARQL endpoint: a Flask application over a built release.

`create_app(config)` builds the WSGI application; `run(...)` serves it with Granian (or with
Flask's reloader for development). Imports are deferred so that importing the package does not
load Flask.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from .config import ServerConfig


def create_app(config: ServerConfig) -> Flask:
    from .app import create_app as create

    return create(config)


def run(
    release_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    dev: bool = False,
    workers: int = 2,
    threads: int = 4,
    access_log: bool = False,
    **options: Any,
) -> None:
    """Serve a release: Granian with `workers` processes of `threads` threads each.

    Each server process runs its queries in `threads` worker processes of its own, so that as
    many queries as threads can run at once and a runaway one can be killed. `options` are
    further `ServerConfig` fields (timeout, row_cap, service_allow_list, ...).
    """
    from .config import ServerConfig
    from .serving import serve

    config = ServerConfig(release_dir=Path(release_dir), pool_size=threads, **options)
    serve(config, host, port, dev=dev, workers=workers, threads=threads, access_log=access_log)


__all__ = ["create_app", "run"]
