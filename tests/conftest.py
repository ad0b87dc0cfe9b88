"""Shared paths and helpers for the tests."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


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


# ---- notebook 13's outputs were made with PyTorch -----------------------------------------------------------

NEEDS_TORCH = {"13_autograd_and_pytorch.ipynb"}


def torch_missing_reason():
    """Why the notebooks that compare nnlib with PyTorch cannot be validated here, or None when they can."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return ("PyTorch is not installed, and notebook 13's committed outputs compare nnlib with it: "
                "python -m pip install -e \".[torch]\" to validate it")
    return None


def pytest_collection_modifyitems(config, items):
    """Skip nbval's cells of the notebooks in NEEDS_TORCH, with the reason, when torch is missing. (The notebook
    itself runs without torch, saying what it skips: the exercise and browser tests still run it.)"""
    import pytest

    reason = torch_missing_reason()
    if reason is None:
        return
    for item in items:
        if Path(str(item.fspath)).name in NEEDS_TORCH and Path(str(item.fspath)).suffix == ".ipynb":
            item.add_marker(pytest.mark.skip(reason=reason))
