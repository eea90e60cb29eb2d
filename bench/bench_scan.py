"""CPU time of the server's query scan (`safety.check`) on 1 MB of hostile shapes.

    python bench/bench_scan.py

Goal (issue 9): under 100 ms of CPU for each shape the reliability review found quadratic,
and linear time for every input. Token-dense text costs most, about 1 us per token.
"""

from __future__ import annotations

import time

from cartkg.server.safety import Refused, check

MB = 1_000_000
SHAPES = {
    '"\\ repeated': '"\\' * (MB // 2),
    "a.a.a...": "a." * (MB // 2),
    "one long comment": "#" + "x" * MB,
    "comments ended by CR": "# x\r" * (MB // 4),
    "huge string": 'ASK { FILTER("' + "x" * MB + '") }',
    "nested braces": "{" * MB,
    "nested parentheses": "ASK { FILTER(" + "(" * MB,
    # token-dense: the slowest per byte
    "?a ?a ?a ...": "?a " * (MB // 3),
    "a a a ...": "a " * (MB // 2),
    "{}{}{}...": "ASK {" + "{}" * (MB // 2) + "}",
}


def main() -> None:
    check("ASK { ?service ?p ?o }", allow_list=(), max_bytes=2 * MB)  # imports, compiled regexes
    for name, text in SHAPES.items():
        start = time.process_time()
        try:
            check(text, allow_list=(), max_bytes=2 * MB)
            outcome = "accepted"
        except Refused as err:
            outcome = f"{err.status}"
        ms = (time.process_time() - start) * 1000
        print(f"{name:24} {len(text) / MB:4.1f} MB {ms:8.1f} ms CPU  {outcome}")


if __name__ == "__main__":
    main()
