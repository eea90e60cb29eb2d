"""A canned query as a request names it: which query, which page, which dataset; for the REST
API (`/api`) and the query's page (`/queries/<name>`)."""

from __future__ import annotations

from flask import request

from cartkg.canned import CannedQuery
from cartkg.sparqllex import names_dataset

from .jobs import Dataset
from .responses import HttpError
from .state import state

#: Digits a page number may have (int() refuses more than 4,300; no result has this many pages).
PAGE_DIGITS = 9


def find(name: str) -> CannedQuery:
    query = state().canned.get(name)
    if query is None:
        raise HttpError(404, f"no canned query named {name!r}; see /api/openapi.json")
    return query


def page_number(query: CannedQuery) -> int | None:
    given = request.values.get("page")
    if query.pagination is None:
        if given is not None:
            raise HttpError(400, "parameter 'page': this query is not paginated")
        return None
    if given is None:
        return 1
    # isdigit() alone takes any script's digits ("²", "٣"), which int() refuses or reads.
    if not (given.isascii() and given.isdigit()) or len(given) > PAGE_DIGITS or int(given) < 1:
        shown = given if len(given) <= 40 else given[:40] + "..."
        raise HttpError(
            400,
            f"parameter 'page': expected a whole number from 1 to {10**PAGE_DIGITS - 1}, "
            f"got {shown!r}",
        )
    return int(given)


def dataset_for(text: str) -> Dataset:
    return Dataset(union_default=not names_dataset(text))
