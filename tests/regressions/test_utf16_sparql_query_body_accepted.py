"""A direct POST of `application/sparql-query; charset=UTF-16` with a UTF-16 body was answered
200: the body was decoded with whatever charset the request named. The media type is UTF-8
only, and the W3C protocol test `bad_query_non_utf8` expects 4xx (clients review 2026-12,
section 1, "Why cartkg fails each test", `bad_query_non_utf8`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app

ASK = "ASK { }"


@pytest.fixture(scope="module")
def client(server_release: Path):  # type: ignore[no-untyped-def]
    app = make_app(server_release, pool_size=1)
    yield app.test_client()
    close_app(app)


def test_a_utf16_body_is_refused_with_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/sparql",
        data=ASK.encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_a_body_that_is_not_utf8_is_refused_without_a_charset_too(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/sparql", data=ASK.encode("utf-16"), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("charset", ["", "; charset=utf-8", "; charset=UTF-8"])
def test_utf8_bodies_are_still_answered(client, charset: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/sparql",
        data=ASK.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query" + charset},
    )
    assert response.status_code == 200
