"""Two more checks of every notebook, run in the kernel nbval has just used to validate it (one execution each).

nbval executes a notebook cell by cell and compares each cell's outputs with the committed ones, in strict mode.
The committed notebooks show "not answered yet" under each exercise (nbval compares that). When nbval is done
with a notebook's last cell, its kernel still holds everything the notebook defined, and two items run there:

- `exercises solved`: each exercise's folded solution is executed, then its check cell again, which must now
  print "Exercise k: correct". So a solution that rots, or a check that can never say "correct", fails the
  suite. (The exercises are the last cells of every notebook, so solving them at the end is what a learner
  does: solution 1, check 1, solution 2, check 2, ...)
- `every panel control`: moves every control of every panel the notebook left in its namespace through its
  values (every option of a dropdown; both ends and the middle of a slider, where callbacks break), as a
  learner would after running the notebook: a callback that fails for some value (a name reused later in the
  notebook, a value the figure cannot show) fails here, with the panel, control and value named. (The
  playground of notebook 10, a Panel subclass with 25 controls, is left out here: tests/test_playground.py moves
  each of its controls through its values, and every data set with every activation.)

Before, tests/test_exercises.py executed every notebook a second time for these checks; issue 18 asked for one
execution to serve both. Where nbval's cells of a notebook are skipped (notebook 13 without PyTorch), the items
first run the notebook's cells in the kernel themselves, without comparing, so the checks still run; so do they
when only some of its cells were selected (`-k "exercises"`).
"""
import json
import re
from collections import defaultdict

import nbformat
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile, NbCellError

FENCE = re.compile(r"```python\n(.*?)```", re.S)

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
    _kinds = [c.__name__ for c in type(_panel).__mro__]  # a Panel or a subclass of it, not the playground
    if _name.startswith("_") or "Panel" not in _kinds or "Playground" in _kinds or not hasattr(_panel, "controls"):  # _, _12: IPython's output cache
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


def tagged(nb, tag):
    return [cell for cell in nb.cells if tag in cell.get("metadata", {}).get("tags", [])]


def solution_code(cell):
    blocks = FENCE.findall(cell.source)
    assert len(blocks) == 1, "a solution holds exactly one ```python block"
    return blocks[0]


def panels_in_source(nb):
    return sum(len(re.findall(r"^\w+ = Panel\(", cell.source, re.M)) for cell in nb.cells if cell.cell_type == "code")


class KernelCheck(IPyNbCell):
    """An item run in the kernel of the notebook (the parent IPyNbFile) after nbval's own cells."""

    def __init__(self, name, parent, run_notebook_first=False):
        super().__init__(name, parent, cell_num=0, cell=None, options=defaultdict(bool, check=False))
        self.run_notebook_first = run_notebook_first
        self.add_marker(pytest.mark.slow)

    def execute(self, code):
        """Run `code` in the notebook's kernel (an error fails the item, with its traceback); return what it printed."""
        self.cell = nbformat.v4.new_code_cell(code)  # execution_count None: nbval compares nothing
        IPyNbCell.runtest(self)
        return "".join(out.get("text", "") for out in self.test_outputs if out.output_type == "stream")

    def runtest(self):
        selected = [item for item in self.session.items if type(item) is IPyNbCell and item.parent is self.parent]
        some_cells_not_run = len(selected) < sum(cell.cell_type == "code" for cell in self.parent.nb.cells)
        if (self.run_notebook_first or some_cells_not_run) and not getattr(self.parent, "_grok_cells_run", False):
            for cell in self.parent.nb.cells:
                if cell.cell_type == "code":
                    self.execute(cell.source)
            self.parent._grok_cells_run = True
        self.check()

    def reportinfo(self):
        return self.path, 0, f"{self.parent.name}::{self.name}"

    def repr_failure(self, excinfo):
        exc = excinfo.value
        if isinstance(exc, NbCellError):
            return f"{self.name}: {exc}\n\nInput:\n{exc.source}\n\nTraceback:\n{exc.inner_traceback or ''}"
        return f"{self.name}: {exc!r}"


class ExercisesSolved(KernelCheck):
    def check(self):
        nb = self.parent.nb
        exercises, checks, solutions = tagged(nb, "exercise"), tagged(nb, "check"), tagged(nb, "solution")
        assert len(exercises) == len(checks) == len(solutions)
        for k, (check, solution) in enumerate(zip(checks, solutions), start=1):
            self.execute(solution_code(solution))
            printed = self.execute(check.source)
            assert printed.startswith(f"Exercise {k}: correct"), f"exercise {k}: the solution's check printed {printed!r}"


class EveryPanelControl(KernelCheck):
    def check(self):
        moved = json.loads(self.execute(SWEEP))
        panels = {name for name, _, _ in moved}
        assert len(panels) >= panels_in_source(self.parent.nb), f"panels in the source not found after running: {panels}"
        assert all(len([m for m in moved if m[0] == p]) >= 2 for p in panels), moved


def add_kernel_checks(items, skipped_notebooks=()):
    """Insert the two items after the last of each notebook's cells (same parent: same kernel, same xdist worker)."""
    out = []
    for index, item in enumerate(items):
        out.append(item)
        parent = item.parent
        last_of_file = isinstance(parent, IPyNbFile) and (index + 1 == len(items) or items[index + 1].parent is not parent)
        if not last_of_file:
            continue
        run_first = parent.path.name in skipped_notebooks
        if tagged(parent.nb, "exercise"):
            out.append(ExercisesSolved.from_parent(parent, name="exercises solved", run_notebook_first=run_first))
        out.append(EveryPanelControl.from_parent(parent, name="every panel control", run_notebook_first=run_first))
    items[:] = out
