"""grlc (PyPI `grlc`, local-files mode) runs every file of `queries/` unchanged against a real
`cartkg serve`, and gives the same rows as the endpoint's own `/api/<name>`: with no parameter
(both apply the query's default) and with each default given explicitly (grlc pastes the value
into the text; the endpoint binds it as an RDF term).

grlc's own `grlc-server` listens on every interface with 20 workers, so its Flask app is run on
127.0.0.1 instead, with a `config.ini` naming the endpoint and the folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cartkg.canned import load_all
from cartkg.paths import layout
from cartkg.prefixes import sparql_prefixes as prefixes

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
sys.path.insert(0, str(Path(__file__).parent / "clients"))
from clients_support import grlc_python
from server_support import free_port

pytestmark = pytest.mark.slow

QUERIES = layout().queries
NAMES = sorted(load_all(QUERIES, prefixes()))
JSON = "application/json"


@pytest.fixture(scope="module")
def grlc_url(project_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = grlc_python()
    folder = tmp_path_factory.mktemp("grlc")
    (folder / "config.ini").write_text(
        f"[defaults]\nsparql_endpoint = {project_endpoint}/sparql\n\n"
        f"[local]\nlocal_sparql_dir = {QUERIES}\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [str(python), "-c", f"from grlc.server import app; app.run('127.0.0.1', {port})"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "NO_PROXY": "*"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/api-local/swagger", process)
        yield url
    finally:
        process.kill()
        process.wait()


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"grlc stopped: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("grlc did not answer within 60 s")


def get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": JSON})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read().decode()
    try:
        return json.loads(body)
    except ValueError:
        raise AssertionError(f"{url}: not JSON: {body[:500]}") from None


def rows(url: str) -> list[dict[str, Any]]:
    answer = get_json(url)
    assert "results" in answer, f"{url}: {answer}"
    return answer["results"]["bindings"]  # type: ignore[no-any-return]


def test_grlc_lists_every_query(grlc_url: str) -> None:
    spec = get_json(grlc_url + "/api-local/swagger")
    listed = {path.strip("/").split("/")[-1] for path in spec["paths"]}
    assert listed == set(NAMES), spec.get("info", {}).get("description", "")


@pytest.mark.parametrize("name", NAMES)
def test_same_rows_as_the_endpoint_without_parameters(
    grlc_url: str, project_endpoint: str, name: str
) -> None:
    assert rows(f"{grlc_url}/api-local/{name}") == rows(f"{project_endpoint}/api/{name}")


@pytest.mark.parametrize(
    ("name", "parameter", "value"),
    [
        (name, p.name, p.default)
        for name, query in load_all(QUERIES, prefixes()).items()
        for p in query.parameters
        if p.default
    ],
)
def test_same_rows_as_the_endpoint_with_a_parameter(
    grlc_url: str, project_endpoint: str, name: str, parameter: str, value: str
) -> None:
    given = urllib.parse.urlencode({parameter: value})
    found = rows(f"{grlc_url}/api-local/{name}?{given}")
    assert found, f"{name}?{given}: no rows through grlc"
    assert found == rows(f"{project_endpoint}/api/{name}?{given}")
