"""Reliability review 2026-12, ranked failure 13 (section 1, "100,000 nested groups"): deep
nesting, or a 140 KB `FILTER(1=1 || ...)` chain, segfaulted a query worker in pyoxigraph's
recursive parser; the client got 500 "out of memory?" and the worker had to be replaced.

Now the scan measures the nesting and refuses past MAX_NESTING with 400 naming the limit, so
no worker dies; queries just inside the limit run (pyoxigraph overflows far above it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "server"))
from server_support import close_app, make_app

#: The limit documented in server/README.md (cartkg.sparqllex.MAX_NESTING).
MAX_NESTING = 1000
JSON = {"Accept": "application/sparql-results+json"}
CHAINS = "1=1"
for _ in range(60):  # 60 levels of 30 operators each: fine apart, too deep together
    CHAINS = "(" + CHAINS + " || 1=1" * 30 + ")"
TOO_DEEP = {
    "groups": "SELECT * " + "{" * 100_000 + "}" * 100_000,
    "parentheses": "ASK { FILTER(" + "(" * 100_000 + "1" + ")" * 100_000 + ") }",
    "or-chain": "ASK { FILTER(" + " || ".join(["1=1"] * 20_000) + ") }",
    "sub-selects": "SELECT * " + "{ SELECT * " * 50_000 + "{}" + "}" * 50_000,
    "binds": "SELECT * {" + "".join(f"BIND({i} AS ?v{i})" for i in range(5_000)) + "}",
    "chains-in-chains": "ASK { FILTER" + CHAINS + " }",
}
n = MAX_NESTING - 10
INSIDE = {
    "groups": "SELECT * " + "{" * n + "}" * n,
    "or-chain": "ASK { FILTER(" + " || ".join(["1=1"] * (n // 2)) + ") }",
    "binds": "SELECT * {" + "".join(f"BIND({i} AS ?v{i})" for i in range(n - 2)) + "}",
    "optionals": "SELECT * {" + "OPTIONAL {" * (n // 2) + "}" * (n // 2) + "}",
}


@pytest.fixture(scope="module")
def app(server_release: Path) -> Iterator[Any]:
    application = make_app(server_release, pool_size=1, timeout=30.0)
    yield application
    close_app(application)


def workers(app: Any) -> set[int]:
    return {w.process.pid for w in app.extensions["cartkg"].pool._all}


@pytest.mark.parametrize("shape", TOO_DEEP)
def test_too_deep_is_refused_and_no_worker_dies(app: Any, shape: str) -> None:
    before = workers(app)
    response = app.test_client().post("/sparql", data={"query": TOO_DEEP[shape]}, headers=JSON)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert f"at most {MAX_NESTING}" in response.get_data(as_text=True)
    assert app.test_client().get("/health").status_code == 200
    assert workers(app) == before


@pytest.mark.parametrize("shape", INSIDE)
def test_just_inside_the_limit_runs(app: Any, shape: str) -> None:
    before = workers(app)
    response = app.test_client().post("/sparql", data={"query": INSIDE[shape]}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert workers(app) == before


SMALL_STACK = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_STACK, (1 << 20, resource.getrlimit(resource.RLIMIT_STACK)[1]))
from cartkg.server.execution import Pool
from cartkg.server.jobs import Job, QueryError
pool = Pool(Path(sys.argv[1]), {}, size=1, timeout=30)
assert pool.wait_ready(60), pool.failure
try:
    pool.run(Job(sys.stdin.read(), raw=True))
    print("answered")
except QueryError as err:
    print(err.status, err.message)
pool.close()
"""


def test_inside_the_limit_runs_under_a_small_stack_limit(server_release: Path) -> None:
    """A server started with `ulimit -S -s 1024` still gives its workers the stack that the
    limit was measured with."""
    import subprocess

    child = subprocess.run(
        [sys.executable, "-c", SMALL_STACK, str(server_release)],
        input=INSIDE["groups"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout.strip() == "answered", child.stdout + child.stderr[-500:]
