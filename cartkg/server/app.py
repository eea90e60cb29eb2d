"""The Flask application: blueprints, CORS, error handling, health."""

from __future__ import annotations

import atexit
import json
import logging
import re

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from cartkg.canned import load_all
from cartkg.prefixes import sparql_prefixes as endpoint_prefixes

from .admission import Admission, parse_networks
from .cache import ResponseCache
from .config import ServerConfig
from .execution import Pool
from .jobs import QueryError
from .responses import HttpError, problem
from .sandbox import Policy
from .state import AppState, release_hash, state

log = logging.getLogger(__name__)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field names
#: How long HTTP caches (and browsers) may keep an answer.
CACHE_SECONDS = 300
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def create_app(config: ServerConfig) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    prefixes = endpoint_prefixes()
    queries_dir = config.queries_dir
    canned = load_all(queries_dir, prefixes) if queries_dir.is_dir() else {}
    pool = Pool(
        config.release_dir,
        prefixes,
        size=config.pool_size,
        timeout=config.timeout,
        in_memory=config.in_memory,
        memory_mb=config.worker_memory_mb,
        sandbox=Policy(config.service_allow_list, enforce=config.sandbox),
        admission=Admission(
            config.pool_size,
            config.running_per_client(),
            config.waiting(),
            config.waiting() // 2,
        ),
    )
    atexit.register(pool.close)
    trusted = parse_networks(config.trusted_proxies)
    app.extensions["cartkg"] = AppState(
        config, pool, prefixes, canned, trusted, release_hash(config.release_dir)
    )

    from . import canned as canned_api
    from . import description, examples, pages, protocol

    for module in (protocol, canned_api, examples, description, pages):
        app.register_blueprint(module.bp)
    app.add_url_rule("/health", "health", health)
    app.before_request(not_modified)
    app.after_request(common_headers)
    app.register_error_handler(HttpError, lambda e: problem(e.status, e.message, e.headers))
    app.register_error_handler(QueryError, lambda e: problem(e.status, e.message, e.headers()))
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, internal_error)
    app.wsgi_app = ResponseCache(app.wsgi_app, config.cache_entries)  # type: ignore[method-assign]
    return app


def health() -> Response:
    """For load balancers: 200 while a query worker is up (busy or not), from the pool's state,
    so that it answers at once even when every worker runs a slow query."""
    ready, _ = state().pool.workers()
    body = {"status": "ok"} if ready else {"status": "unavailable", "reason": "no query worker"}
    return Response(json.dumps(body), 200 if ready else 503, content_type="application/json")


#: Endpoints whose answers are not the release's: they set their own validators, or none.
_OWN_VALIDATORS = {"health", "static", "description.download"}


def _etag() -> str | None:
    """The ETag of this request's answer, for GET and HEAD of the release's resources."""
    if request.method not in ("GET", "HEAD") or request.endpoint in _OWN_VALIDATORS:
        return None
    if request.endpoint is None:
        return None  # no such page
    return state().etag()


def not_modified() -> Response | None:
    """304 for a client that holds this URL's answer (same ETag): the query is not run.

    A client only holds an ETag it was given with a 200, and the release does not change while
    it is served, so the answer it has is the one it would get."""
    tag = _etag()
    held = request.if_none_match
    # "*" is left to the answer: whether there is one is known only by running the query.
    if tag is None or held.star_tag or not held.contains_weak(tag):
        return None
    response = Response(status=304)
    response.set_etag(tag, weak=True)
    return response


def common_headers(response: Response) -> Response:
    """Any web page may query the endpoint (no credentials are involved); pages load nothing
    from elsewhere."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":  # a preflight; these headers mean nothing elsewhere
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = allowed_headers(
            request.headers.get("Access-Control-Request-Headers", "")
        )
        response.headers["Access-Control-Max-Age"] = "86400"
        response.vary.add("Access-Control-Request-Headers")
    else:
        response.headers["Access-Control-Expose-Headers"] = (
            "Link, X-Result-Truncated, X-Total-Count"
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Accept")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
    if response.status_code in (200, 304) and request.endpoint != "health":
        if not response.cache_control:
            # Answers change only with a new release; a few minutes' staleness after one is
            # fine, and the ETag makes revalidating cheap.
            response.cache_control.public = True
            response.cache_control.max_age = CACHE_SECONDS
        tag = _etag() if response.status_code == 200 else None
        if tag is not None:
            response.set_etag(tag, weak=True)
    return response


def allowed_headers(requested: str) -> str:
    """The preflight's answer to Access-Control-Request-Headers: every header a page asks to
    send (a custom one, or Authorization for a proxy in front), since no credentials are
    accepted and the endpoint reads none of them. Names that are not HTTP tokens are left out."""
    names = [name.strip() for name in requested.split(",")]
    wanted = [name for name in names if _TOKEN.fullmatch(name)]
    return ", ".join(dict.fromkeys(["Accept", "Content-Type", *wanted]))


def http_error(err: HTTPException) -> Response:
    status = err.code or 500
    messages = {
        404: "no such page",
        405: "method not allowed",
        413: "the request is larger than the limit",
    }
    headers = dict(err.get_headers())
    allow = {"Allow": headers["Allow"]} if "Allow" in headers else {}
    return problem(status, messages.get(status, err.name.lower()), allow)


def internal_error(err: Exception) -> Response:
    # The traceback goes to the log, never to the client.
    log.exception("unhandled error", exc_info=err)
    return problem(500, "internal server error")
