"""Reliability review 2026-12, area 6 row "page=² and page= with 5,000 digits" and ranked
failure 15: both gave 500 on the API and on the HTML page (`str.isdigit()` takes "²", which
`int()` refuses; `int()` also refuses more than 4,300 digits). They must get 400 naming the
parameter.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app

BAD = ["²", "٣", "1" * 5000, "0", "-1", "1.5", " 1"]


@pytest.fixture(scope="module")
def client(server_release: Path) -> Iterator[object]:
    app = make_app(server_release)
    yield app.test_client()
    close_app(app)


@pytest.mark.parametrize("page", BAD, ids=lambda p: p if len(p) < 10 else f"{len(p)} digits")
def test_a_bad_page_number_is_a_400_naming_the_parameter(client, page: str) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/labels_paged", query_string={"page": page})
    assert api.status_code == 400 and "parameter 'page'" in api.json["error"]
    html = client.get(
        "/queries/labels_paged", query_string={"page": page}, headers={"Accept": "text/html"}
    )
    assert html.status_code == 400 and "parameter &#39;page&#39;" in html.text


def test_a_good_page_number_is_served(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/labels_paged", query_string={"page": "2"}).status_code == 200
    assert client.get("/queries/labels_paged", query_string={"page": "2"}).status_code == 200
