"""The canned API's OpenAPI 3.1 document: response schemas, one problem shape for errors, and
schemathesis finding nothing wrong against a real server (clients review 2026-12, section 2,
"schemathesis against /api/openapi.json": 42 failures, ST205 / ST201 / ST202)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import ROOT, close_app, make_app, start_server, stop_server

#: The project's own queries, which the review fuzzed.
QUERIES = ROOT / "queries"


@pytest.fixture(scope="module")
def app(server_release: Path):  # type: ignore[no-untyped-def]
    app = make_app(server_release, pool_size=1, queries_dir=QUERIES)
    yield app
    close_app(app)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def test_the_document_is_openapi_3_1_with_response_schemas(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.1.")
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["properties"])
    for path, item in doc["paths"].items():
        for operation in item.values():
            responses = operation["responses"]
            ok = responses["200"]["content"]
            assert all("schema" in media for media in ok.values()), path
            for status in ("400", "404", "406", "503"):
                media = responses[status]["content"]["application/problem+json"]
                assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, path


def test_an_error_is_an_rfc_9457_problem(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/entity_facts", query_string={"entity": "not an iri"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert body["type"] == "about:blank" and "entity" in body["detail"]


def test_options_names_only_the_query_s_method(client) -> None:  # type: ignore[no-untyped-def]
    response = client.options("/api/entity_facts")
    assert response.status_code in (200, 204)
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "POST" not in allowed and "GET" in allowed
    wrong = client.post("/api/entity_facts")
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) == allowed


def test_an_empty_iri_is_a_wrong_value_not_an_absent_one(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/entity_facts", query_string={"entity": ""})
    assert response.status_code == 400
    assert "'entity'" in response.json["detail"]


@pytest.mark.slow
def test_schemathesis_finds_no_failure(server_release: Path, tmp_path: Path) -> None:
    process, url = start_server(
        server_release, "--workers", "1", "--threads", "4", "--queries", str(QUERIES)
    )
    try:
        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli", "run", url + "/api/openapi.json",
                "--checks", "all", "--max-examples", "20", "--seed", "20261202",
                "--workers", "1", "--request-timeout", "30", "--no-color",
                "--report-dir", str(tmp_path),
            ],
            capture_output=True, text=True, timeout=400, cwd=tmp_path,
        )  # fmt: skip
    finally:
        stop_server(process)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    operations = len(list(QUERIES.glob("*.rq")))
    assert re.search(rf"Tested: {operations}\b", out), out[-3000:]
    assert "No issues found" in out, out[-3000:]
