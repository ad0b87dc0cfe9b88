"""nnlib.ui.panel (notebook 00), headless: Panel (redraws on set and on slider moves, its widget and still picture,
errors in the status line, its checks, the delay, the layout kept from the first render) and value_slider."""
import io

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib.ui.panel import Panel, value_slider  # noqa: E402


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
    bundle, metadata = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "[interactive figure 'test': run the notebook's cells to use it]"
    assert metadata == {"image/png": {"alt": "test: a: slope 1"}}  # the still picture's alternative text
    assert panel.names.alts == {"nnlib-figure": "test: a: slope 1"}  # the live picture's, sent to the page
    assert panel.widget.children[-1] is panel.names  # AccessibleNames, in the panel it names
    panel.set(slope=3)
    assert panel.names.alts == {"nnlib-figure": "test: a: slope 3"}
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
    with pytest.raises(TypeError, match=r"floating-point grid .* use nnlib\.ui\.panel\.value_slider\(values, value\) for exact values$"):
        Panel(Figure(), {"a": kind()}, lambda a: "")


def test_panel_set_names_a_value_the_slider_does_not_have():
    fig = Figure()
    panel = Panel(fig, {"b": value_slider([-1, 0, 1], 0)}, lambda b: f"b = {b}")
    assert panel.set(b=1) == "b = 1.0"
    with pytest.raises(ValueError, match=r"b=0.5 is not a value the control allows"):
        panel.set(b=0.5)


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




def test_panel_draws_on_one_canvas_it_keeps_so_text_layouts_are_reused():
    """Every redraw of a panel draws on the same Agg canvas and renderer (nnlib.ui.panel.agg_canvas), so matplotlib's
    caches keyed by the renderer hold: a tick label formula such as 10^-3 is parsed once, not at every redraw (a new
    canvas per frame, as savefig makes for a figure without one, parsed every label again)."""
    from matplotlib import mathtext
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    figure = Figure(figsize=(3, 2), dpi=50)
    ax = figure.add_subplot(yscale="log")
    (line,) = ax.plot([0, 1], [1e-3, 1e2])

    def update(top):
        line.set_ydata([1e-3, top])
        return f"top {top:g}"

    panel = Panel(figure, {"top": value_slider([10.0, 100.0], 100.0)}, update, title="canvas")
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    panel.set(top=10.0)
    before = mathtext.MathTextParser._parse_cached.cache_info()
    panel.set(top=100.0)
    panel.set(top=10.0)
    after = mathtext.MathTextParser._parse_cached.cache_info()
    assert figure.canvas is canvas and canvas.get_renderer() is renderer
    assert after.misses == before.misses and after.hits > before.hits  # every label's formula came from the cache
    picture = Image.open(io.BytesIO(panel.image.value))
    assert (picture.mode, picture.size) == ("RGB", (150, 100))
