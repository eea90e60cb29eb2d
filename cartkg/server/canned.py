"""`/api`: the canned queries (`queries/*.rq`) as a REST API, with its OpenAPI document."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from cartkg import __version__
from cartkg.canned import Bound, CannedQuery, Parameter, ParameterError

from .answering import answer
from .cannedrequest import PAGE_DIGITS, dataset_for, find, page_number
from .responses import PROBLEM, HttpError, wants_html
from .state import AppState, state
from .view import text as view_text

bp = Blueprint("canned", __name__)

#: Request parameters that are not query parameters.
CONTROL = frozenset({"page", "format", "output"})


def bind(query: CannedQuery) -> Bound:
    """The query with the request's values bound; 400 names a wrong parameter."""
    values: dict[str, str] = {}
    for key in request.values:
        if key in CONTROL:
            continue
        given = request.values.getlist(key)
        if len(given) > 1:
            raise HttpError(400, f"parameter '{key}': given more than once")
        if not given[0]:
            # An empty value is not "not given": for an IRI, a number or a date it is no value
            # at all, and taking the default instead would answer a question not asked.
            raise HttpError(400, f"parameter '{key}': empty; give a value or leave it out")
        values[key] = given[0]
    try:
        return query.bind(values, state().prefixes)
    except ParameterError as err:
        raise HttpError(400, str(err)) from None


def allowed(query: CannedQuery) -> str:
    """The Allow header of a query's URL: its one method (HEAD comes with GET), and OPTIONS."""
    return ", ".join([query.method, *(["HEAD"] if query.method == "GET" else []), "OPTIONS"])


# OPTIONS is answered here, not by Flask, which would name every method of the route.
@bp.route("/api/<name>", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def call(name: str) -> Response:
    query = find(name)
    if request.method == "OPTIONS":
        return Response(status=200, headers={"Allow": allowed(query)})
    if request.method not in (query.method, "HEAD" if query.method == "GET" else ""):
        raise HttpError(405, f"{name} is called with {query.method}", {"Allow": allowed(query)})
    bound = bind(query)
    page = page_number(query)
    size = query.pagination
    offset = (page - 1) * size if page and size else 0
    response, outcome = answer(
        bound.query, dataset_for(bound.query), bound.substitutions, offset, size
    )
    if page and size and outcome.total is not None:
        _paging_headers(response, page, size, outcome.total)
    return response


def _paging_headers(response: Response, page: int, size: int, total: int) -> None:
    last = max(1, math.ceil(total / size))
    args = {k: v for k, v in request.args.items() if k != "page"}

    def link(number: int, rel: str) -> str:
        return f'<{request.base_url}?{urlencode({**args, "page": number})}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    response.headers["Link"] = ", ".join(links)
    response.headers["X-Total-Count"] = str(total)


@bp.route("/api/openapi.json")
def openapi_json() -> Response:
    return Response(json.dumps(openapi(state()), indent=2), content_type="application/json")


@bp.route("/api")
@bp.route("/api/")
def index() -> Response | str:
    eng = state()
    if not wants_html():
        return openapi_json()
    return render_template("api.html", queries=list(eng.canned.values()))


# ---- OpenAPI -------------------------------------------------------------------------------

_MEDIA = {
    "solutions": [
        "application/sparql-results+json",
        "application/json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
    "graph": ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"],
}


def openapi(eng: AppState) -> dict[str, Any]:
    paths = {}
    for query in eng.canned.values():
        operation: dict[str, Any] = {
            "operationId": query.name,
            "summary": query.summary or query.name,
            "description": query.description,
            "tags": list(query.tags),
            "responses": _responses(query),
        }
        params = [_parameter(eng, query, p) for p in query.parameters]
        if query.pagination:
            params.append(
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "description": f"Page of {query.pagination} rows, from 1 (see Link headers).",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 10**PAGE_DIGITS - 1,
                        "default": 1,
                    },
                }
            )
        if query.method == "GET":
            operation["parameters"] = params
        else:
            operation["requestBody"] = _form_body(params)
        paths[f"/{query.name}"] = {query.method.lower(): operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cartkg canned queries",
            "version": __version__,
            "description": "Competency questions of the CAR-T knowledge graph as a REST API. "
            "Each operation runs one SPARQL query of the project's queries/ folder, "
            "with its parameters bound as RDF terms.",
        },
        "servers": [{"url": eng.site_url() + "api"}],
        "paths": paths,
        "components": {
            "schemas": {
                "Problem": PROBLEM_SCHEMA,
                "SparqlResults": RESULTS_SCHEMA,
                "RdfTerm": TERM_SCHEMA,
            }
        },
    }


def _schema(p: Parameter) -> dict[str, Any]:
    if p.type == "iri":
        return {"type": "string", "format": "uri"}
    if p.type == "number":
        return {"type": "number"}
    local = (p.datatype or "").rsplit("#", 1)[-1]
    if local in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger"):
        return {"type": "integer"}
    if local in ("decimal", "double", "float"):
        return {"type": "number"}
    if local in ("date", "dateTime"):
        return {"type": "string", "format": "date" if local == "date" else "date-time"}
    return {"type": "string", "minLength": 1}


def _parameter(eng: AppState, query: CannedQuery, p: Parameter) -> dict[str, Any]:
    schema = _schema(p)
    if p.default is not None:
        schema["default"] = p.default
    values = p.enum or enumeration(eng, query, p)
    if values:
        schema["enum"] = list(values)
    return {
        "name": p.name,
        "in": "query",
        "required": p.required and p.default is None,
        "description": f"{p.expected[0].upper()}{p.expected[1:]} (?{p.variable}).",
        "schema": schema,
    }


def enumeration(eng: AppState, query: CannedQuery, p: Parameter) -> tuple[str, ...]:
    """The values a parameter's variable takes in the data (`enumerate`), asked once."""
    if not p.enumerate_from_data:
        return ()
    text = query.enumeration_query(p)
    if text is None:
        return ()

    def distinct_values() -> tuple[str, ...]:
        return tuple(view_text(row[0]) for row in eng.table(text).rows if row[0] is not None)

    return eng.memo(f"enum:{query.name}:{p.name}", distinct_values)


def _form_body(params: list[dict[str, Any]]) -> dict[str, Any]:
    properties = {p["name"]: {**p["schema"], "description": p["description"]} for p in params}
    required = [p["name"] for p in params if p["required"]]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def _responses(query: CannedQuery) -> dict[str, Any]:
    kind = "graph" if query.form in ("CONSTRUCT", "DESCRIBE") else "solutions"
    errors = {
        "400": "A parameter is missing or has a wrong value; the message names it.",
        "404": "No such canned query.",
        "406": "None of the requested media types is available.",
        "503": "The query ran over the time limit, or the server is busy.",
        "default": "Any other error (405 wrong method, 413 too large, 429 too many requests).",
    }
    return {
        "200": {
            "description": "The results (format by Accept header or the `format` parameter).",
            "content": {media: {"schema": _body_schema(media)} for media in _MEDIA[kind]},
        },
        **{
            status: {"description": text, "content": {PROBLEM: {"schema": _ref("Problem")}}}
            for status, text in errors.items()
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body_schema(media: str) -> dict[str, Any]:
    if media in ("application/sparql-results+json", "application/json"):
        return _ref("SparqlResults")
    if media == "application/ld+json":
        return {"type": ["object", "array"]}
    return {"type": "string"}  # CSV, TSV, XML, Turtle, N-Triples: text


#: RFC 9457 problem details; `error` repeats `detail` for clients of the earlier shape.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "error": {"type": "string"},
    },
}

#: SPARQL 1.1 Query Results JSON Format: a SELECT's head and bindings, or an ASK's boolean.
RESULTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {
            "type": "object",
            "properties": {
                "vars": {"type": "array", "items": {"type": "string"}},
                "link": {"type": "array", "items": {"type": "string"}},
            },
        },
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {
                "bindings": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": _ref("RdfTerm")},
                }
            },
        },
        "boolean": {"type": "boolean"},
    },
    "oneOf": [{"required": ["results"]}, {"required": ["boolean"]}],
}

TERM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"enum": ["uri", "literal", "bnode", "triple"]},
        "value": {"type": ["string", "object"]},
        "xml:lang": {"type": "string"},
        "datatype": {"type": "string"},
    },
}
