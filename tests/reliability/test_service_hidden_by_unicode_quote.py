"""Reliability review 2026-12, ranked failure 1 (section 1, "SERVICE hidden by a parser
differential"): `BIND("\\u0022" AS ?x) SERVICE <...> BIND("\\u0022" AS ?y)`, and the same with
`\\u0027`. rdflib decodes the escapes before parsing, so it saw a long string swallowing the
SERVICE; pyoxigraph decodes them only inside strings and ran it.

Against a real server: refused with 403 by GET, form and body; the canary receives nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from netcanary import Canary
from test_service_hidden_by_cr_comment import endpoint, send

pytestmark = pytest.mark.slow
__all__ = ["endpoint"]  # the module-scoped server fixture, shared

SHAPES = [
    'SELECT * {{ BIND("\\u0022" AS ?x) SERVICE <{u}/q2> {{ ?s ?p ?o }} BIND("\\u0022" AS ?y) }}',
    "SELECT * {{ BIND('\\u0027' AS ?x) SERVICE <{u}/q1> {{ ?s ?p ?o }} BIND('\\u0027' AS ?y) }}",
    'SELECT * {{ BIND("\\U00000022" AS ?x) SERVICE <{u}/q8> {{ }} BIND("\\U00000022" AS ?y) }}',
]


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("shape", SHAPES)
def test_service_between_escaped_quotes_is_refused(endpoint: str, how: str, shape: str) -> None:
    with Canary() as canary:
        status, body = send(endpoint, shape.format(u=canary.url), how)
    assert status == 403, body
    assert "not allowed" in body
    assert canary.paths == []
