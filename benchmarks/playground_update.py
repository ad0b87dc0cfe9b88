"""How long does one update of notebook 10's playground take, how many frames a second does Play allow, and how
long does a sweep of one control take?

    python benchmarks/playground_update.py [--repeat 20] [--heavy-repeat 5] [--sweep-repeat 3] [--blas-threads N]

Headless (matplotlib's Agg canvas, widgets without a kernel), in one process. At the defaults (circles, 400
training points measured on 1000 more, 2 hidden layers of 6 tanh units, Adam 0.03, 300 full-batch epochs) it
times, median of --repeat runs each:

- training: what retrain does before _draw (make the data, make and compile the model, fit 300 epochs);
- grid evaluation: model.predict on the decision regions' grid and unit_values on the heatmaps' grid;
- drawing: the three views' update (regions, network heatmaps, loss curves) and show(status), i.e. the blitted
  render and the PNG encoding; and, for information, show() when the background must be drawn again (another
  data set or network shape);
- the whole update, Panel.refresh(): retrain (training, grid, drawing, the numbers and diagnosis) and show;
- one live-training frame, step(Playground.epochs_per_frame), and the frames per second Play allows:
  min(1 / frame, 1 / Playground.frame_time);
- a sweep of the units over its 8 values (1 to 64), sweep("units"): 8 runs from the seed and the sweep's figure
  after each (median of --sweep-repeat).
Then the update at a heavier setting (6 hidden layers of 64 units, 1000 points) for information.
Targets (at the defaults): update <= 100 ms median; >= 10 frames a second; a sweep of 8 values <= 3 s. Nothing is
asserted: a measurement.

--blas-threads N sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS before numpy is imported: on a
busy 2-core machine BLAS threads that spin while waiting for a core can make the heavy setting many times slower.
"""
import argparse
import os
import statistics
import time

TARGET_UPDATE, TARGET_FPS, TARGET_SWEEP = 0.100, 10.0, 3.0
SETTINGS = [("defaults: circles, 400 points (+1000 validation), 2 x 6 tanh, Adam, 300 epochs full batch", {}),
            ("heavier: 6 x 64, 1000 points (for information)", {"hidden_layers": 6, "units": 64, "points": 1000})]


def median_time(function, repeat):
    """Median wall time of `repeat` calls of function() (after one call not counted, which warms caches)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(settings, repeat):
    """{part: median seconds} of one playground update at settings, and of one live-training frame."""
    import numpy as np

    from nnlib.diagnosis import grid_points, unit_values
    from nnlib.recipe import features
    from nnlib.ui.playground import Playground, playground

    p = playground(**settings)
    values = {name: control.value for name, control in p.controls.items()}

    def training():  # retrain without its last step, _draw
        p._draw = lambda: ""
        try:
            p.retrain(**values)
        finally:
            del p._draw

    p.refresh()  # the views exist, drawn for this model
    regions, network, curves = (p.views[name][1] for name in ("regions", "network", "curves"))
    names, data = p.data["names"], p.data
    plane = grid_points(data["xlim"], data["ylim"], network.resolution)

    def grid():
        with np.errstate(all="ignore"):
            return (p.model.predict(features(regions.grid(), names)),
                    unit_values(p.model, features(plane, names)))

    probabilities, units = grid()
    status, limits = p.status, dict(xlim=curves.ax.get_xlim(), ylim=curves.ax.get_ylim())

    def drawing():
        with np.errstate(all="ignore"):
            regions.update(probabilities, data["X_train"], data["y_train"], data["X_val"], data["y_val"])
            network.update(*units)
        curves.update(p.history)
        curves.ax.set(**limits)  # as _draw does: the loss axis is fixed, so show() keeps its background
        p.show(status)

    def drawing_background():
        p._background = (None, None)  # what another data set or network shape does
        p.show(status)

    times = {
        "training (data, model, fit)": median_time(training, repeat),
        "grid evaluation (predict + unit_values)": median_time(grid, repeat),
        "drawing (views' update + show: blit, PNG)": median_time(drawing, repeat),
        "whole update (refresh)": median_time(p.refresh, repeat),
        "  show() with the background redrawn": median_time(drawing_background, repeat),
    }
    p.refresh()
    times[f"one Play frame (step({Playground.epochs_per_frame}))"] = median_time(
        lambda: p.step(Playground.epochs_per_frame), repeat)
    return times, len(p.model.layers), len(p.data["X_train"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per part at the defaults; median (default 20)")
    parser.add_argument("--heavy-repeat", type=int, default=5, help="runs per part at the heavier setting (default 5)")
    parser.add_argument("--sweep-repeat", type=int, default=3, help="sweeps of the units at the defaults (default 3)")
    parser.add_argument("--blas-threads", type=int, default=None, help="BLAS threads (default: the library's own)")
    args = parser.parse_args(argv)
    if args.blas_threads is not None:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.blas_threads)
    import matplotlib

    matplotlib.use("Agg")
    from nnlib.ui.playground import Playground

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"{os.cpu_count()} cores, load average {load}; BLAS threads: "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'library default')}")
    cap = 1 / Playground.frame_time
    results = []
    for (title, settings), repeat in zip(SETTINGS, (args.repeat, args.heavy_repeat)):
        times, layers, n_train = measure(settings, repeat)
        frame = times[f"one Play frame (step({Playground.epochs_per_frame}))"]
        fps = min(1 / frame, cap)
        results.append((times["whole update (refresh)"], fps))
        print(f"\n{title}  (median of {repeat}; {n_train} training points, {layers} layers)")
        print(f"  {'part':<46} {'ms':>9}")
        for part, seconds in times.items():
            print(f"  {part:<46} {1000 * seconds:9.1f}")
        print(f"  {'frames per second Play allows':<46} {fps:9.1f}   (min of 1/frame = {1 / frame:.1f} and the cap "
              f"1/frame_time = {cap:.0f})")
    from nnlib.ui.playground import SWEEPS, playground

    p = playground()
    sweep = median_time(lambda: p.sweep("units"), args.sweep_repeat)
    print(f"\nsweep of the units at the defaults, {len(SWEEPS['units'])} values (median of {args.sweep_repeat}): "
          f"{sweep:.2f} s")
    (update, fps), _ = results
    print(f"\ntarget at the defaults: update <= {1000 * TARGET_UPDATE:.0f} ms median: {1000 * update:.1f} ms "
          f"({'met' if update <= TARGET_UPDATE else 'NOT met'}); >= {TARGET_FPS:.0f} frames a second: {fps:.1f} "
          f"({'met' if fps >= TARGET_FPS else 'NOT met'}); sweep of 8 values <= {TARGET_SWEEP:.0f} s: {sweep:.2f} s "
          f"({'met' if sweep <= TARGET_SWEEP else 'NOT met'})")


if __name__ == "__main__":
    main()
