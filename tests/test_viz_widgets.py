"""nnlib.viz (the linear boundary of notebook 01, the network diagram of 04) and nnlib.widgets (the Panel of
notebook 00), headless."""
import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib.viz import LinearBoundary, NetworkDiagram, half_plane  # noqa: E402
from nnlib.widgets import Panel, value_slider  # noqa: E402

BOX = ((-1.0, 2.0), (-1.0, 3.0))


def area(polygon):
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


@pytest.mark.parametrize("w, b", [([1, 1], -1), ([2, -1], 0.5), ([0, 1], -1), ([1, 0], 0), ([-1, -3], 2)])
def test_half_plane_is_the_part_of_the_box_on_the_positive_side(w, b):
    polygon = half_plane(w, b, *BOX)
    assert (polygon @ np.array(w, float) + b >= -1e-12).all()
    grid = np.stack(np.meshgrid(np.linspace(-1, 2, 301), np.linspace(-1, 3, 401)), axis=-1).reshape(-1, 2)
    fraction = ((grid @ np.array(w, float) + b) >= 0).mean()
    assert area(polygon) == pytest.approx(fraction * 12.0, abs=0.05)


def test_half_plane_degenerate_cases():
    assert area(half_plane([0, 0], 1, *BOX)) == pytest.approx(12.0)
    assert half_plane([0, 0], -1, *BOX).shape == (0, 2)
    assert half_plane([1, 0], -5, *BOX).shape == (0, 2)
    with pytest.raises(ValueError, match=r"w must have 2 entries \(a line in the plane\); got shape \(3,\)"):
        half_plane([1, 2, 3], 0, *BOX)


def test_linear_boundary_moves_its_artists():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set(xlim=BOX[0], ylim=BOX[1])
    boundary = LinearBoundary(ax, [1, 1], -1)
    line, region = boundary.line, boundary.region
    xs, ys = boundary.line.get_data()
    assert np.allclose(np.add(xs, ys), 1.0) and line.get_visible() and region.get_visible()
    assert sorted(np.round(xs, 9).tolist()) == [-1.0, 2.0]  # from (-1, 2) to (2, -1) across the box
    boundary.update([0, 2], -2)
    xs, ys = boundary.line.get_data()
    assert np.allclose(ys, 1.0) and sorted(xs) == [-1.0, 2.0]
    assert boundary.line is line and boundary.region is region, "update must move artists, not make new ones"
    boundary.update([0, 0], -1)
    assert not line.get_visible() and not region.get_visible()


def make_panel(**kwargs):
    fig = Figure(figsize=(2, 2))
    (line,) = fig.add_subplot().plot([0, 1], [0, 0])
    calls = []

    def update(slope, label):
        calls.append((slope, label))
        line.set_ydata([0, slope])
        return f"{label}: slope {slope}"

    controls = {"slope": widgets.IntSlider(value=1, min=-3, max=3), "label": widgets.Dropdown(options=["a", "b"])}
    return Panel(fig, controls, update, title="test", **kwargs), calls


def test_panel_redraws_on_set_and_on_slider_moves():
    panel, calls = make_panel()
    assert calls == [(1, "a")] and panel.status == "a: slope 1"
    first = panel.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert panel.set(slope=-2, label="b") == "b: slope -2" and calls[-1] == (-2, "b") and len(calls) == 2
    assert panel.image.value != first
    panel.controls["slope"].value = 3  # what a browser does when the slider moves
    assert panel.status == "b: slope 3" and calls[-1] == (3, "b")


def test_panel_is_displayed_as_a_widget_with_a_short_text_fallback():
    panel, _ = make_panel()
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "[interactive figure 'test': run the notebook's cells to use it]"
    assert repr(panel) == "Panel('test', controls: slope, label)"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert "nnlib-panel" in panel.widget._dom_classes
    assert "nnlib-figure" in panel.image._dom_classes


def test_panel_shows_a_callback_error_in_the_status_line():
    panel, calls = make_panel()

    def broken(slope, label):
        raise RuntimeError("boom")

    panel._update = broken
    panel.controls["slope"].value = 2
    assert panel.status == "error: RuntimeError: boom"
    with pytest.raises(RuntimeError, match="boom"):
        panel.set(slope=1)


def test_panel_refuses_bad_arguments():
    fig = Figure()
    slider = widgets.IntSlider()
    with pytest.raises(TypeError, match="figure must be a matplotlib Figure; got str"):
        Panel("fig", {"a": slider}, lambda a: "")
    with pytest.raises(TypeError, match="controls must be a non-empty dict"):
        Panel(fig, {}, lambda: "")
    with pytest.raises(TypeError, match=r"controls\['a'\] must be an ipywidgets value widget .*; got Button"):
        Panel(fig, {"a": widgets.Button()}, lambda a: "")
    with pytest.raises(TypeError, match="update must be a function update"):
        Panel(fig, {"a": slider}, "update")
    with pytest.raises(TypeError, match="update must return the status line as a str; got int"):
        Panel(fig, {"a": slider}, lambda a: 3)
    panel, _ = make_panel()
    with pytest.raises(ValueError, match=r"no control named 'speed'; controls: \['slope', 'label'\]"):
        panel.set(speed=1)
    with pytest.raises(ValueError, match="slope=7 is outside what the control allows; it holds 3"):
        panel.set(slope=7)


def test_panel_takes_over_a_pyplot_figure():
    fig, ax = plt.subplots()
    Panel(fig, {"a": widgets.IntSlider()}, lambda a: f"a = {a}")
    assert fig.number not in plt.get_fignums(), "the notebook must not also show the figure as a still image"


def test_value_slider_keeps_the_values_exactly_as_given():
    slider = value_slider(np.arange(-60, 61) / 10, -1.0, "bias b")
    assert slider.value == -1.0 and slider.description == "bias b" and slider.options[0] == ("-6", -6.0)
    slider.index += 3
    assert slider.value == -0.7 and slider.label == "-0.7"
    rates = value_slider(np.logspace(-4, 0, 13), 1e-2, fmt="{:.3g}")
    assert rates.value == np.logspace(-4, 0, 13)[6] and rates.label == "0.01"
    assert value_slider([1, 2, 3]).value == 1.0


def test_value_slider_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"value must be one of values \(-1 .. 1\); got 0.3"):
        value_slider([-1, 0, 1], 0.3)
    with pytest.raises(ValueError, match="values must increase strictly"):
        value_slider([0, 2, 1])
    with pytest.raises(ValueError, match="values must be a non-empty sequence of finite numbers"):
        value_slider([0, np.nan])
    with pytest.raises(TypeError, match="values must be a sequence of numbers"):
        value_slider(["a", "b"])
    with pytest.raises(ValueError, match="fmt '{:.1f}' shows two different values alike"):
        value_slider([0.01, 0.02], fmt="{:.1f}")


@pytest.mark.parametrize("kind", [widgets.FloatSlider, widgets.FloatLogSlider, widgets.FloatRangeSlider])
def test_panel_refuses_float_sliders_and_says_why(kind):
    with pytest.raises(TypeError, match=r"floating-point grid .* use nnlib.widgets.value_slider"):
        Panel(Figure(), {"a": kind()}, lambda a: "")


def test_panel_set_names_a_value_the_slider_does_not_have():
    fig = Figure()
    panel = Panel(fig, {"b": value_slider([-1, 0, 1], 0)}, lambda b: f"b = {b}")
    assert panel.set(b=1) == "b = 1.0"
    with pytest.raises(ValueError, match=r"b=0.5 is not a value the control allows"):
        panel.set(b=0.5)


def test_network_diagram_draws_one_arrow_per_weight_and_updates_in_place():
    W1, W2 = np.array([[0.5, -1.0, 0.2], [1.0, 0.5, -0.4]]), np.array([[1.0], [-2.0], [0.5]])
    fig = Figure()
    diagram = NetworkDiagram(fig.add_subplot(), [W1, W2], [[1, 2], [0.1, 0.2, 0.3], [0.9]])
    edges = diagram.edges
    assert len(edges.get_segments()) == 6 + 3 and diagram.sizes == [2, 3, 1]
    widths = np.asarray(edges.get_linewidths())
    assert widths.argmax() == 7 and widths.argmin() == 2  # |-2| is the widest arrow, |0.2| the thinnest
    colours = edges.get_colors()
    assert (colours[[1, 5, 7], 0] > 0.8).all() and (colours[[0, 2, 3, 4, 6, 8], 2] > 0.7).all()  # red < 0, blue >= 0
    assert [t.get_text() for t in diagram.texts[1]] == ["0.10", "0.20", "0.30"]
    diagram.update([W1, -W2], [[1, 2], [0.5, 0.5, 0.5], [0.25]])
    assert diagram.edges is edges and diagram.texts[2][0].get_text() == "0.25"
    assert edges.get_colors()[7, 2] > 0.7  # the -2 arrow turned positive, hence blue
    with pytest.raises(ValueError, match=r"weights\[1\] must have 3 rows \(the units of weights\[0\]\); got shape \(2, 1\)"):
        NetworkDiagram(fig.add_subplot(), [W1, np.ones((2, 1))])
    with pytest.raises(ValueError, match=r"weights must keep the layer sizes \[2, 3, 1\]"):
        diagram.update([np.ones((2, 4)), np.ones((4, 1))])
    with pytest.raises(TypeError, match="weights must be a non-empty list of 2-D arrays"):
        NetworkDiagram(fig.add_subplot(), W1)


def test_panel_delay_redraws_once_for_a_quick_series_of_moves():
    import asyncio

    panel, calls = make_panel(delay=0.05)
    calls.clear()

    async def drag():
        loop = asyncio.get_running_loop()
        for value in (2, 3, -1, 0):  # four moves with no await between them: faster than any delay
            panel.controls["slope"].value = value
        assert calls == []  # nothing drawn yet
        deadline = loop.time() + 30  # then wait for the redraw, however slow the machine (no fixed sleep)
        while not calls and loop.time() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(2 * 0.05)  # the loop runs timers in order: any other redraw due would come before this

    asyncio.run(drag())
    assert calls == [(0, "a")] and panel.status == "a: slope 0"  # one redraw, with the last value
    panel.controls["slope"].value = 3  # outside a running event loop the redraw is immediate
    assert calls[-1] == (3, "a")
    for bad in (-1, 10, "0.1", True):
        with pytest.raises(ValueError, match="delay must be a number of seconds in"):
            make_panel(delay=bad)


def test_panel_keeps_the_layout_of_its_first_render_and_sends_the_status_first():
    """Issue 19: a constrained layout is computed at the first render only (then a placeholder engine keeps the
    axes where they are), and each redraw sets the status line before the picture."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine, PlaceHolderLayoutEngine

    figure = Figure(figsize=(4, 3), layout="constrained")
    ax = figure.add_subplot()
    (line,) = ax.plot([0, 1], [0, 1])
    assert isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine)

    def update(top):
        ax.set_ylim(0, top)
        return f"top {top:g}"

    panel = Panel(figure, {"top": value_slider([1, 10, 1000], 1)}, update, title="layout")
    assert isinstance(figure.get_layout_engine(), PlaceHolderLayoutEngine)
    position = ax.get_position().bounds
    order = []
    panel._status.observe(lambda change: order.append("status"), names="value")
    panel.image.observe(lambda change: order.append("image"), names="value")
    assert panel.set(top=1000) == "top 1000"
    assert order == ["status", "image"]
    assert ax.get_position().bounds == position  # not laid out again


def test_digits_explorer_retrains_on_each_move():
    from nnlib.widgets import digits_explorer, digits_split

    X_train, y_train, X_val, y_val = digits_split()
    assert X_train.shape == (1078, 64) and X_val.shape == (360, 64) and len(y_train) == 1078 and len(y_val) == 360
    assert abs(X_train.mean()) < 1e-12  # standardised with the training images' statistics
    small = (X_train[:200], y_train[:200], X_val[:100], y_val[:100])
    panel = digits_explorer(small)
    assert panel.title == "Digits: hidden units, epochs and L2" and list(panel.controls) == ["hidden", "epochs", "l2"]
    status = panel.set(hidden=4, epochs=5)
    assert status.startswith("4 hidden units, 5 epochs, L2 0: training accuracy ") and "of 100 wrong" in status
    assert panel.set(hidden=8, epochs=5) != status  # retrained, with other numbers
