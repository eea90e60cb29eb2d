"""CORS: a page on another origin may query the endpoint, with the request headers it likes
(a custom one, or Authorization for a proxy in front), but never with credentials (clients
review 2026-12, section 2, YASGUI: "a request with a custom header fails its CORS preflight")."""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import close_app, make_app, start_server, stop_server

ASK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def client(server_release: Path):  # type: ignore[no-untyped-def]
    app = make_app(server_release, pool_size=1)
    yield app.test_client()
    close_app(app)


def preflight(client, path: str, method: str, headers: str | None):  # type: ignore[no-untyped-def]
    sent = {"Origin": "http://other.example", "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent)


@pytest.mark.parametrize("path", ["/sparql", "/api/labels_paged"])
def test_a_preflight_allows_the_headers_it_asks_for(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = preflight(client, path, "POST", "x-client, authorization,content-type")
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"x-client", "authorization", "content-type", "accept"} <= allowed
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "POST", "OPTIONS"}
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Access-Control-Request-Headers" in response.vary


def test_a_preflight_without_requested_headers_allows_the_safelisted_ones(client) -> None:  # type: ignore[no-untyped-def]
    response = preflight(client, "/sparql", "GET", None)
    assert response.headers["Access-Control-Allow-Headers"] == "Accept, Content-Type"


def test_names_that_are_not_header_names_are_not_echoed(client) -> None:  # type: ignore[no-untyped-def]
    response = preflight(client, "/sparql", "POST", "x-ok, bad name, x;y, <script>")
    assert response.headers["Access-Control-Allow-Headers"] == "Accept, Content-Type, x-ok"


def test_the_actual_request_carries_the_origin_header_and_no_credentials(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql",
        query_string={"query": ASK},
        headers={"Origin": "http://other.example", "X-Client": "test"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


# A real browser: a page on another origin fetches from the endpoint with a custom header.

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>other origin</title><p>client page</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def endpoint(server_release: Path) -> Iterator[str]:
    process, url = start_server(server_release, "--workers", "1", "--threads", "2")
    yield url
    stop_server(process)


FETCH = """
const [url, done] = arguments;
const body = new URLSearchParams({query: %r});
fetch(url, {method: "POST", body, headers: {"X-Client": "cartkg-test",
            "Accept": "application/sparql-results+json"}})
  .then(async r => done({status: r.status, body: await r.text()}))
  .catch(e => done({error: String(e)}));
"""


@pytest.mark.slow
@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="headless Chromium is not installed")
def test_chromium_fetches_with_a_custom_header_from_another_origin(
    endpoint: str, other_origin: str
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    profile = tempfile.mkdtemp(prefix="cartkg-chromium-")
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
    ]:
        options.add_argument(flag)  # fmt: skip
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        driver.set_script_timeout(30)
        driver.get(other_origin + "/")
        result = driver.execute_async_script(FETCH % ASK, endpoint + "/sparql")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    assert result.get("status") == 200, result
    assert '"boolean":true' in result["body"].replace(" ", "")
