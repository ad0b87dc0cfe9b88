#!/usr/bin/env python3
"""The series as graded assignments: an nbgrader course made from the notebooks.

    python tools/teach.py nbgrader COURSE_DIR                   every notebook with exercises
    python tools/teach.py nbgrader COURSE_DIR 03 07             some of them (by number; "A" for the appendix)

writes COURSE_DIR/nbgrader_config.py and COURSE_DIR/source/NN_topic/ for each notebook: the notebook as an
nbgrader source notebook, beside a copy of its checks (notebooks/checks, the package its check cells import) and
grading.py (the hidden tests' helper). Then, in COURSE_DIR, `nbgrader generate_assignment NN_topic` writes the
student edition to release/NN_topic/ and `nbgrader autograde NN_topic` grades submitted/STUDENT/NN_topic/ (see
the README's section for teachers). The notebooks in notebooks/ are not changed: a self-learner reads them as
they are.

How a notebook becomes an assignment:

- Each exercise cell (tagged "exercise", `exercise_1 = None  # a number`) becomes an nbgrader solution cell:
  its line stays, and the folded solution of the cell tagged "solution" follows it between `### BEGIN SOLUTION`
  and `### END SOLUTION`, its explanation as comments. The released notebook keeps `exercise_1 = None` and a
  `# YOUR CODE HERE` line (nbgrader_config.py sets that stub instead of nbgrader's `raise NotImplementedError()`),
  so it runs top to bottom and each check says "not answered yet", as the self-learner's edition does.
  The Markdown solution cells are left out: their text is in the solution region.
- Each check cell (`print(check(k, answer))`) becomes an autograded test cell, locked, worth POINTS points. The
  student sees it as it is in the series (it prints what the check says, and never fails); its test is hidden
  (`### BEGIN HIDDEN TESTS`): an assert that the check says "correct", which nbgrader puts back when it
  autogrades. A check that runs the learner's code on random inputs (its notebooks/checks module draws them from
  np.random.default_rng) is worth more, and its hidden test also runs the check on inputs drawn from other seeds
  (grading.on_other_inputs), so an answer fitted to the inputs the student's check tried does not pass.
- Every other cell is locked (read-only; nbgrader checksums it, and `nbgrader autograde` puts a changed locked
  cell back as the teacher wrote it and logs the change).
- Outputs and the stored widget state are dropped (the source notebooks are executed by nbgrader, not read).
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHECKS = NOTEBOOKS / "checks"

# What holds only in a copy of the repository, and what the course edition does instead: notebook 00's set-up check
# compares the nnlib imported with the repository's nnlib/ beside notebooks/, which a course does not have (its
# environment installs nnlib). {notebook file: [(regular expression, replacement)]}; each must match once.
COURSE_EDITION = {
    "00_welcome.ipynb": [(
        r"# The nnlib you import must be this folder's nnlib.*?problems\.append\(\"the nnlib imported is not this "
        r"folder's[^\n]*\n",
        '# In the course, nnlib is what the course\'s environment installs.\nprint(f"nnlib {nnlib.__version__}")\n')],
}
POINTS = {"answer": 1, "code": 2}  # a number or short answer; code checked on random inputs (+ hidden tests)
OTHER_SEEDS = 3  # the hidden tests run a code check again on inputs drawn from this many other seeds
CHECK_CALL = re.compile(r"print\(check\((\d+), (.+)\)\)")
FENCE = re.compile(r"```python\n(.*?)```", re.S)

CONFIG = '''\
"""nbgrader's settings for the grok-nn course (written by `python tools/teach.py nbgrader`)."""
c = get_config()  # noqa: F821 (nbgrader defines it)

c.CourseDirectory.course_id = "grok-nn"
# A released answer cell keeps its "exercise_1 = None" line and gets this comment where the solution was, so the
# student's notebook runs top to bottom and each check says "not answered yet" (nbgrader's default stub raises
# NotImplementedError, which would stop it at the first exercise).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
# Some notebooks train networks in a cell: more than nbgrader's default 30 s on a slow or busy machine.
c.Execute.timeout = 600
'''

GRADING = '''\
"""The hidden tests' helper (written by `python tools/teach.py nbgrader`): a check again, on other random inputs.

A check of code in checks/ draws its inputs from np.random.default_rng(seed), with seeds fixed in its module, so
the visible test cell always tries the same inputs. on_other_inputs runs the same check with every seed its module
draws from replaced by another one (a SeedSequence of the seed and a salt), for salts 1, 2, ...: only the check's
own draws change; nnlib and the learner's code draw as they always do.
"""
import importlib

import numpy as np

from checks import exercises


class _Random:
    def __init__(self, salt):
        self.salt = salt

    def default_rng(self, seed=None):
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            return np.random.default_rng([int(seed), self.salt])
        return np.random.default_rng(seed)

    def __getattr__(self, name):
        return getattr(np.random, name)


class _Numpy:
    """numpy, except that np.random.default_rng(seed) draws from another seed."""

    def __init__(self, salt):
        self.random = _Random(salt)

    def __getattr__(self, name):
        return getattr(np, name)


def on_other_inputs(notebook, k, answer, salts=(%s)):
    """What notebook's check of exercise k says of answer on the inputs of each salt: the first text that is not
    "correct", else the last one."""
    check = exercises(notebook)
    module = importlib.import_module("checks." + ("appendix" if notebook == "appendix" else "nb" + notebook))
    said = None
    for salt in salts:
        module.np = _Numpy(salt)
        try:
            said = check(k, answer)
        finally:
            module.np = np
        if not said.startswith(f"Exercise {k}: correct"):
            return f"{said} (on other random inputs, salt {salt})"
    return said
''' % ", ".join(str(salt) for salt in range(1, OTHER_SEEDS + 1))


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def notebook_key(path: Path) -> str:
    """What a notebook's checks are filed under: "03" for 03_activations.ipynb, "appendix" for the appendix."""
    return "appendix" if path.parent.name == "appendix" else path.name[:2]


def assignment_name(path: Path) -> str:
    """The assignment's folder: the notebook's own name (03_activations), the appendix's prefixed (A_front_end)."""
    return ("A_" if path.parent.name == "appendix" else "") + path.stem


def random_checks(notebook: str) -> set[int]:
    """The exercises whose check, registered with @register(notebook, k) in its module, draws random inputs from
    np.random.default_rng: in its own body or in a module-level function it calls (at any depth)."""
    module = CHECKS / ("appendix.py" if notebook == "appendix" else f"nb{notebook}.py")
    tree = ast.parse(module.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}

    def draws(node, seen):
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr == "default_rng":
                return True
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in functions \
                    and sub.func.id not in seen:
                if draws(functions[sub.func.id], seen | {sub.func.id}):
                    return True
        return False

    found = set()
    for function in functions.values():
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "register" \
                    and [getattr(a, "value", None) for a in decorator.args][:1] == [notebook]:
                k = decorator.args[1].value
                if isinstance(k, int) and draws(function, {function.name}):
                    found.add(k)
    return found


def solution_region(solution_markdown: str) -> str:
    """The solution's explanation as comments, then its code: what goes between BEGIN and END SOLUTION."""
    blocks = FENCE.findall(solution_markdown)
    if len(blocks) != 1:
        raise ValueError(f"a solution holds exactly one ```python block; found {len(blocks)}")
    prose = FENCE.sub("", solution_markdown)
    prose = re.sub(r"</?details>|<summary>.*?</summary>", "", prose)
    comments = [("# " + line.rstrip()).rstrip() for line in prose.strip().splitlines()]
    comments = [line for i, line in enumerate(comments) if line != "#" or (i and comments[i - 1] != "#")]
    return "\n".join([*comments, blocks[0].rstrip("\n")]).strip("\n")


def nbgrader_meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if grade:
        meta["points"] = points
    return meta


def assignment_notebook(path: Path) -> dict:
    """The notebook at path as an nbgrader source notebook (see the module's docstring)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    notebook = notebook_key(path)
    exercises = [c for c in nb["cells"] if "exercise" in tags(c)]
    checks = [c for c in nb["cells"] if "check" in tags(c)]
    solutions = [c for c in nb["cells"] if "solution" in tags(c)]
    if not (len(exercises) == len(checks) == len(solutions) >= 1):
        raise ValueError(f"{path.name}: {len(exercises)} exercise, {len(checks)} check and {len(solutions)} "
                         f"solution cells; expected as many of each")
    randomized = random_checks(notebook)
    number = {id(cell): k for cells in (exercises, checks) for k, cell in enumerate(cells, start=1)}
    cells, adapted = [], []
    for index, original in enumerate(nb["cells"]):
        if "solution" in tags(original):
            continue  # its text is in the exercise's solution region
        cell = {key: value for key, value in original.items() if key not in ("outputs", "execution_count")}
        cell["metadata"] = dict(cell.get("metadata", {}))
        text = source(cell)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if "exercise" in tags(cell):
            k = number[id(original)]
            cell["source"] = (text.rstrip("\n") + "\n### BEGIN SOLUTION\n" + solution_region(source(solutions[k - 1]))
                              + "\n### END SOLUTION")
            cell["metadata"]["nbgrader"] = nbgrader_meta(f"exercise_{k}", solution=True)
        elif "check" in tags(cell):
            match = CHECK_CALL.fullmatch(text.strip())
            if not match:
                raise ValueError(f"{path.name}: a check cell is one line, print(check(k, answer)); found {text!r}")
            k, answer = int(match[1]), match[2]
            if k != number[id(original)]:
                raise ValueError(f"{path.name}: check cell {number[id(original)]} checks exercise {k}")
            lines = [text.strip(), "### BEGIN HIDDEN TESTS",
                     f"said = check({k}, {answer})",
                     f'assert said.startswith("Exercise {k}: correct"), said']
            points = POINTS["answer"]
            if k in randomized:
                points = POINTS["code"]
                lines += ["from grading import on_other_inputs",
                          "",
                          f'said = on_other_inputs("{notebook}", {k}, {answer})',
                          f'assert said.startswith("Exercise {k}: correct"), said']
            lines.append("### END HIDDEN TESTS")
            cell["source"] = "\n".join(lines)
            cell["metadata"]["nbgrader"] = nbgrader_meta(f"check_{k}", grade=True, locked=True, points=points)
        else:
            cell["metadata"]["nbgrader"] = nbgrader_meta(f"cell_{index:03d}", locked=True)
            for pattern, replacement in COURSE_EDITION.get(path.name, []):
                if re.search(pattern, text, re.S):
                    cell["source"], found = re.subn(pattern, lambda _: replacement, text, flags=re.S)
                    adapted.append(found)
        cells.append(cell)
    if adapted != [1] * len(COURSE_EDITION.get(path.name, [])):
        raise ValueError(f"{path.name}: the course edition's replacements (COURSE_EDITION) matched {adapted} times; "
                         f"each must match once: the notebook changed, update tools/teach.py")
    metadata = {key: value for key, value in nb["metadata"].items() if key != "widgets"}
    return {**nb, "metadata": metadata, "cells": cells}


def notebooks_with_exercises() -> list[Path]:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("appendix/*.ipynb"))
    return [path for path in paths if '"exercise"' in path.read_text(encoding="utf-8")]


def write_course(course: Path, which=None) -> list[str]:
    """Write the nbgrader course (nbgrader_config.py, unless there is one, and source/) to `course`; which:
    notebook numbers ("03", "A") or None for all. Returns the assignments written. An assignment's folder in source/
    is replaced whole."""
    paths = notebooks_with_exercises()
    if which:
        unknown = set(which) - {("A" if p.parent.name == "appendix" else p.name[:2]) for p in paths}
        if unknown:
            raise ValueError(f"no notebook with exercises numbered {', '.join(sorted(unknown))}")
        paths = [p for p in paths if ("A" if p.parent.name == "appendix" else p.name[:2]) in which]
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    if not config.exists():  # a teacher's own settings (exchange, course id) are kept when the course is written again
        config.write_text(CONFIG, encoding="utf-8")
    written = []
    for path in paths:
        folder = course / "source" / assignment_name(path)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        target = folder / path.name
        target.write_text(json.dumps(assignment_notebook(path), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        shutil.copytree(CHECKS, folder / "checks", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (folder / "grading.py").write_text(GRADING, encoding="utf-8")
        written.append(assignment_name(path))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("nbgrader", help="write an nbgrader course: nbgrader_config.py and source/")
    make.add_argument("course", type=Path, help="the course directory (created if missing)")
    make.add_argument("notebooks", nargs="*", help="notebook numbers (03, A for the appendix); default: all")
    args = parser.parse_args(argv)
    try:
        written = write_course(args.course, args.notebooks or None)
    except ValueError as error:
        parser.error(str(error))
    print(f"{args.course}: nbgrader_config.py and source/ with {len(written)} assignments: {', '.join(written)}")
    print(f"next, in {args.course}: nbgrader generate_assignment NAME (the student edition, in release/NAME/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
