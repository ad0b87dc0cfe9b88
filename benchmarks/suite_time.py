#!/usr/bin/env python3
"""How long `python -m pytest` takes, and where the time goes, against the suite's budget.

    python benchmarks/suite_time.py [--budget 90]

Runs the whole suite once (as CI does, in this environment), reads pytest's per-test durations, and prints
the time of each part (unit tests, exercise re-executions, each notebook under nbval) as a share of the total,
and the total as a share of the budget. Exits 1 when the total exceeds the budget. A measurement, not a test:
the unit tests never time anything.
"""
import argparse
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^([\d.]+)s (setup|call|teardown)\s+(.+)$")


def part_of(path):
    if path.startswith("notebooks/"):
        return f"nbval {path}"
    if path == "tests/test_exercises.py":
        return "notebooks re-executed (solutions, panel sweep)"
    return "unit and project tests (tests/)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=90.0, help="seconds the whole suite may take")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--durations=0", "--durations-min=0"],
        cwd=ROOT, capture_output=True, text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:])
        print("the suite failed; timings of a failing run mean nothing")
        return 1

    parts = defaultdict(float)
    for line in done.stdout.splitlines():
        match = LINE.match(line.strip())
        if match:
            seconds, _, item = match.groups()
            parts[part_of(item.split("::")[0])] += float(seconds)
    counted = sum(parts.values())
    summary = done.stdout.strip().splitlines()[-1]

    print(f"{'part of the suite':<52}{'seconds':>9}{'share':>8}")
    for name, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{name:<52}{seconds:9.1f}{seconds / wall:8.0%}")
    print(f"{'start-up, collection, kernel starts not in a test':<52}{wall - counted:9.1f}{(wall - counted) / wall:8.0%}")
    print(f"{'total wall time':<52}{wall:9.1f}")
    print(f"budget {args.budget:.0f} s: the suite takes {wall / args.budget:.0%} of it ({summary})")
    return 0 if wall <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
