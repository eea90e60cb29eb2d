"""The cartkg SPARQL endpoint: a Flask application over a built release.

`create_app(config)` builds the WSGI application; `run(...)` serves it with Granian (or with
Flask's reloader for development). Imports are deferred so that importing the package does not
load Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from .config import Listen, ServerConfig


def create_app(config: ServerConfig) -> Flask:
    from .app import create_app as create

    return create(config)


def run(config: ServerConfig, listen: Listen | None = None) -> None:
    """Serve a release: Granian with `listen.workers` processes, each running its queries in
    `config.pool_size` worker processes of its own, so that as many queries can run at once
    and a runaway one can be killed."""
    from .config import Listen
    from .serving import serve

    serve(config, listen or Listen())


__all__ = ["create_app", "run"]
