"""`/sparql`: the SPARQL 1.1 Protocol, query operation (this service is read-only).

A query comes by GET (`?query=`), by POST of a form, or by POST of `application/sparql-query`;
`default-graph-uri` and `named-graph-uri` set the dataset. Without them, and without FROM in the
query, the default graph is the union of all named graphs. GET without a query answers with the
service description (or the query page, for a browser).
"""

from __future__ import annotations

import io

import pyoxigraph as ox
from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from cartkg.sparqllex import names_dataset

from .answering import answer
from .formats import TRIPLE_FORMATS
from .jobs import Dataset
from .querypage import query_page
from .responses import HttpError, choose, format_parameter, rdf_response, wants_html
from .servicedescription import service_description
from .state import state

bp = Blueprint("protocol", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "this endpoint is read-only: SPARQL Update requests are not accepted"


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, params = _read_request()
    if query is None:
        if request.method == "POST":
            raise HttpError(400, "missing the 'query' parameter")
        chosen = choose(TRIPLE_FORMATS, html=True)
        if chosen is None:
            return query_page()
        eng = state()
        return rdf_response(service_description(eng), eng.prefixes, chosen)
    if wants_html() and not format_parameter():
        return query_page(query)
    return answer(query, _dataset(query, params))[0]


def _read_request() -> tuple[str | None, MultiDict[str, str]]:
    """The query text and the other parameters, wherever the protocol puts them."""
    limit = state().config.max_request_bytes
    if len(request.query_string) > limit:
        raise HttpError(413, f"the request is longer than the limit of {limit} bytes")
    params: MultiDict[str, str] = MultiDict(request.args)
    if request.method == "POST" and request.content_length is None:
        _read_unsized_body(limit)
    if request.method == "GET":
        if "update" in params:
            raise HttpError(403, READ_ONLY)
        return _single_query(params.getlist("query")), params
    mimetype = request.mimetype
    if mimetype == FORM:
        if "update" in request.form:
            raise HttpError(403, READ_ONLY)
        for key, value in request.form.items(multi=True):
            params.add(key, value)
        return _single_query(params.getlist("query")), params
    if mimetype == SPARQL_QUERY:
        if "query" in params:
            raise HttpError(400, "the query is both in the body and in the 'query' parameter")
        # The media type's registration: "The encoding is always UTF-8".
        charset = request.mimetype_params.get("charset", "utf-8")
        if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise HttpError(400, f"{SPARQL_QUERY} is UTF-8 text, not {charset}")
        try:
            return request.get_data().decode("utf-8"), params
        except UnicodeDecodeError as err:
            raise HttpError(400, f"the query is not valid UTF-8 text: {err}") from None
    if mimetype == SPARQL_UPDATE:
        raise HttpError(403, READ_ONLY)
    raise HttpError(
        415,
        f"unsupported media type {mimetype or '(none)'}: POST a query as {FORM} or {SPARQL_QUERY}",
    )


def _read_unsized_body(limit: int) -> None:
    """Read a body sent without Content-Length (chunked) here, and answer 413 when it is over
    the limit, as for one with a length: Werkzeug would cut it at the limit, and the cut text
    would be run as if it were the query."""
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise HttpError(413, f"the request is longer than the limit of {limit} bytes")
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))


def _single_query(values: list[str]) -> str | None:
    if len(values) > 1:
        raise HttpError(400, "the 'query' parameter is given more than once")
    return values[0] if values else None


def _dataset(query: str, params: MultiDict[str, str]) -> Dataset:
    default = tuple(_iri(v, "default-graph-uri") for v in params.getlist("default-graph-uri"))
    named = tuple(_iri(v, "named-graph-uri") for v in params.getlist("named-graph-uri"))
    union = not names_dataset(query)
    return Dataset(union_default=union, default_graphs=default, named_graphs=named)


def _iri(value: str, parameter: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError as err:
        raise HttpError(400, f"parameter '{parameter}': not an IRI: {err}") from None
