"""Comunica (`comunica-sparql`, npm `@comunica/query-sparql` 4.x, which runs on Node 20) reads a
sample of `queries/` unchanged, with this endpoint as a `sparql@` source, and gives the rows the
endpoint's own `/api/<name>` gives (which applies the same defaults as the query text).

The lock file pins `sparqljson-parse` 2.2.0: with the 3.x that npm picks by itself, Comunica 4.5
drops language tags, against any endpoint (tests/clients/package.json).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cartkg.paths import layout

sys.path.insert(0, str(Path(__file__).parent / "clients"))
from clients_support import comunica_sparql

pytestmark = pytest.mark.slow

QUERIES = layout().queries
SAMPLE = [
    "cq02_number_of_centres",  # a parameter, defaulted in the query
    "cq04_target_antigens",
    "cq13_dated_events",  # typed literals
    "cq20_external_identifiers",  # 100+ rows
    "search_label",  # a text parameter, language-tagged labels
    "claims_by_status",  # a parameter inside a sub-select
]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term(cell: dict[str, Any]) -> tuple[str, ...]:
    """A SPARQL JSON term, with the spellings that mean the same term made equal."""
    kind = {"typed-literal": "literal"}.get(cell["type"], cell["type"])
    if kind == "bnode":
        return ("bnode",)  # labels are the server's own
    if kind == "literal":
        datatype = cell.get("datatype", XSD_STRING)
        return (kind, cell["value"], cell.get("xml:lang", "").lower(), datatype)
    return (kind, cell["value"])


def _rows(bindings: list[dict[str, Any]]) -> list[dict[str, tuple[str, ...]]]:
    return [{var: _term(cell) for var, cell in row.items()} for row in bindings]


@pytest.mark.parametrize("name", SAMPLE)
def test_same_rows_as_the_endpoint(project_endpoint: str, name: str) -> None:
    comunica = comunica_sparql()
    answer = subprocess.run(
        [str(comunica), f"sparql@{project_endpoint}/sparql", "-f", str(QUERIES / f"{name}.rq"),
         "-t", "application/sparql-results+json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr[-2000:]
    found = json.loads(answer.stdout)["results"]["bindings"]
    request = urllib.request.Request(
        f"{project_endpoint}/api/{name}", headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        expected = json.loads(response.read())["results"]["bindings"]
    assert found, f"{name}: no rows through Comunica"
    assert _rows(found) == _rows(expected)
