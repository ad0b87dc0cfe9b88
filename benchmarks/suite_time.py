#!/usr/bin/env python3
"""How long `python -m pytest` takes, and where the time goes, against the suite's budget.

    python benchmarks/suite_time.py [--budget 120]

Runs the whole suite once (as CI does, in this environment: one pytest-xdist worker per core), reads pytest's
per-test durations, and prints the time of each part (unit tests, each notebook under nbval, the exercise and
panel checks run in each notebook's kernel after it) as a share of the work, then the wall time against the
budget (issue 18: 120 s on a 2-core machine). The work is the sum of the tests' durations; with several workers
it exceeds the wall time. Exits 1 when the wall time exceeds the budget. A measurement, not a test: the unit
tests never time anything.
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


def part_of(item):
    path, _, name = item.partition("::")
    if name in ("exercises solved", "every panel control"):
        return f"exercise and panel checks ({name})"
    if path.startswith("notebooks/"):
        return f"nbval {path}"
    return "unit and project tests (tests/)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds the whole suite may take")
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
            parts[part_of(item)] += float(seconds)
    counted = sum(parts.values())
    summary = done.stdout.strip().splitlines()[-1]

    print(f"{'part of the suite':<56}{'seconds':>9}{'share':>8}")
    for name, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{name:<56}{seconds:9.1f}{seconds / counted:8.0%}")
    work = "work (the sum of the tests' durations)"
    print(f"{work:<56}{counted:9.1f}")
    print(f"{'wall time':<56}{wall:9.1f}   ({counted / wall:.2f}x parallel)")
    print(f"budget {args.budget:.0f} s: the suite takes {wall / args.budget:.0%} of it ({summary})")
    return 0 if wall <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
