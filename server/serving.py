"""Serving the app: gunicorn in production, Flask's reloader in development."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from cartkg.errors import CartkgError

from .config import ServerConfig


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn run in-process, with the app built in each worker process after the fork."""

    def __init__(self, config: ServerConfig, options: dict[str, Any]) -> None:
        self.config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 25.1
                self.cfg.set(key, value)

    def load(self) -> Any:
        from .app import create_app

        return create_app(self.config)


def serve(
    config: ServerConfig, host: str, port: int, *, dev: bool, workers: int, threads: int
) -> None:
    _check_release(config)
    if dev:
        from .app import create_app

        # The reloader, not the debugger: tracebacks never reach a client.
        create_app(config).run(host, port, debug=False, use_reloader=True, threaded=True)
        return
    _Gunicorn(
        config,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # Queries are bounded by the app's own limit; gunicorn's must not cut in first.
            "timeout": int(config.timeout) + 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            # Long GET queries are allowed; the app enforces max_request_bytes itself.
            "limit_request_line": 0,
            "accesslog": "-",
            # Several servers may run side by side (tests, benchmarks): no shared control socket.
            "control_socket_disable": True,
        },
    ).run()


def _check_release(config: ServerConfig) -> None:
    """Fail at start-up, once and with a clear message, rather than in every worker: no
    release to serve, or a canned query with a mistake (SourceError names file and line)."""
    from cartkg.canned import load_all
    from cartkg.query import prefixes
    from cartkg.store import store_path

    if not store_path(config.release_dir).is_dir():
        raise CartkgError(f"no release at {config.release_dir}: run `cartkg build` first")
    if config.queries_dir.is_dir():
        load_all(config.queries_dir, prefixes())
