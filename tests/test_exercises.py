"""Every notebook, executed again with its exercises solved: the solutions pass the checks, and every panel
works for every value of its controls.

The committed notebooks show "not answered yet" under each exercise (nbval compares that). Here each
exercise cell is replaced by the code of its folded solution and the whole notebook is executed again in a
fresh kernel: every check must then print "Exercise k: correct". So a solution that rots, or a check that
can never say "correct", fails the suite. A last cell then moves every control of every panel the notebook
left in its namespace through its values (every option of a dropdown; both ends and the middle of a slider, where callbacks break), as
a learner would after running the notebook: a callback that fails for some value (a name reused later in
the notebook, a value the figure cannot show) fails here, with the panel, control and value named. (The
playground of notebook 10, a Panel subclass with 25 controls, is left out here: tests/test_playground.py moves
each of its controls through its values, and every data set with every activation.)
"""
import asyncio
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

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


SWEEP = """
import json as _json

def _values_of(control):
    if hasattr(control, "options"):  # a dropdown: every option; a selection slider: both ends and the middle
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        if type(control).__name__ == "Dropdown" or len(values) <= 3:
            return values
        return [values[0], values[len(values) // 2], values[-1]]
    if hasattr(control, "min") and isinstance(control.value, int):  # an int slider: both ends and the middle
        return sorted({control.min, (control.min + control.max) // 2, control.max})
    if isinstance(control.value, bool):
        return [False, True]
    return [control.value]

_moved = []
for _name, _panel in list(globals().items()):
    if _name.startswith("_") or type(_panel).__name__ != "Panel" or not hasattr(_panel, "controls"):  # _, _12: IPython's output cache
        continue
    for _control_name, _control in _panel.controls.items():
        _start = _control.value
        for _value in _values_of(_control):
            try:
                _status = _panel.set(**{_control_name: _value})
            except Exception as _error:
                raise AssertionError(f"panel {_name}: {_control_name}={_value!r} failed: {_error!r}") from _error
            assert _status and not _status.startswith("error"), f"panel {_name}: {_control_name}={_value!r}: {_status}"
            _moved.append([_name, _control_name, repr(_value)])
        _panel.set(**{_control_name: _start})
print(_json.dumps(_moved))
"""


def panels_in_source(nb):
    return sum(len(re.findall(r"^\w+ = Panel\(", source(cell), re.M)) for cell in nb["cells"] if cell["cell_type"] == "code")


def run_solved(path):
    """The notebook with its solutions filled in and the panel sweep appended, executed in a fresh kernel."""
    solved = nbformat.read(path, as_version=4)
    exercises, solutions = tagged(solved, "exercise"), tagged(solved, "solution")
    assert len(exercises) == len(solutions)
    for exercise, solution in zip(exercises, solutions):
        exercise.source = solution_code(solution)
    solved.cells.append(nbformat.v4.new_code_cell(SWEEP))
    client = NotebookClient(solved, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    # one BLAS thread per kernel: the kernels already run in parallel, one per core, and OpenBLAS's own threads then
    # only wait for each other (notebook 11 took 209 s instead of 16 s that way); no output here is compared
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    asyncio.run(client.async_execute(env=env))  # its own event loop, closed at the end (this runs in a worker thread)
    return solved


@pytest.fixture(scope="module")
def solved_runs():
    """Every notebook executed once, in parallel (one kernel per core), shared by the tests below.

    A notebook whose execution failed raises its error in the tests that ask for it, not in the others."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {path: pool.submit(run_solved, path) for path in NOTEBOOK_PATHS}
        for future in futures.values():
            future.exception()  # wait for all

    def run(path):
        return futures[path].result()

    return run


@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.name for p in WITH_EXERCISES])
def test_solutions_pass_the_checks(path, solved_runs):
    solved = solved_runs(path)
    for k, check in enumerate(tagged(solved, "check"), start=1):
        printed = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        assert printed.startswith(f"Exercise {k}: correct"), f"exercise {k}: the solution's check printed {printed!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.name for p in NOTEBOOK_PATHS])
def test_every_panel_works_for_every_value_of_its_controls(path, solved_runs):
    solved = solved_runs(path)
    printed = "".join(o.get("text", "") for o in solved.cells[-1].outputs if o.output_type == "stream")
    moved = json.loads(printed)
    panels = {name for name, _, _ in moved}
    assert len(panels) >= panels_in_source(solved), f"panels in the source not found after running: {panels}"
    assert all(len([m for m in moved if m[0] == p]) >= 2 for p in panels), moved
