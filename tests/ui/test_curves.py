"""nnlib.ui.curves, headless: HistoryCurves (training and validation curves, the best epoch, log axes and their
tick labels, non-finite values, the checks, updates that add no artists), plot_history, and ValidationCurve (errors
against the values of one setting: its axes, the band at the current value, gaps, the checks)."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib.callbacks import History  # noqa: E402
from nnlib.ui.curves import HistoryCurves, ValidationCurve, plot_history  # noqa: E402
from ui_helpers import artist_counts, history_of, new_axes, pixel, render  # noqa: E402


def test_history_curves_follow_the_history():
    ax = new_axes()
    loss = [1.0, 0.7, 0.5, 0.4, 0.35, 0.3, 0.28, 0.27]
    val = [1.1, 0.8, 0.6, 0.55, 0.5, 0.52, 0.58, 0.6]
    curves = HistoryCurves(ax, "loss").update(history_of(loss=loss, val_loss=val))
    np.testing.assert_array_equal(curves.train_line.get_xdata(), np.arange(1, 9))
    np.testing.assert_array_equal(curves.train_line.get_ydata(), loss)
    np.testing.assert_array_equal(curves.val_line.get_ydata(), val)
    assert curves.best_epoch == 5 and list(curves.best_line.get_xdata()) == [5, 5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation", "best epoch"]
    assert curves.best_text.get_visible() and curves.best_text.get_text() == " 5" and curves.best_text.get_position()[0] == 5
    low, high = ax.get_ylim()
    assert low < 0.27 and high > 1.1 and high - low < 1.1  # the data, with a small margin
    assert ax.get_xlim()[0] <= 1 and ax.get_xlim()[1] >= 8
    accuracy_curves = HistoryCurves(new_axes(), "accuracy")
    accuracy_curves.update({"accuracy": [0.5, 0.7, 0.9], "val_accuracy": [0.6, 0.8, 0.7]})
    assert accuracy_curves.best_epoch == 2  # the largest, for an accuracy


def test_history_curves_without_validation_and_empty():
    ax = new_axes()
    curves = HistoryCurves(ax, "loss", title="loss (log)", log=True)
    assert ax.get_legend() is None and len(curves.train_line.get_xdata()) == 0  # made from an empty history
    curves.update(history_of(loss=[0.9, 0.5, 0.2]))
    assert not curves.val_line.get_visible() and not curves.best_line.get_visible() and curves.best_epoch is None
    assert not curves.best_text.get_visible()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training"]
    curves.update(History())
    assert len(curves.train_line.get_xdata()) == 0 and ax.get_legend() is None
    assert ax.get_yscale() == "log" and ax.get_title() == "loss (log)"
    render(ax.figure)


def test_history_curves_survive_non_finite_values():
    ax = new_axes()
    curves = HistoryCurves(ax, "loss", log=True)
    loss = [0.8, 0.0, np.inf, 0.3, np.nan, -1.0]
    val = [0.9, np.nan, 0.4, np.inf, 0.6, 0.7]
    curves.update(history_of(loss=loss, val_loss=val))
    shown = curves.train_line.get_ydata()
    assert np.isnan(shown[[2, 4]]).all()
    np.testing.assert_allclose(shown[[0, 1, 3, 5]], [0.8, 0.3, 0.3, 0.3])  # <= 0 drawn at the smallest positive
    assert curves.best_epoch == 3
    low, high = ax.get_ylim()
    assert np.isfinite([low, high]).all() and 0 < low < 0.3 and high > 0.9
    linear = HistoryCurves(new_axes(), "loss")
    linear.update({"loss": [np.nan, np.inf], "val_loss": [np.nan, np.nan]})
    assert linear.best_epoch is None and np.isfinite(linear.ax.get_ylim()).all()
    render(ax.figure)
    render(linear.ax.figure)


def minor_labels(ax):
    """{tick value: its label} for the y-axis's minor ticks inside the view, as last drawn."""
    low, high = ax.get_ylim()
    return {round(float(label.get_position()[1]), 9): label.get_text() for label in ax.yaxis.get_minorticklabels()
            if low <= label.get_position()[1] <= high}


@pytest.mark.parametrize("loss, expected, label_of_03", [
    ([0.6, 0.45, 0.35, 0.3], {0.3: "0.3", 0.4: "0.4", 0.5: "0.5", 0.6: "0.6"}, "0.3"),  # < a decade: every tick
    ([0.9, 0.5, 0.12], {v: f"{v:g}" for v in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}, "0.3"),  # 9.6x, 1 in view
    ([1.0, 0.3, 0.1, 0.03, 0.02], {0.02: "0.02", 0.03: "", 0.04: "", 0.05: "0.05", 0.06: "", 0.07: "", 0.08: "",
                                   0.09: "", 0.2: "0.2", 0.3: "", 0.4: "", 0.5: "0.5", 0.6: "", 0.7: "", 0.8: "",
                                   0.9: ""}, ""),  # 80x: only 2 and 5 times a power of 10
])
def test_a_log_axis_labels_its_minor_ticks_by_the_span(loss, expected, label_of_03):
    ax = new_axes()
    HistoryCurves(ax, "loss", log=True).update({"loss": loss})
    render(ax.figure)
    assert minor_labels(ax) == {round(value, 9): text for value, text in expected.items()}
    assert ax.yaxis.get_minor_formatter()(0.3, 0) == label_of_03


def test_a_log_axis_spanning_more_than_2_5_decades_labels_no_minor_tick():
    ax = new_axes()
    HistoryCurves(ax, "loss", log=True).update({"loss": [1.0, 0.1, 0.01, 0.001]})  # 1500x with the margins
    render(ax.figure)
    labels = minor_labels(ax)
    assert len(labels) >= 3 * 8 and set(labels.values()) == {""}
    assert [t.get_text() for t in ax.yaxis.get_majorticklabels()
            if ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]] == ["0.001", "0.01", "0.1", "1"]


def test_history_curves_refuse_bad_arguments():
    curves = HistoryCurves(new_axes(), "accuracy")
    with pytest.raises(ValueError, match="history has no 'accuracy'; it has 'loss'"):
        curves.update(history_of(loss=[1.0, 0.5]))
    with pytest.raises(TypeError, match="history must be a History"):
        curves.update([0.5, 0.4])
    with pytest.raises(ValueError, match=re.escape("history['val_accuracy'] has 1 values for 2 epochs")):
        curves.update({"accuracy": [0.5, 0.6], "val_accuracy": [0.5]})
    with pytest.raises(TypeError, match="history.epoch must be a list of epoch numbers"):
        curves.update(type("Bad", (), {"history": {"accuracy": [0.5]}, "epoch": ["one"]})())
    without_epochs = type("Plain", (), {"history": {"accuracy": [0.5, 0.7], "val_accuracy": [0.6, 0.65]}})()
    assert curves.update(without_epochs).best_epoch == 2  # no .epoch: epochs 1, 2, ...
    with pytest.raises(TypeError, match="metric must be a key"):
        HistoryCurves(new_axes(), 3)
    with pytest.raises(TypeError, match="log must be True or False"):
        HistoryCurves(new_axes(), log="yes")


def test_history_curves_updates_add_no_artists():
    ax = new_axes()
    curves = HistoryCurves(ax, "loss")
    rng = np.random.default_rng(1)
    curves.update(history_of(loss=list(rng.random(5)), val_loss=list(rng.random(5))))
    counts, legend = artist_counts(ax), ax.get_legend()
    for n in (12, 30, 31):
        curves.update(history_of(loss=list(rng.random(n)), val_loss=list(rng.random(n))))
    assert artist_counts(ax) == counts == (0, 3, 0, 1, 0, 3)  # 1 text: the best epoch's number
    assert ax.get_legend() is legend  # the same legend, its texts unchanged: the best epoch's number is at the line
    assert [t.get_text() for t in legend.get_texts()] == ["training", "validation", "best epoch"]
    assert curves.best_text.get_text() == f" {curves.best_epoch}" and curves.best_text.get_position()[0] == curves.best_epoch


def test_plot_history():
    history = history_of(loss=[0.9, 0.5, 0.4], val_loss=[1.0, 0.7, 0.8], accuracy=[0.5, 0.8, 0.9],
                         val_accuracy=[0.4, 0.7, 0.75])
    axes = plot_history(history)
    assert len(axes) == 2 and axes[0].figure is axes[1].figure
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    np.testing.assert_array_equal(axes[1].lines[1].get_ydata(), [0.4, 0.7, 0.75])
    only_loss = plot_history(history_of(loss=[0.9, 0.5]))
    assert [ax.get_title() for ax in only_loss] == ["loss"]
    mine = new_axes()
    assert plot_history(history, metrics="accuracy", axes=mine) == [mine]
    assert len(plot_history(History())) == 2  # empty, drawn empty
    with pytest.raises(ValueError, match="axes must hold one Axes per metric present"):
        plot_history(history, axes=[mine])
    with pytest.raises(ValueError, match="history has none of the metrics"):
        plot_history(history, metrics=["mse"])


# ---- ValidationCurve -------------------------------------------------------------------------------------------

UNITS = [1, 2, 4, 6, 8, 16, 32, 64]


def test_a_validation_curve_starts_empty_over_its_values():
    ax = new_axes()
    curve = ValidationCurve(ax)
    assert curve.start("units", UNITS, current=6) is curve
    np.testing.assert_array_equal(ax.get_xticks(), np.arange(8))  # one tick per value, at 0, 1, ...
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4", "6", "8", "16", "32", "64"]
    assert ax.get_xlim() == (-0.5, 7.5) and ax.get_xlabel() == "units"
    assert ax.get_ylim() == pytest.approx((0, 0.6))  # 2 classes: chance is 50%, and a little above
    assert len(curve.train_line.get_xdata()) == len(curve.val_line.get_xdata()) == 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    curve.start("l2", [0.0, 1e-4, 0.001, 0.1], n_classes=3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.0001", "0.001", "0.1"]
    assert ax.get_xlim() == (-0.5, 3.5) and ax.get_xlabel() == "l2"
    assert ax.get_ylim() == pytest.approx((0, 1 - 1 / 3 + 0.1))
    assert curve.start("classes", [2, 3], n_classes=5).ax.get_ylim() == pytest.approx((0, 0.9))


def test_the_band_marks_the_current_value():
    ax = new_axes((6, 3))
    curve = ValidationCurve(ax).start("units", UNITS, current=6)
    assert curve.band.get_visible() and curve.band.get_x() == pytest.approx(3 - 0.3) and curve.band.get_width() == 0.6
    image = render(ax.figure)  # drawn where the value 6 is (position 3), the whole height; nowhere else
    for y in (0.05, 0.3, 0.55):
        inside, outside = pixel(ax, image, 3, y), pixel(ax, image, 5, y)
        assert np.allclose(outside, 1.0) and inside[2] > inside[0] + 0.05 and inside.max() < 0.99, (y, inside)
    for x in (2.7, 3.3):  # the edges of the band: 0.3 either side
        assert not np.allclose(pixel(ax, image, x + 0.05 * np.sign(3 - x), 0.3), 1.0)
        assert np.allclose(pixel(ax, image, x - 0.05 * np.sign(3 - x), 0.3), 1.0)
    curve.start("units", UNITS, current=64)  # a new sweep moves it
    assert curve.band.get_visible() and curve.band.get_x() == pytest.approx(7 - 0.3)
    for current in (5, None):  # not one of the values: no band
        curve.start("units", UNITS, current=current)
        assert not curve.band.get_visible()
        assert np.allclose(pixel(ax, render(ax.figure), 3, 0.3), 1.0)


def test_a_validation_curve_fills_in_as_values_are_trained():
    ax = new_axes()
    curve = ValidationCurve(ax).start("lr", [1e-3, 0.01, 0.1, 1.0, 10.0], current=0.01)
    counts = artist_counts(ax)
    assert curve.update([0.4], [0.45]) is curve
    np.testing.assert_array_equal(curve.train_line.get_xdata(), [0])
    np.testing.assert_array_equal(curve.val_line.get_ydata(), [0.45])
    curve.update([0.4, 0.1, 0.08], [0.45, 0.12, 0.11])
    np.testing.assert_array_equal(curve.train_line.get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(curve.val_line.get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(curve.train_line.get_ydata(), [0.4, 0.1, 0.08])
    np.testing.assert_array_equal(curve.val_line.get_ydata(), [0.45, 0.12, 0.11])
    curve.update([0.4, 0.1, 0.08, np.nan, 0.5], [0.45, 0.12, 0.11, np.nan, 0.5])  # a diverged run: a gap
    assert np.isnan(curve.train_line.get_ydata()[3]) and np.isnan(curve.val_line.get_ydata()[3])
    np.testing.assert_array_equal(curve.train_line.get_xdata(), np.arange(5))
    assert artist_counts(ax) == counts  # updates change the lines, add nothing
    render(ax.figure)
    curve.update([], [])  # and back to none
    assert len(curve.train_line.get_xdata()) == len(curve.val_line.get_ydata()) == 0


def test_a_validation_curve_refuses_bad_arguments():
    curve = ValidationCurve(new_axes())
    with pytest.raises(ValueError, match=re.escape("at most 0; got 1 and 1")):  # not started: no values yet
        curve.update([0.1], [0.2])
    curve.start("units", [1, 2, 4])
    with pytest.raises(ValueError, match=re.escape("train and val must have one error per value trained so far, at "
                                                   "most 3; got 2 and 3")):
        curve.update([0.1, 0.2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=re.escape("at most 3; got 4 and 4")):
        curve.update([0.1] * 4, [0.1] * 4)
    with pytest.raises(ValueError, match="train"):
        curve.update([[0.1, 0.2]], [[0.1, 0.2]])  # not 1-D
    for name, values in ((3, [1, 2]), ("units", []), ("units", 4), ("units", "1248")):
        with pytest.raises(TypeError, match="name must be a str and values a non-empty list"):
            curve.start(name, values)
    assert curve.values == [1, 2, 4]  # a refused start changes nothing
