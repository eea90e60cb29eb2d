"""Reliability review 2026-12, ranked failure 16: a query that merely mentions "service" (in a
comment, a string, an IRI, a variable name) with 40 or more levels of nesting, and any
SERVICE inside a SERVICE, got 403 "could not be checked" (rdflib's parser ran out of
recursion). Now they answer normally; SERVICE in SERVICE is checked against the allow-list.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app

from cartkg.server.safety import Refused, check

DEEP = 60
MENTIONS = {
    "comment": "# service\nSELECT * " + "{" * DEEP + "}" * DEEP,
    "variable": "SELECT ?service " + "{" * DEEP + "BIND(1 AS ?service)" + "}" * DEEP,
    "string": "SELECT ?x " + "{" * DEEP + 'BIND("SERVICE <http://e/>" AS ?x)' + "}" * DEEP,
    "iri": "SELECT ?x " + "{" * DEEP + "BIND(<http://e.org/service> AS ?x)" + "}" * DEEP,
    "nested-optional": "SELECT ?service {" + "OPTIONAL {" * DEEP + "}" * DEEP + "}",
}


@pytest.fixture(scope="module")
def app(server_release: Path) -> Iterator[Any]:
    application = make_app(server_release, pool_size=1)
    yield application
    close_app(application)


@pytest.mark.parametrize("where", MENTIONS)
def test_mentioning_service_answers(app: Any, where: str) -> None:
    response = app.test_client().post(
        "/sparql",
        data={"query": MENTIONS[where]},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


NESTED = "SELECT * { SERVICE <http://a.org/s> { SERVICE <http://b.org/s> { ?s ?p ?o } } }"


def test_service_in_service_is_checked_not_refused() -> None:
    check(NESTED, allow_list=("http://a.org/s", "http://b.org/s"), max_bytes=10_000)
    with pytest.raises(Refused, match=r"<http://b\.org/s> is not allowed"):
        check(NESTED, allow_list=("http://a.org/s",), max_bytes=10_000)
