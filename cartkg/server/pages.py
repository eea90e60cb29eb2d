"""Pages for people: the query page, entity pages, and a page per canned query.

Every IRI of the graph's namespace (`/id/...`, `/ontology/...`, `/graph/...`) dereferences here:
HTML for browsers, Turtle / JSON-LD / N-Triples / RDF/XML for everything else.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from cartkg.canned import ParameterError
from cartkg.namespaces import BASE

from . import entity as entities
from .cannedrequest import dataset_for, find, page_number
from .formats import TRIPLE_FORMATS
from .jobs import Job, QueryError, Raw
from .querypage import html, query_page
from .responses import HttpError, choose, rdf_response
from .state import state
from .view import Shown, show

bp = Blueprint("pages", __name__)


@bp.route("/")
def home() -> Response:
    return query_page()


@bp.route("/id/<path:rest>")
@bp.route("/ontology/<path:rest>")
@bp.route("/graph/<path:rest>")
@bp.route("/ontology")
def entity(rest: str = "") -> Response:
    iri = BASE + request.path.lstrip("/")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise HttpError(404, "not an IRI of this graph") from None
    eng = state()
    chosen = choose(TRIPLE_FORMATS, html=True)
    if chosen is not None:
        is_graph = iri in eng.graph_sizes()
        raw = eng.table(
            entities.GRAPH_CONTENT if is_graph else entities.DESCRIBE, (("e", ox.NamedNode(iri)),)
        )
        if not raw.triples and not is_graph:
            raise HttpError(404, f"nothing is known about <{iri}>")
        return rdf_response(list(raw.triples or ()), eng.prefixes, chosen, iri.rsplit("/", 1)[-1])
    view = entities.load(eng, iri)
    if view is None:
        raise HttpError(404, f"nothing is known about <{iri}>")
    sample = _graph_sample(iri) if view.is_graph else []
    return html(render_template("entity.html", e=view, sample=sample, formats=TRIPLE_FORMATS))


def _graph_sample(iri: str) -> list[tuple[Shown, ...]]:
    eng = state()
    query = "SELECT ?e ?s ?p ?o WHERE { GRAPH ?e { ?s ?p ?o } } LIMIT 200"
    rows = eng.table(query, (("e", ox.NamedNode(iri)),)).rows
    return [tuple(show(t, eng.prefixes) for t in row[1:]) for row in rows]


@bp.route("/queries/<name>")
def canned_page(name: str) -> Response:
    """A canned query with a form for its parameters, and its results when asked."""
    eng = state()
    query = find(name)
    values = {p.name: request.args.get(p.name, "") for p in query.parameters}
    ran = "run" in request.args or not any(p.required and not p.default for p in query.parameters)
    result: Raw | None = None
    error = None
    status = 200
    page = 1
    pages = 1
    if ran:
        try:
            bound = query.bind({k: v for k, v in values.items() if v}, eng.prefixes)
            page = page_number(query) or 1
            size = query.pagination
            job = Job(
                bound.query,
                dataset_for(bound.query),
                bound.substitutions,
                row_cap=eng.config.row_cap,
                offset=(page - 1) * size if size else 0,
                page_size=size,
                raw=True,
            )
            outcome = eng.run(job)
            assert isinstance(outcome, Raw)
            result = outcome
            if query.pagination and outcome.total is not None:
                pages = max(1, math.ceil(outcome.total / query.pagination))
        except ParameterError as err:
            error, status = str(err), 400
        except QueryError as err:
            error, status = err.message, err.status
    args = {k: v for k, v in values.items() if v}
    rows = [[show(t, eng.prefixes) for t in row] for row in result.rows] if result else []
    return html(
        render_template(
            "canned.html",
            q=query,
            values=values,
            result=result,
            rows=rows,
            error=error,
            page=page,
            pages=pages,
            args=args,
            api_url=f"/api/{name}?{urlencode(args)}",
            sparql_text=query.self_contained(eng.prefixes),
        ),
        status,
    )
