"""Where the time of each panel's update goes, kernel side: compute, draw, encode (issue 19).

    python benchmarks/panel_update.py [--repeat 5] [NN ...]

Each notebook that shows a panel is executed in a fresh kernel (nbclient, as nbval does, one BLAS thread) down to
its last panel. Then, for every panel it left in its namespace, the first control is moved to its neighbouring
value and back, as the arrow key does in the browser, --repeat times each way, and each move is timed in parts:

- compute: the panel's update(**values) (the work: a retrain, an evaluation on a grid, and setting the artists);
- draw: rendering the whole figure on the panel's own Agg canvas (nnlib.ui.panel.agg_canvas, kept between
  redraws, as the panel keeps it; a blitting panel draws less than this);
- encode: turning the rendered pixels into the PNG the browser receives (nnlib.ui.panel.canvas_png);
- delay: the panel's own wait after a move (Panel(delay=...)), which coalesces fast drags;
- total: delay + what Panel.set() takes (update, draw and encode as the panel does them).

The browser tests add the transport (kernel -> JupyterLab -> a new image) and report key press to new status and
new figure per panel; the target there is 250 ms, median. Nothing is asserted: a measurement. Medians in ms.
"""
import argparse
import asyncio
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"

TIMING = r'''
import json as _json, statistics as _statistics, time as _time
from nnlib.ui.panel import Panel as _Panel, agg_canvas as _agg, canvas_png as _png

def _neighbour(control):
    """The value an arrow key moves the control to (right, or left at the right end)."""
    if hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        i = values.index(control.value)
        return values[i + 1] if i + 1 < len(values) else values[i - 1]
    step = getattr(control, "step", 1)
    return control.value + step if control.value + step <= control.max else control.value - step

_rows = []
for _name, _panel in list(globals().items()):
    if _name.startswith("_") or not isinstance(_panel, _Panel):
        continue
    _control_name, _control = next(iter(_panel.controls.items()))
    _start, _other = _control.value, _neighbour(_control)
    _parts = {"compute": [], "draw": [], "encode": [], "set": []}
    for _ in range(REPEAT):
        for _value in (_other, _start):
            _values = {n: c.value for n, c in _panel.controls.items()}
            _values[_control_name] = _value
            _t0 = _time.perf_counter(); _panel._update(**_values)
            _t1 = _time.perf_counter(); _canvas = _agg(_panel.figure); _canvas.draw()
            _t2 = _time.perf_counter(); _bytes = len(_png(_canvas))
            _t3 = _time.perf_counter(); _panel.set(**{_control_name: _value})
            _t4 = _time.perf_counter()
            for _part, _seconds in zip(_parts, (_t1 - _t0, _t2 - _t1, _t3 - _t2, _t4 - _t3)):
                _parts[_part].append(_seconds * 1000)
    _rows.append(dict(panel=_name, title=_panel.title, control=_control_name, delay=_panel.delay * 1000,
                      pixels="x".join(map(str, _canvas.get_width_height(physical=True))), png_kb=_bytes / 1024,
                      **{part: _statistics.median(times) for part, times in _parts.items()}))
print(_json.dumps(_rows))
'''


def last_panel_cell(nb):
    shown = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and any(WIDGET in output.get("data", {}) and "[progress bar" not in str(output["data"].get("text/plain", ""))
                     for output in cell.outputs)]
    return shown[-1] if shown else None


def measure(path, repeat):
    nb = nbformat.read(path, as_version=4)
    last = last_panel_cell(nb)
    if last is None:
        return []
    nb.cells = nb.cells[:last + 1] + [nbformat.v4.new_code_cell(TIMING.replace("REPEAT", str(repeat)))]
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no "running over TCP" warning
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    asyncio.run(client.async_execute(env=env))
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(printed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="moves each way per panel (default 5)")
    parser.add_argument("notebooks", nargs="*", help="notebook numbers, e.g. 07 11 (default: all)")
    args = parser.parse_args(argv)
    paths = [p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
             if not args.notebooks or p.name[:2] in args.notebooks]
    print(f"{'notebook / panel (first control)':<44}{'compute':>8}{'draw':>7}{'encode':>7}{'delay':>7}{'total':>7}"
          f"  figure")
    worst = (0, "")
    for path in paths:
        for row in measure(path, args.repeat):
            total = row["delay"] + row["set"]
            label = f"{path.name[:2]} {row['panel']} ({row['control']})"
            print(f"{label[:43]:<44}{row['compute']:8.0f}{row['draw']:7.0f}{row['encode']:7.0f}{row['delay']:7.0f}"
                  f"{total:7.0f}  {row['pixels']} px, {row['png_kb']:.0f} kB")
            worst = max(worst, (total, label))
        sys.stdout.flush()
    print(f"slowest kernel-side update: {worst[1]}, {worst[0]:.0f} ms (the browser adds the transport)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
