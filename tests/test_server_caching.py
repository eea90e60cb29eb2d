"""HTTP caching that clients and proxies understand: an ETag per release and representation,
304 for a matching If-None-Match without running the query, Vary: Accept (issue 12)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import build_release, close_app, make_app, start_server, stop_server

ASK = {"query": "ASK { ?s ?p ?o }"}
SLOW = {"query": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(tmp_path_factory.mktemp("caching"))


@pytest.fixture(scope="module", params=[0, 16], ids=["no-cache", "response-cache"])
def client(release: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    app = make_app(release, pool_size=1, timeout=1.0, cache_entries=request.param)
    yield app.test_client()
    close_app(app)


def test_an_answer_has_an_etag_and_varies_on_accept(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string=ASK)
    assert response.status_code == 200
    assert response.headers["ETag"]
    assert "Accept" in response.vary
    again = client.get("/sparql", query_string=ASK)
    assert again.headers["ETag"] == response.headers["ETag"]


def test_another_accept_has_another_etag(client) -> None:  # type: ignore[no-untyped-def]
    json_tag = client.get("/sparql", query_string=ASK).headers["ETag"]
    xml = client.get(
        "/sparql", query_string=ASK, headers={"Accept": "application/sparql-results+xml"}
    )
    assert xml.status_code == 200 and xml.headers["ETag"] != json_tag


@pytest.mark.parametrize("path", ["/sparql", "/api/labels_paged", "/.well-known/void", "/"])
def test_a_matching_if_none_match_gets_304(client, path: str) -> None:  # type: ignore[no-untyped-def]
    first = client.get(path, query_string=ASK if path == "/sparql" else None)
    assert first.status_code == 200, first.get_data(as_text=True)
    tag = first.headers["ETag"]
    second = client.get(
        path, query_string=ASK if path == "/sparql" else None, headers={"If-None-Match": tag}
    )
    assert second.status_code == 304
    assert second.data == b""
    assert second.headers["ETag"] == tag
    assert "Accept" in second.vary and "max-age" in second.headers["Cache-Control"]


def test_a_304_does_not_run_the_query(client) -> None:  # type: ignore[no-untyped-def]
    # The query runs past the 1 s limit (503); a client holding the release's ETag for this
    # URL would still get 304 at once, since the answer cannot have changed.
    tag = client.get("/sparql", query_string=ASK).headers["ETag"]
    assert client.get("/sparql", query_string=SLOW).status_code == 503
    response = client.get("/sparql", query_string=SLOW, headers={"If-None-Match": tag})
    assert response.status_code == 304


def test_an_etag_that_does_not_match_gets_the_answer(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string=ASK, headers={"If-None-Match": '"other"'})
    assert response.status_code == 200 and response.data


@pytest.mark.parametrize(
    "path,args", [("/sparql", {"query": "SELECT ("}), ("/no-such-page", None), ("/health", None)]
)
def test_errors_and_health_carry_no_etag(client, path: str, args) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, query_string=args)
    assert "ETag" not in response.headers
    assert client.get(path, query_string=args, headers={"If-None-Match": "*"}).status_code != 304


def test_the_etag_changes_with_the_release(release: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(release, other)
    manifest = json.loads((other / "manifest.json").read_text())
    (other / "manifest.json").write_text(json.dumps({**manifest, "version": "next"}))
    tags = []
    for directory in (release, other):
        app = make_app(directory, pool_size=1)
        try:
            tags.append(app.test_client().get("/sparql", query_string=ASK).headers["ETag"])
        finally:
            close_app(app)
    assert tags[0] != tags[1]


def test_a_download_keeps_its_file_hash_as_etag(tmp_path: Path, release: Path) -> None:
    served = tmp_path / "with-download"
    shutil.copytree(release, served)
    (served / "cartkg.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    digest = hashlib.sha256((served / "cartkg.ttl").read_bytes()).hexdigest()
    manifest = json.loads((served / "manifest.json").read_text())
    manifest["artefacts"] = {"cartkg.ttl": digest}
    (served / "manifest.json").write_text(json.dumps(manifest))
    app = make_app(served, pool_size=1)
    try:
        client = app.test_client()
        response = client.get("/download/cartkg.ttl")
        assert response.status_code == 200
        assert response.headers["ETag"] == f'"{digest}"'
        again = client.get("/download/cartkg.ttl", headers={"If-None-Match": f'"{digest}"'})
        assert again.status_code == 304
    finally:
        close_app(app)


def test_a_real_server_answers_a_conditional_get_with_304(release: Path) -> None:
    process, url = start_server(release, "--workers", "1", "--threads", "2")
    try:
        target = url + "/sparql?query=ASK%20%7B%7D"
        with urllib.request.urlopen(target, timeout=30) as response:
            tag = response.headers["ETag"]
            assert response.status == 200 and tag
        conditional = urllib.request.Request(target, headers={"If-None-Match": tag})
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(conditional, timeout=30)
        assert raised.value.code == 304
        assert raised.value.headers["ETag"] == tag
    finally:
        stop_server(process)
