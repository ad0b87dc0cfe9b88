"""Shared paths and helpers for the tests."""
import json
import os
from pathlib import Path

import pytest


def _import_without_assertion_rewriting(*names):
    """Import library modules that pytest would otherwise rewrite. pytest rewrites the asserts of every module of a
    package that ships a pytest plugin (hypothesis: about 80 modules), in every worker, on every run where it cannot
    cache the result (PYTHONDONTWRITEBYTECODE): about 3 s a worker. Our tests' own asserts are still rewritten."""
    import importlib
    import sys

    hooks = [hook for hook in sys.meta_path if type(hook).__name__ == "AssertionRewritingHook"]
    for hook in hooks:
        sys.meta_path.remove(hook)
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        sys.meta_path[:0] = hooks


_import_without_assertion_rewriting("hypothesis", "hypothesis.strategies", "hypothesis.extra.numpy")

# One BLAS thread per process: pytest-xdist already runs one worker (and one notebook kernel) per core, and
# OpenBLAS's own threads would only wait for each other (a notebook took 13x longer that way). Kernels inherit
# this. No committed output depends on it: printed numbers are rounded.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("appendix/*.ipynb"))  # the series, then the appendix


def label(path):
    """How the series numbers a notebook: "07" for 07_gradient_descent.ipynb, "A" for the appendix."""
    return "A" if path.parent.name == "appendix" else path.name[:2]


def read_notebook(path):
    """The notebook as a plain dict (the .ipynb JSON)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def code_cells(nb):
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def tagged(nb, tag):
    return [cell for cell in nb["cells"] if tag in cell.get("metadata", {}).get("tags", [])]


@pytest.fixture
def classes():
    """nnlib.config.CLASSES, put back as it was after the test (the classes a test defines file themselves there)."""
    from nnlib.config import CLASSES

    saved = dict(CLASSES)
    yield CLASSES
    CLASSES.clear()
    CLASSES.update(saved)


# ---- notebook 13's outputs were made with PyTorch -----------------------------------------------------------

NEEDS_TORCH = {"13_autograd_and_pytorch.ipynb", "14_convolution.ipynb"}


def torch_missing_reason():
    """Why the notebooks that compare nnlib with PyTorch cannot be validated here, or None when they can."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return ("PyTorch is not installed, and the committed outputs of notebooks 13 and 14 compare nnlib with it: "
                "python -m pip install -e \".[torch]\" to validate them")
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """The browser tests (`-m browser`) run in one process: they measure key-press latencies, which a second
    worker busy on the same cores would spoil, and they share one JupyterLab server and one Chromium."""
    if config.getoption("markexpr", "") == "browser" and config.pluginmanager.hasplugin("xdist"):
        config.option.numprocesses = 0
        config.option.dist = "no"


def skip_without_torch(items):
    """Skip nbval's cells of the notebooks in NEEDS_TORCH, with the reason, when torch is missing (the notebook
    itself runs without torch, saying what it skips). Returns the names of the notebooks skipped."""
    reason = torch_missing_reason()
    if reason is None:
        return set()
    skipped = set()
    for item in items:
        if Path(str(item.fspath)).name in NEEDS_TORCH and Path(str(item.fspath)).suffix == ".ipynb":
            item.add_marker(pytest.mark.skip(reason=reason))
            skipped.add(Path(str(item.fspath)).name)
    return skipped


def pytest_collection_modifyitems(config, items):
    """Skip what needs torch when it is missing; then add each notebook's exercise and panel checks after its last
    cell, in its kernel (tests/notebook_checks.py): they run notebook 13 themselves when its cells are skipped."""
    skipped = skip_without_torch(items)
    if config.getoption("nbval", default=False):
        from notebook_checks import add_kernel_checks

        add_kernel_checks(items, skipped_notebooks=skipped)
    long_first(items)


LONG_FILES = ("tests/ui/test_playground.py", "tests/test_playground_lessons.py")  # the longest test files


def long_first(items):
    """Order the files for pytest-xdist's --dist loadfile, which hands them out in order: the long ones first (the
    notebooks, then LONG_FILES), the many short ones after, to fill the gaps; a file's own tests keep their order.
    Long first makes the two workers end closer together than the alphabetical order did."""
    def rank(item):
        path = Path(str(item.fspath)).relative_to(ROOT).as_posix()
        return 0 if path.endswith(".ipynb") else 1 if path in LONG_FILES else 2

    items.sort(key=rank)  # stable: within a rank, and within a file, the collected order
