#!/usr/bin/env python3
"""Edit and execute the notebooks without touching .ipynb JSON by hand.

    python tools/nb.py topy notebooks/01_mcculloch_pitts.ipynb   write build/nbsrc/01_mcculloch_pitts.py to edit
    python tools/nb.py build build/nbsrc/01_mcculloch_pitts.py   notebook from the script, export nnlib, execute
    python tools/nb.py run notebooks/02_perceptron.ipynb         re-execute in place in a fresh kernel
    python tools/nb.py run --all                                 re-execute every notebook (after nnlib changed):
                                                                 00-NN, the appendix, the classroom pages

The .ipynb files in notebooks/ are the only source; the percent scripts (jupytext's "py:percent" format,
`# %%` cells, `# %% [markdown]`, `# %% tags=["exercise"]`) are a scratch form for editing and are not
committed. `build` and `topy` need the `dev` extra (jupytext); `run` needs only the `test` extra.

Execution matches what nbval does: one fresh kernel per notebook, started in notebooks/, cells top to bottom.
Widget state is stored in the notebook so JupyterLab can show the widgets before the kernel runs.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SCRATCH = ROOT / "build" / "nbsrc"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _cell_ids(nb) -> None:
    """Give cells ids derived from their content, so unchanged cells keep their id between builds."""
    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1((cell.cell_type + "\0" + cell.source).encode("utf-8")).hexdigest()[:8]
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        cell.id = digest if count == 0 else f"{digest}-{count}"


def _shown(path: Path) -> str:
    """path relative to the repository when it is inside it, else as it is."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def topy(paths: list[Path], out: Path) -> None:
    import jupytext

    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = jupytext.read(path)
        folder = path.parent.name
        target = out / ((f"{folder}_" if folder in ("classroom", "appendix") else "") + path.stem + ".py")
        jupytext.write(nb, target, fmt="py:percent")
        print(f"{_shown(path)} -> {_shown(target)}")


def frompy(path: Path) -> Path:
    import jupytext
    import nbformat

    nb = jupytext.read(path, fmt="py:percent")
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    _cell_ids(nb)
    target = NOTEBOOKS / (path.stem + ".ipynb")
    for folder in ("classroom", "appendix"):  # classroom_x.py -> notebooks/classroom/x.ipynb (Voila pages), ...
        if path.stem.startswith(folder + "_"):
            target = NOTEBOOKS / folder / (path.stem.removeprefix(folder + "_") + ".ipynb")
    nbformat.write(nb, target)
    return target


def run(path: Path, timeout: int = 600) -> float:
    """Execute a notebook in place in a fresh kernel; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,
    )
    client.execute()
    seconds = time.perf_counter() - started
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = _merge_streams(cell.outputs)
    nbformat.write(nb, path)
    return seconds


def _merge_streams(outputs):
    """Join adjacent stdout (or stderr) outputs: how the kernel happened to flush must not change the file."""
    merged = []
    for output in outputs:
        last = merged[-1] if merged else None
        if output.output_type == "stream" and last is not None and last.output_type == "stream" and last.name == output.name:
            last.text += output.text
        else:
            merged.append(output)
    return merged


def export() -> None:
    subprocess.run([sys.executable, str(ROOT / "tools" / "export.py")], check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("topy", help="write percent scripts to edit")
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("--out", type=Path, default=SCRATCH)
    p = sub.add_parser("build", help="notebooks from percent scripts, export nnlib, execute them")
    p.add_argument("scripts", nargs="+", type=Path)
    p = sub.add_parser("run", help="execute notebooks in place in a fresh kernel")
    p.add_argument("notebooks", nargs="*", type=Path)
    p.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "topy":
        topy([p.resolve() for p in args.notebooks], args.out.resolve())
        return 0
    if args.command == "build":
        targets = [frompy(p.resolve()) for p in args.scripts]
        export()
    else:
        targets = (sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("appendix/*.ipynb"))
                   + sorted(NOTEBOOKS.glob("classroom/*.ipynb")) if args.all else [p.resolve() for p in args.notebooks])
        if not targets:
            parser.error("name notebooks to run, or --all")
    for target in targets:
        seconds = run(target)
        print(f"executed {target.relative_to(ROOT)} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
