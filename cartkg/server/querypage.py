"""The query page (the editor, with the canned queries as examples), and HTML responses."""

from __future__ import annotations

from flask import Response, render_template

from .state import state

DEFAULT_QUERY = """SELECT ?thing ?label ?type WHERE {
  ?thing rdfs:label ?label ;
         a ?type .
  FILTER(STRSTARTS(STR(?thing), STR(kg:)))
}
ORDER BY ?label
LIMIT 25
"""


def html(body: str, status: int = 200) -> Response:
    return Response(body, status, content_type="text/html; charset=utf-8")


def query_page(query: str | None = None) -> Response:
    """The query editor, with the canned queries as examples; `query` runs on load."""
    eng = state()
    examples = [
        {"name": q.name, "summary": q.summary or q.name, "query": q.self_contained(eng.prefixes)}
        for q in eng.canned.values()
    ]
    return html(
        render_template(
            "query.html",
            query=query or DEFAULT_QUERY,
            autorun=query is not None,
            examples=examples,
            prefixes=sorted(eng.prefixes.items()),
            config=eng.config,
        )
    )
