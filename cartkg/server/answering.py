"""Answering a query for a protocol client (`/sparql`, `/api`): checks, negotiation, limits."""

from __future__ import annotations

from flask import Response

from .formats import GRAPHS, SOLUTIONS, Format, Term
from .jobs import Dataset, Job, Serialized
from .responses import HttpError, choose
from .safety import Refused, check
from .state import state


def answer(
    query: str,
    dataset: Dataset,
    substitutions: tuple[tuple[str, Term], ...] = (),
    offset: int = 0,
    page_size: int | None = None,
) -> tuple[Response, Serialized]:
    """Run a query for a protocol client: checks, negotiation, limits, the response."""
    eng = state()
    base = eng.endpoint_url()
    try:
        check(
            query,
            allow_list=eng.config.service_allow_list,
            max_bytes=eng.config.max_request_bytes,
            base=base,
        )
    except Refused as err:
        raise HttpError(err.status, err.message) from None
    solutions = _choose_or_none(SOLUTIONS)
    graph = _choose_or_none(GRAPHS)
    if solutions is None and graph is None:
        choose(SOLUTIONS + GRAPHS)  # raises the right 400 or 406
    job = Job(
        query,
        dataset,
        substitutions,
        solutions_format=solutions[0].name if solutions else None,
        graph_format=graph[0].name if graph else None,
        row_cap=eng.config.row_cap,
        offset=offset,
        page_size=page_size,
        base_iri=base,
    )
    outcome = eng.run(job)
    assert isinstance(outcome, Serialized)
    chosen = graph if outcome.kind == "graph" else solutions
    assert chosen is not None
    fmt, media_type = chosen
    response = Response(outcome.body, content_type=fmt.content_type(media_type))
    response.vary.add("Accept")
    if outcome.truncated:
        response.headers["X-Result-Truncated"] = f"only the first {outcome.rows} rows are given"
    return response, outcome


def _choose_or_none(offers: tuple[Format, ...]) -> tuple[Format, str] | None:
    try:
        return choose(offers)
    except HttpError:
        return None
