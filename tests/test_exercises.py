"""The worked solutions of every notebook's exercises pass the notebook's own checks.

The committed notebooks show "not answered yet" under each exercise (nbval compares that). Here each
exercise cell is replaced by the code of its folded solution and the whole notebook is executed again in a
fresh kernel: every check must then print "Exercise k: correct". So a solution that rots, or a check that
can never say "correct", fails the suite.
"""
import copy
import re

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import NOTEBOOK_PATHS, NOTEBOOKS, read_notebook, source, tagged

FENCE = re.compile(r"```python\n(.*?)```", re.S)
WITH_EXERCISES = [p for p in NOTEBOOK_PATHS if tagged(read_notebook(p), "exercise")]


def solution_code(cell):
    blocks = FENCE.findall(source(cell))
    assert len(blocks) == 1, "a solution holds exactly one ```python block"
    return blocks[0]


@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.name for p in WITH_EXERCISES])
def test_solutions_pass_the_checks(path):
    nb = nbformat.read(path, as_version=4)
    solved = copy.deepcopy(nb)
    exercises, solutions = tagged(solved, "exercise"), tagged(solved, "solution")
    assert len(exercises) == len(solutions)
    for exercise, solution in zip(exercises, solutions):
        exercise.source = solution_code(solution)
    NotebookClient(solved, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for k, check in enumerate(tagged(solved, "check"), start=1):
        printed = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        assert printed.startswith(f"Exercise {k}: correct"), f"exercise {k}: the solution's check printed {printed!r}"
