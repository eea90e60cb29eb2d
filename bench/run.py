"""Run every benchmark, one after the other, and print their tables.

    python bench/run.py [build|endpoint|shacl|validate|scan ...]

Each benchmark is its own script with its own options (see its docstring); this runs them
with their defaults. Benchmarks are never part of the test suite: timings on a shared CI
machine are not a pass/fail signal.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {
    "build": HERE / "bench_build.py",  # cold `cartkg build`, goal < 10 s
    "endpoint": HERE / "bench_endpoint.py",  # this endpoint vs `oxigraph serve-read-only`
    "shacl": HERE / "bench_shacl.py",  # 1M triples: fast engine (and pySHACL with a flag)
    "validate": HERE / "bench_validate.py",  # 1M triples: `cartkg validate` end to end
    "scan": HERE / "bench_scan.py",  # the server's query scan on 1 MB of hostile text
}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    failed = 0
    for name in names or list(BENCHMARKS):
        print(f"\n=== {name}: {BENCHMARKS[name].name}", flush=True)
        failed |= subprocess.run([sys.executable, str(BENCHMARKS[name])], check=False).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
