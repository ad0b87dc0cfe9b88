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
