"""Cold end-to-end `cartkg build` timing: N fresh processes, median per stage and in total.

    python bench/bench_build.py [--runs 5] [--project DIR]

Goal: a build of the project's data in under 10 s on 2 cores. Each run is a new Python
process (imports, JVM start-up and all) writing to a fresh temporary release folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 10.0
ROOT = Path(__file__).resolve().parent.parent


def one_build(project: Path, release: Path) -> tuple[float, dict[str, float]]:
    command = [
        sys.executable,
        "-m",
        "cartkg.cli",
        "--project",
        str(project),
        "build",
        "--release-dir",
        str(release),
        "--timings",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    total = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stderr}")
    stages = {}
    for line in done.stderr.splitlines():
        tag, _, rest = line.partition("\t")
        if tag == "timing":
            stage, _, seconds = rest.partition("\t")
            stages[stage] = float(seconds)
    return total, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", type=Path, default=ROOT)
    args = parser.parse_args()
    totals: list[float] = []
    per_stage: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="cartkg-bench-") as tmp:
        for run in range(args.runs):
            total, stages = one_build(args.project, Path(tmp) / f"release-{run}")
            totals.append(total)
            for stage, seconds in stages.items():
                per_stage.setdefault(stage, []).append(seconds)
            print(f"run {run + 1}/{args.runs}: {total:.2f} s", file=sys.stderr)
    accounted = sum(statistics.median(v) for v in per_stage.values())
    median = statistics.median(totals)
    print(f"cold `cartkg build`, {args.runs} runs, {os.cpu_count()} CPUs, median seconds\n")
    print(f"| {'stage':<34} | {'median s':>8} |")
    print(f"|{'-' * 36}|{'-' * 10}|")
    for stage, values in per_stage.items():
        print(f"| {stage:<34} | {statistics.median(values):>8.2f} |")
    print(f"| {'start-up, imports, other':<34} | {median - accounted:>8.2f} |")
    print(f"| {'total (min ' + format(min(totals), '.2f') + ')':<34} | {median:>8.2f} |")
    verdict = "meets" if median < GOAL_S else "MISSES"
    print(f"\n{verdict} the goal of {GOAL_S:.0f} s")


if __name__ == "__main__":
    main()
