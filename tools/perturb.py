#!/usr/bin/env python3
"""The same numbers on every machine: run the tests again on other floating-point machinery, and compare.

    python tools/perturb.py                          every context below, one after the other
    python tools/perturb.py haswell sandybridge      some of them
    python tools/perturb.py lowest -- notebooks      pytest's arguments after "--" (default: the whole suite)
    python tools/perturb.py --list                   the contexts and what each changes

nbval compares every notebook's outputs with the committed ones, which were made on one machine. A teacher's
machine computes the same formulas with other instructions: OpenBLAS picks its matrix kernels by CPU, numpy picks
the SIMD loops of exp, log, ... by CPU (AVX-512 or AVX2 or SSE: results differ in the last bit), and an older numpy
or matplotlib has other loops again. A printed number that differs under these is round-off printed with its
digits, or a verdict on a knife edge. Each context runs the README's test command, `python -m pytest`, with:

  haswell      a laptop with AVX2 and FMA and no AVX-512: OpenBLAS's Haswell kernels (OPENBLAS_CORETYPE), numpy's
               loops without AVX-512 (NPY_DISABLE_CPU_FEATURES), PyTorch's AVX2 kernels (ATEN_CPU_CAPABILITY), and
               BLAS threads on every core (OPENBLAS_NUM_THREADS; the suite's default is one)
  sandybridge  an older machine with AVX and no FMA: OpenBLAS's Sandybridge kernels, numpy's loops without AVX2,
               FMA or AVX-512, PyTorch's portable kernels, one BLAS thread
  lowest       a fresh virtual environment (under build/) with the lowest version of every dependency pyproject
               allows (pinned from its ">=" bounds), this machine's own kernels

Exits 1 if any context fails; prints one summary line per context. `.ci/run` runs every context after the main
suite. The CPU features a context turns off must be ones this machine has (it can only emulate older machines).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "perturb"

# numpy's dispatched CPU features to turn off, by how old the emulated machine is (names of numpy 1.x and 2.x)
NO_AVX512 = ("AVX512", "X86_V4")
NO_AVX2 = NO_AVX512 + ("AVX2", "FMA3", "X86_V3")

CONTEXTS = {
    "haswell": dict(openblas="Haswell", numpy_off=NO_AVX512, torch="avx2", threads="all",
                    about="OpenBLAS Haswell kernels, numpy without AVX-512, PyTorch AVX2, BLAS on every core"),
    "sandybridge": dict(openblas="Sandybridge", numpy_off=NO_AVX2, torch="default", threads="1",
                        about="OpenBLAS Sandybridge kernels, numpy without AVX2/FMA/AVX-512, one BLAS thread"),
    "lowest": dict(venv=True, about="the lowest versions pyproject allows, in a fresh virtual environment"),
}

FEATURES = """
import json
try:
    from numpy._core._multiarray_umath import __cpu_dispatch__ as dispatch, __cpu_features__ as found
except ImportError:
    from numpy.core._multiarray_umath import __cpu_dispatch__ as dispatch, __cpu_features__ as found
print(json.dumps([name for name in dispatch if found.get(name)]))
"""


def lowest_pins(pyproject: Path = ROOT / "pyproject.toml", extras=("test",)) -> list[str]:
    """`name==version` for every `name>=version` among the dependencies and the given extras."""
    import tomllib

    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = []
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9.]*)", requirement.strip())
        if match:
            pins.append(f"{match[1]}=={match[2]}")
    return pins


def numpy_features_off(python: str, prefixes) -> str:
    """The dispatched numpy features this machine has whose names start with one of `prefixes`."""
    found = json.loads(subprocess.run([python, "-c", FEATURES], check=True, capture_output=True, text=True).stdout)
    return " ".join(name for name in found if name.startswith(tuple(prefixes)))


def lowest_python() -> str:
    """A fresh venv with the lowest versions; returns its python. The venv is reused while pyproject is unchanged."""
    venv = BUILD / "lowest-venv"
    pins = lowest_pins()
    stamp = venv / "grok-pins.txt"
    python = str(venv / "bin" / "python")
    if stamp.exists() and stamp.read_text() == "\n".join(pins):
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    constraints = BUILD / "lowest-constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    print(f"perturb: installing the lowest versions ({', '.join(pins)})", flush=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "-c", str(constraints), "-e", f"{ROOT}[test]"], check=True)
    stamp.write_text("\n".join(pins))
    return python


SET = ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "ATEN_CPU_CAPABILITY", "OPENBLAS_NUM_THREADS")


def environment(name: str, python: str) -> dict[str, str]:
    context = CONTEXTS[name]
    env = dict(os.environ)
    if "openblas" in context:
        env["OPENBLAS_CORETYPE"] = context["openblas"]
        env["NPY_DISABLE_CPU_FEATURES"] = numpy_features_off(python, context["numpy_off"])
        env["ATEN_CPU_CAPABILITY"] = context["torch"]
        threads = str(os.cpu_count() or 1) if context["threads"] == "all" else context["threads"]
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = threads
    return env


def run(name: str, pytest_args: list[str]) -> tuple[bool, str]:
    python = lowest_python() if CONTEXTS[name].get("venv") else sys.executable
    env = environment(name, python)
    print(f"perturb: {name}: {CONTEXTS[name]['about']}", flush=True)
    if "openblas" in CONTEXTS[name]:
        print("perturb:   " + " ".join(f"{k}={env[k]!r}" for k in SET), flush=True)
    started = time.perf_counter()
    done = subprocess.run([python, "-m", "pytest", "-q", *pytest_args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else "(no output)"
    if done.returncode != 0:
        sys.stdout.write(done.stdout[-20000:])
        sys.stderr.write(done.stderr[-5000:])
    return done.returncode == 0, f"{name:<12} {'passed' if done.returncode == 0 else 'FAILED':<7} {seconds:6.0f} s  {summary}"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ours, pytest_args = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("contexts", nargs="*", metavar="context", help=f"any of {', '.join(CONTEXTS)} (default: all)")
    parser.add_argument("--list", action="store_true", help="list the contexts and exit")
    args = parser.parse_args(ours)
    unknown = [name for name in args.contexts if name not in CONTEXTS]
    if unknown:
        parser.error(f"unknown context {unknown[0]!r}: choose from {', '.join(CONTEXTS)}")
    if args.list:
        for name, context in CONTEXTS.items():
            print(f"{name:<12} {context['about']}")
        return 0
    results = [run(name, pytest_args) for name in (args.contexts or CONTEXTS)]
    print("\n".join(["perturb: summary", *(line for _, line in results)]))
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
