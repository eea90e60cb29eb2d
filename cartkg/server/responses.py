"""Responses shared by the blueprints: errors in the client's language, RDF in its format."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyoxigraph as ox
from flask import Response, render_template, request
from werkzeug.http import HTTP_STATUS_CODES

from .formats import (
    TRIPLE_FORMATS,
    Format,
    UnknownFormat,
    by_name,
    negotiate_media_type,
    write_graph,
)

HTML = "text/html"
#: RFC 9457 problem details, the API's one error shape.
PROBLEM = "application/problem+json"


class HttpError(Exception):
    """Stop handling the request and answer with `status` and a message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def wants_html() -> bool:
    """Whether the client is a browser: it names text/html and prefers it."""
    accept = request.accept_mimetypes
    if not any(mime == HTML for mime, _ in accept):
        return False
    return accept.best_match([HTML, "application/json", "text/plain"]) == HTML


def problem(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error response: JSON for the API, a page for browsers, plain text otherwise."""
    if request.path.startswith("/api/"):
        title = HTTP_STATUS_CODES.get(status, "Error")
        details = {"type": "about:blank", "title": title, "status": status, "detail": message}
        body = json.dumps({**details, "error": message})  # `error`: the shape before RFC 9457
        response = Response(body, status, content_type=PROBLEM)
    elif wants_html():
        html = render_template("error.html", status=status, message=message)
        response = Response(html, status, content_type="text/html; charset=utf-8")
    else:
        response = Response(message + "\n", status, content_type="text/plain; charset=utf-8")
    response.headers.update(headers or {})
    return response


def format_parameter() -> str | None:
    """The common override of content negotiation: `format=` or `output=`."""
    return request.values.get("format") or request.values.get("output") or None


def choose(offers: Sequence[Format], *, html: bool = False) -> tuple[Format, str] | None:
    """The format for the response: the `format` parameter, else the Accept header.

    None means HTML (when `html` is offered and the browser prefers it); HttpError 406 when
    nothing acceptable is on offer, 400 for an unknown `format`.
    """
    named = format_parameter()
    if named:
        if html and named.lower() in ("html", HTML):
            return None
        try:
            fmt = by_name(named, offers)
        except UnknownFormat:
            names = ", ".join(f.name for f in offers)
            message = f"parameter 'format': unknown format {named!r}; use {names}"
            raise HttpError(400, message) from None
        return fmt, fmt.media_type
    if html and wants_html():
        return None
    chosen = negotiate_media_type(request.headers.get("Accept"), offers)
    if chosen is None:
        types = ", ".join(m for f in offers for m in f.media_types[:1])
        raise HttpError(406, f"none of the requested media types is available; offered: {types}")
    return chosen


def rdf_response(
    triples: Sequence[ox.Triple],
    prefixes: dict[str, str],
    chosen: tuple[Format, str] | None,
    filename: str | None = None,
    about: str = "",
) -> Response:
    """RDF in the chosen format; None means a page showing it as Turtle (for browsers)."""
    if chosen is None:
        turtle = by_name("turtle", TRIPLE_FORMATS)
        html = render_template(
            "rdf.html",
            title=filename or "RDF",
            about=about,
            text=write_graph(turtle, triples, prefixes).decode("utf-8"),
            formats=TRIPLE_FORMATS,
        )
        return Response(html, content_type="text/html; charset=utf-8")
    fmt, media_type = chosen
    body = write_graph(fmt, triples, prefixes)
    response = Response(body, content_type=fmt.content_type(media_type))
    response.vary.add("Accept")
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}.{fmt.extension}"'
    return response
