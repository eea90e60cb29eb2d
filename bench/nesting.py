"""Where pyoxigraph's parser overflows the stack: the smallest depth or chain length, per
shape, at which a fresh process running the query dies (a worker runs queries the same way,
in its main thread). The lexer's MAX_NESTING stays well below the smallest of these.

    python bench/nesting.py [shape ...]
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

SHAPES: dict[str, Callable[[int], str]] = {
    "nested braces": lambda n: "SELECT * " + "{" * n + "}" * n,
    "nested parentheses": lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "nested OPTIONAL": lambda n: "SELECT * {" + "OPTIONAL {" * n + "}" * n + "}",
    "nested sub-selects": lambda n: "SELECT * " + "{ SELECT * " * n + "{}" + "}" * n,
    "|| chain": lambda n: "ASK { FILTER(" + " || ".join(["1=1"] * n) + ") }",
    "+ chain": lambda n: "ASK { FILTER(" + " + ".join(["1"] * n) + " > 0) }",
    "! chain": lambda n: "ASK { FILTER(" + "!" * n + "true) }",
    "UNION chain": lambda n: "SELECT * {" + " UNION ".join(["{}"] * n) + "}",
    "OPTIONAL in a row": lambda n: "SELECT * {" + "OPTIONAL{}" * n + "}",
    "MINUS in a row": lambda n: "SELECT * {" + "MINUS{?s ?p ?o}" * n + "}",
    "BIND in a row": lambda n: "SELECT * {" + "".join(f"BIND(1 AS ?v{i})" for i in range(n)) + "}",
    "FILTER in a row": lambda n: "SELECT * {" + "FILTER(true)" * n + "}",
    "nested path": lambda n: "ASK { ?s " + "(" * n + "<p>" + ")" * n + " ?o }",
}
RUN = """
import sys, pyoxigraph as ox
try:
    result = ox.Store().query(sys.stdin.read())
    bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
except Exception:
    pass
"""
LIMIT = 1 << 20


def survives(query: str) -> bool:
    child = subprocess.run([sys.executable, "-c", RUN], input=query.encode(), capture_output=True)
    return child.returncode == 0


def threshold(make: Callable[[int], str]) -> tuple[int, int] | None:
    """(last size that ran, first that crashed), to 2 %; None if nothing up to LIMIT crashed."""
    good, bad = 1, 2
    while survives(make(bad)):
        good, bad = bad, bad * 2
        if bad > LIMIT:
            return None
    while bad - good > max(1, good // 50):
        middle = (good + bad) // 2
        if survives(make(middle)):
            good = middle
        else:
            bad = middle
    return good, bad


def main() -> None:
    for name in sys.argv[1:] or SHAPES:
        found = threshold(SHAPES[name])
        if found is None:
            where = f"no crash up to {LIMIT}"
        else:
            where = f"ran {found[0]}, crashed {found[1]}"
        print(f"{name:22} {where}", flush=True)


if __name__ == "__main__":
    main()
