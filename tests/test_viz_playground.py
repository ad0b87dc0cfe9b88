"""nnlib.viz's playground plots (notebook 10): DecisionRegions, grid_points, HistoryCurves, NetworkHeatmaps,
unit_values, plot_network, ConfusionMatrixPlot, plot_decision_regions, plot_history; and nnlib.metrics's
confusion_matrix. Drawn with matplotlib's Agg backend on plain Figures (no pyplot)."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnlib import data  # noqa: E402
from nnlib.callbacks import History  # noqa: E402
from nnlib.layers import Dense, Dropout  # noqa: E402
from nnlib.metrics import accuracy, confusion_matrix  # noqa: E402
from nnlib.model import Sequential  # noqa: E402
from nnlib.viz import (CLASS_COLORS, ConfusionMatrixPlot, DecisionRegions, HistoryCurves,  # noqa: E402
                       NetworkHeatmaps, grid_points, plot_decision_regions, plot_history, plot_network,
                       unit_values)


def new_axes(size=(4, 3)):
    return Figure(figsize=size, dpi=80).add_subplot()


def artist_counts(ax):
    legend = ax.get_legend()
    return (len(ax.images), len(ax.lines), len(ax.collections), len(ax.texts), len(ax.patches),
            0 if legend is None else len(legend.get_texts()))


def render(figure):
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(float) / 255


def pixel(ax, image, x, y):
    """The rendered colour at data point (x, y)."""
    px, py = ax.transData.transform((x, y))
    return image[image.shape[0] - 1 - int(round(py)), int(round(px))]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- confusion_matrix ---------------------------------------------------------------------------------------

def test_confusion_matrix_of_labels():
    C = confusion_matrix([0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1])
    assert C.dtype == np.int64
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 1], [0, 0, 2]])


def test_confusion_matrix_of_probabilities_and_one_hot():
    binary = confusion_matrix([0, 0, 1, 1, 1], [[0.2], [0.7], [0.9], [0.4], [0.51]])
    np.testing.assert_array_equal(binary, [[1, 1], [1, 2]])
    one_hot = np.eye(3)[[2, 0, 1, 1]]
    outputs = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
    np.testing.assert_array_equal(confusion_matrix(one_hot, outputs), [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    padded = confusion_matrix([0, 1], [1, 1], n_classes=4)
    assert padded.shape == (4, 4) and padded[0, 1] == 1 and padded[1, 1] == 1 and padded.sum() == 2


def test_confusion_matrix_reads_each_form_of_labels_and_outputs():
    np.testing.assert_array_equal(confusion_matrix([0, 1], [[0.9, 0.1], [0.2, 0.8]]), [[1, 0], [0, 1]])  # 2 outputs
    np.testing.assert_array_equal(confusion_matrix([0, 1], [[0.5], [0.51]]), [[1, 0], [0, 1]])  # p > 0.5 is class 1
    np.testing.assert_array_equal(confusion_matrix([[0], [1], [1]], [0, 1, 0]), [[1, 0], [1, 1]])  # labels as a column
    assert confusion_matrix([0, 4], [0, 1]).shape == (5, 5) and confusion_matrix([0, 1], [0, 4]).shape == (5, 5)
    np.testing.assert_array_equal(confusion_matrix([], []), np.zeros((2, 2)))  # no samples: no counts
    assert confusion_matrix(np.zeros(0), np.zeros(0), n_classes=3).shape == (3, 3)


def test_confusion_matrix_agrees_with_a_loop_and_accuracy():
    rng = np.random.default_rng(3)
    y_true, outputs = rng.integers(0, 5, size=500), rng.random((500, 5))
    C = confusion_matrix(y_true, outputs)
    expected = np.zeros((5, 5), dtype=np.int64)
    for t, p in zip(y_true, outputs.argmax(axis=1)):
        expected[t, p] += 1
    np.testing.assert_array_equal(C, expected)
    assert np.trace(C) / 500 == pytest.approx(accuracy(y_true, outputs))


@pytest.mark.parametrize("args, kwargs, error, words", [
    (([0, 1, 1], [0, 1]), {}, ValueError, "one row per sample"),
    (([0, -1], [0, 1]), {}, ValueError, "y_true must hold class labels"),
    (([0, 1.5], [0, 1]), {}, ValueError, "got 1.5 at index 1"),
    (([0, 1], [0.2, 0.9]), {}, ValueError, "pass probabilities as (n, 1)"),
    (([0, 1], [0.2, 0.9]), {}, ValueError,
     "y_pred (class labels; pass probabilities as (n, 1)) must hold class labels 0, 1, 2, ...; got 0.2 at index 0"),
    (([0, 1], [0, 3]), {"n_classes": 3}, ValueError, "y_pred has class 3 at index 1; n_classes is 3 (classes 0..2)"),
    ((np.eye(2)[[0, 1]], [0, 1]), {"n_classes": 3}, ValueError, "y_true has 2 columns (one per class); n_classes is 3"),
    (([[1, 0], [0.5, 0.5]], [0, 1]), {}, ValueError,
     "y_true of shape (2, 2) must be one-hot rows (one 1, the rest 0); row 1 is [0.5 0.5]"),
    (([[[0]]], [0]), {}, ValueError, "y_true must be a 1-D or 2-D array (n_samples,) or (n_samples, n_classes); got shape (1, 1, 1)"),
    (([0], [[[0]]]), {}, ValueError, "y_pred must be a 1-D or 2-D array (n_samples,) or (n_samples, n_classes); got shape (1, 1, 1)"),
    (([0, 3], [0, 1]), {"n_classes": 3}, ValueError, "y_true has class 3 at index 1"),
    (([0, 1], [[0.1, 0.9], [0.8, 0.2]]), {"n_classes": 3}, ValueError, "y_pred has 2 columns"),
    (([[1, 0], [1, 1]], [0, 1]), {}, ValueError, "one-hot rows"),
    (([0, 1], [[np.nan], [0.3]]), {}, ValueError, "y_pred must be finite"),
    (([0, 1], [0, 1]), {"n_classes": 1}, ValueError, "n_classes must be >= 2"),
    (([0, 1], [0, 1]), {"n_classes": True}, TypeError, "n_classes must be an integer"),
    ((["a", "b"], [0, 1]), {}, TypeError, "y_true must hold real numbers"),
])
def test_confusion_matrix_refuses_bad_arguments(args, kwargs, error, words):
    with pytest.raises(error, match=("^" if words.startswith(("y_", "n_classes")) else "") + re.escape(words)):
        confusion_matrix(*args, **kwargs)


# ---- grid_points --------------------------------------------------------------------------------------------

def test_grid_points_are_the_pixel_centres_in_meshgrid_order():
    grid = grid_points((-1.0, 2.0), (-3.0, 1.0), 6)
    assert grid.shape == (36, 2) and grid.dtype == np.float64
    xs, ys = -1.0 + 0.5 * np.arange(6) + 0.25, -3.0 + (2 / 3) * np.arange(6) + 1 / 3  # pixel centres
    gx, gy = np.meshgrid(xs, ys)
    np.testing.assert_allclose(grid, np.column_stack([gx.ravel(), gy.ravel()]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid[0], [-1.0 + 0.25, -3.0 + 1 / 3])
    np.testing.assert_allclose(grid[1] - grid[0], [0.5, 0.0])  # x runs fastest
    np.testing.assert_allclose(grid[6] - grid[0], [0.0, 2 / 3])  # then y, from the bottom
    np.testing.assert_allclose(grid[-1], [2.0 - 0.25, 1.0 - 1 / 3])
    square = grid_points([0, 1], np.array([10, 12]), 2)  # any pair of numbers
    np.testing.assert_allclose(square, [[0.25, 10.5], [0.75, 10.5], [0.25, 11.5], [0.75, 11.5]])


def test_grid_points_is_the_decision_regions_grid():
    regions = DecisionRegions(new_axes(), (-1.0, 2.0), (-3.0, 1.0), 2, resolution=6)
    grid = regions.grid()
    np.testing.assert_array_equal(grid, grid_points((-1.0, 2.0), (-3.0, 1.0), 6))
    grid[0] = 99
    assert regions.grid()[0, 0] != 99  # a copy


@pytest.mark.parametrize("args, error, words", [
    ((3, (0, 1), 4), TypeError, "xlim must be a pair (low, high); got int 3"),
    (((0, 1), (0, 1, 2), 4), TypeError, "ylim must be a pair (low, high); got tuple (0, 1, 2)"),
    (("ab", (0, 1), 4), TypeError, "xlim must be a pair (low, high); got str"),
    (((1, 0), (0, 1), 4), ValueError, "xlim must be (low, high) with low < high; got (1, 0)"),
    (((0, 1), (2, 2), 4), ValueError, "ylim must be (low, high) with low < high; got (2, 2)"),
    (((0, 1), (0, np.inf), 4), ValueError, "ylim[1] must be finite; got inf"),
    (((np.nan, 1), (0, 1), 4), ValueError, "xlim[0] must be finite"),
    (((0, 1), (0, 1), 1), ValueError, "resolution must be >= 2; got 1"),
    (((0, 1), (0, 1), 2.5), TypeError, "resolution must be an integer; got float 2.5"),
    (((0, 1), (0, 1), True), TypeError, "resolution must be an integer; got bool True"),
])
def test_grid_points_refuses_bad_arguments(args, error, words):
    with pytest.raises(error, match=re.escape(words)):
        grid_points(*args)


# ---- DecisionRegions ----------------------------------------------------------------------------------------

def test_two_classes_show_on_the_right_side():
    ax = new_axes()
    regions = DecisionRegions(ax, (-1.0, 2.0), (-3.0, 1.0), 2, resolution=30)
    grid, depth = regions.grid(), regions.depth
    regions.update((grid[:, 0] > 0).astype(float)[:, None], np.zeros((0, 2)), [])
    rgb = regions.image.get_array()
    assert rgb.shape == (30, 30, 3) and regions.image.origin == "lower"
    right = grid[:, 0].reshape(30, 30) > 0  # the array's columns are x, its rows y
    np.testing.assert_allclose(rgb[right], np.broadcast_to(1 - depth * (1 - CLASS_COLORS[1]), (right.sum(), 3)))
    np.testing.assert_allclose(rgb[~right], np.broadcast_to(1 - depth * (1 - CLASS_COLORS[0]), ((~right).sum(), 3)))
    regions.update((grid[:, 1] > 0).astype(float), np.zeros((0, 2)), [])  # p = (y > 0), shape (m,)
    image = render(ax.figure)
    top, bottom, left = pixel(ax, image, 0.5, 0.6), pixel(ax, image, 0.5, -2.5), pixel(ax, image, -0.8, -1.0)
    assert top[0] > top[2] + 0.2 and bottom[2] > bottom[0] + 0.2 and left[2] > left[0] + 0.2  # orange up, blue down
    regions.update(np.full(900, 0.5), np.zeros((0, 2)), [])
    np.testing.assert_allclose(regions.image.get_array(), 1.0)  # unsure everywhere: white


def test_four_classes_and_their_points():
    ax = new_axes()
    regions = DecisionRegions(ax, (-1.0, 1.0), (-1.0, 1.0), 4, resolution=20)
    grid = regions.grid()
    quadrant = (grid[:, 0] > 0).astype(int) + 2 * (grid[:, 1] > 0)
    P = np.full((400, 4), 0.1)
    P[np.arange(400), quadrant] = 0.7  # confidence (0.7 - 0.25) / 0.75 = 0.6
    X = np.array([[0.5, 0.5], [-0.5, 0.5], [0.5, -0.5]])
    regions.update(P, X, [3, 2, 1], X[:2], np.eye(4)[[0, 1]])
    expected = 1 - regions.depth * 0.6 * (1 - CLASS_COLORS[quadrant])
    np.testing.assert_allclose(regions.image.get_array().reshape(400, 3), expected)
    np.testing.assert_allclose(regions.train.get_offsets(), X)
    np.testing.assert_allclose(regions.train.get_facecolors()[:, :3], CLASS_COLORS[[3, 2, 1]])
    np.testing.assert_allclose(regions.val.get_edgecolors()[:, :3], CLASS_COLORS[[0, 1]])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    regions.update(P, X[:1], [0])  # fewer points, no validation
    assert len(regions.train.get_offsets()) == 1 and len(regions.val.get_offsets()) == 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training"]


def test_non_finite_probabilities_grey_the_plane():
    regions = DecisionRegions(new_axes(), (0.0, 1.0), (0.0, 1.0), 2, resolution=10)
    p = np.full(100, 0.9)
    p[17] = np.nan
    assert regions.update(p, [[0.5, 0.5]], [1]) is regions
    assert regions.finite is False
    np.testing.assert_allclose(regions.image.get_array(), 0.8)
    p[17], p[3] = 0.9, np.inf
    regions.update(p, [[0.5, 0.5]], [1])
    assert regions.finite is False
    regions.update(np.full(100, 0.9), [[0.5, 0.5]], [1])
    assert regions.finite is True and regions.image.get_array().min() < 0.8


@pytest.mark.parametrize("change, error, words", [
    ({"probabilities": np.zeros((99, 1))}, ValueError, "shape (100,) or (100, 1) or (100, 2); got shape (99, 1)"),
    ({"probabilities": np.zeros((100, 3))}, ValueError, "got shape (100, 3)"),
    ({"probabilities": [["a"] * 100]}, TypeError, "probabilities must hold real numbers"),
    ({"y_train": [0, 2]}, ValueError, "y_train must hold class labels 0..1; got 2 at index 1"),
    ({"X_train": np.zeros((2, 3))}, ValueError, "X_train must be (n, 2) points"),
    ({"y_train": [0]}, ValueError, "one label each"),
    ({"X_val": np.zeros((1, 2))}, ValueError, "X_val and y_val go together"),
])
def test_decision_regions_update_refuses_bad_arguments(change, error, words):
    regions = DecisionRegions(new_axes(), (0.0, 1.0), (0.0, 1.0), 2, resolution=10)
    before = regions.image.get_array().copy()
    arguments = {"probabilities": np.zeros(100), "X_train": np.zeros((2, 2)), "y_train": [0, 1]} | change
    with pytest.raises(error, match=re.escape(words)):
        regions.update(**arguments)
    np.testing.assert_array_equal(regions.image.get_array(), before)  # nothing drawn from bad arguments


@pytest.mark.parametrize("args, error, words", [
    (("ax", (0, 1), (0, 1), 2), TypeError, "ax must be a matplotlib Axes"),
    ((None, (1, 0), (0, 1), 2), ValueError, "xlim must be (low, high) with low < high"),
    ((None, (0, 1), 5, 2), TypeError, "ylim must be a pair"),
    ((None, (0, 1), (0, np.nan), 2), ValueError, "ylim[1] must be finite"),
    ((None, (0, 1), (0, 1), 6), ValueError, "n_classes must be at most 5"),
    ((None, (0, 1), (0, 1), 1), ValueError, "n_classes must be >= 2"),
])
def test_decision_regions_refuses_bad_arguments(args, error, words):
    args = (new_axes(),) + args[1:] if args[0] is None else args
    with pytest.raises(error, match=re.escape(words)):
        DecisionRegions(*args)


def test_decision_regions_updates_add_no_artists():
    ax = new_axes()
    regions = DecisionRegions(ax, (-2.0, 2.0), (-2.0, 2.0), 3, resolution=16)
    rng = np.random.default_rng(0)
    regions.update(rng.dirichlet(np.ones(3), 256), rng.normal(size=(40, 2)), rng.integers(0, 3, 40),
                   rng.normal(size=(10, 2)), rng.integers(0, 3, 10))
    counts = artist_counts(ax)
    for n in (50, 5, 80):
        regions.update(rng.dirichlet(np.ones(3), 256), rng.normal(size=(n, 2)), rng.integers(0, 3, n),
                       rng.normal(size=(n // 3, 2)), rng.integers(0, 3, n // 3))
    assert artist_counts(ax) == counts == (1, 0, 2, 0, 0, 2)


# ---- HistoryCurves ------------------------------------------------------------------------------------------

def history_of(**series):
    history = History()
    for epoch in range(1, len(next(iter(series.values()))) + 1):
        history._append(epoch, {key: values[epoch - 1] for key, values in series.items()})
    return history


def test_history_curves_follow_the_history():
    ax = new_axes()
    loss = [1.0, 0.7, 0.5, 0.4, 0.35, 0.3, 0.28, 0.27]
    val = [1.1, 0.8, 0.6, 0.55, 0.5, 0.52, 0.58, 0.6]
    curves = HistoryCurves(ax, "loss").update(history_of(loss=loss, val_loss=val))
    np.testing.assert_array_equal(curves.train_line.get_xdata(), np.arange(1, 9))
    np.testing.assert_array_equal(curves.train_line.get_ydata(), loss)
    np.testing.assert_array_equal(curves.val_line.get_ydata(), val)
    assert curves.best_epoch == 5 and list(curves.best_line.get_xdata()) == [5, 5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation", "best: epoch 5"]
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
    assert artist_counts(ax) == counts == (0, 3, 0, 0, 0, 3)
    assert ax.get_legend() is legend  # the same legend, its best-epoch text changed in place
    assert legend.get_texts()[2].get_text() == f"best: epoch {curves.best_epoch}"


# ---- NetworkHeatmaps ----------------------------------------------------------------------------------------

def network_inputs(sizes, r, rng):
    values = [rng.normal(size=(r * r, n)) for n in sizes]
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    return values, weights


def test_network_draws_every_node_when_layers_are_small():
    ax = new_axes((5, 3))
    network = NetworkHeatmaps(ax, [2, 3, 1], resolution=8, labels=["x1", "x2"])
    assert len(ax.images) == 6 and [len(images) for images in network.images] == [2, 3, 1]
    assert len(network.edges.get_segments()) == 2 * 3 + 3 * 1
    texts = [t.get_text() for t in ax.texts]
    assert not any(t.startswith("+") for t in texts)
    assert {"x1", "x2", "input", "hidden 1", "output"} <= set(texts)


def test_network_shows_large_layers_compactly():
    ax = new_axes((6, 4))
    network = NetworkHeatmaps(ax, [6, 12, 8, 10], max_units=8, resolution=8)
    assert network.shown == [6, 7, 8, 7]
    assert len(ax.images) == 6 + 7 + 8 + 7
    assert len(network.edges.get_segments()) == 6 * 7 + 7 * 8 + 8 * 7
    assert sorted(t.get_text() for t in ax.texts if t.get_text().startswith("+")) == ["+3", "+5"]
    values, weights = network_inputs([6, 12, 8, 10], 8, np.random.default_rng(2))
    assert network.update(values, weights) is network
    np.testing.assert_allclose(network.images[1][6].get_array(),  # the last drawn unit of the 12
                               (values[1][:, 6] / np.abs(values[1][:, 6]).max()).reshape(8, 8))


def test_network_images_and_lines_follow_values_and_weights():
    ax = new_axes((5, 3))
    r = 6
    network = NetworkHeatmaps(ax, [2, 3, 2], resolution=r, max_width=4.0)
    xs, ys = np.linspace(-1, 1, r), np.linspace(0, 2, r)
    gx, gy = np.meshgrid(xs, ys)
    features = np.column_stack([3 * gx.ravel(), gy.ravel()])
    hidden, output = np.zeros((r * r, 3)), np.full((r * r, 2), -2.0)
    hidden[:, 1] = np.nan
    W1, W2 = np.zeros((2, 3)), np.array([[0.5, -1.0], [0.0, 0.25], [0.0, 0.0]])
    W1[1, 2] = -2.0  # the largest |w|: from input node 1 to hidden node 2
    network.update([features, hidden, output], [W1, W2])
    x_tile = network.images[0][0].get_array()
    np.testing.assert_allclose(x_tile, gx / np.abs(gx).max())  # scaled to max |value| 1; columns are x
    np.testing.assert_allclose(network.images[0][1].get_array()[:, 0], ys / 2)  # rows are y, from the bottom
    assert np.ma.getmaskarray(network.images[1][1].get_array()).all()  # NaN: drawn in the 'bad' grey
    np.testing.assert_allclose(network.images[2][0].get_array(), -1.0)
    widths = np.asarray(network.edges.get_linewidths())
    assert widths.shape == (2 * 3 + 3 * 2,)
    np.testing.assert_allclose(widths, 0.2 + 4.0 * np.abs(np.concatenate([W1.ravel(), W2.ravel()])) / 2.0)
    widest = network.edges.get_segments()[int(np.argmax(widths))]
    starts, ends = network.frames.get_paths()[1].vertices, network.frames.get_paths()[4].vertices
    assert widest[0][1] == pytest.approx(starts[:4, 1].mean()) and widest[1][1] == pytest.approx(ends[:4, 1].mean())
    colors = network.edges.get_colors()
    np.testing.assert_allclose(colors[5, :3], CLASS_COLORS[0])  # w = -2: blue
    np.testing.assert_allclose(colors[6, :3], CLASS_COLORS[1])  # w = 0.5: orange
    render(ax.figure)


def test_network_refuses_bad_arguments():
    ax = new_axes()
    with pytest.raises(TypeError, match="layer_sizes must be a list of 2 or more"):
        NetworkHeatmaps(ax, [3])
    with pytest.raises(TypeError, match="labels must be a list of 2 strings"):
        NetworkHeatmaps(ax, [2, 1], labels=["x1"])
    with pytest.raises(ValueError, match="max_units must be >= 2"):
        NetworkHeatmaps(ax, [2, 1], max_units=1)
    network = NetworkHeatmaps(new_axes(), [2, 3, 1], resolution=4)
    values, weights = network_inputs([2, 3, 1], 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match=re.escape("unit_values[1] must have shape (16, 3)")):
        network.update([values[0], values[1][:, :2], values[2]], weights)
    with pytest.raises(ValueError, match=re.escape("weights[1] must have shape (3, 1) (n_in, n_out); got (1, 3)")):
        network.update(values, [weights[0], weights[1].T])
    with pytest.raises(TypeError, match="unit_values must be a list of 3 arrays"):
        network.update(values[:2], weights)
    network.update([values[0], values[1], values[2][:, 0]], weights)  # a one-unit layer may be (m,)
    np.testing.assert_allclose(network.images[2][0].get_array(),
                               (values[2][:, 0] / np.abs(values[2][:, 0]).max()).reshape(4, 4))


def test_network_updates_add_no_artists():
    figure = Figure(figsize=(10, 4), dpi=80)
    ax = figure.add_subplot()
    sizes = [8] * 6
    network = NetworkHeatmaps(ax, sizes, resolution=24)
    rng = np.random.default_rng(4)
    inputs = [network_inputs(sizes, 24, rng) for _ in range(5)]
    network.update(*inputs[0])
    counts = artist_counts(ax)
    for i in range(1, 8):
        network.update(*inputs[i % 5])
    render(figure)
    assert artist_counts(ax) == counts == (48, 0, 2, 8 + 6, 0, 0)  # 8 input names, 6 headers


# ---- unit_values and plot_network ---------------------------------------------------------------------------

def playground_model(output="sigmoid"):
    """3 features -> Dense 5 tanh -> Dropout 0.5 -> Dense 4 relu -> Dropout 0.2 -> Dense 1 sigmoid (or 3 softmax)."""
    units = 1 if output == "sigmoid" else 3
    return Sequential([Dense(5, "tanh", input_dim=3, rng=0), Dropout(0.5, rng=7), Dense(4, "relu", rng=1),
                       Dropout(0.2, rng=8), Dense(units, output, rng=2)])


def by_hand(model, X):
    """Every Dense layer's output, computed from its params (Dropout: the identity, at prediction)."""
    dense = [layer for layer in model.layers if type(layer) is Dense]
    W = [layer.params["W"] for layer in dense]
    b = [layer.params["b"] for layer in dense]
    h1 = np.tanh(X @ W[0] + b[0])
    h2 = np.maximum(h1 @ W[1] + b[1], 0.0)
    z = h2 @ W[2] + b[2]
    if z.shape[1] == 1:
        out = sigmoid(z)
    else:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
    return [h1, h2, out], W


@pytest.mark.parametrize("output, K", [("sigmoid", 2), ("softmax", 3)])
def test_unit_values_are_the_drawn_layers_outputs(output, K):
    model = playground_model(output)
    X = data.features(grid_points((-2.0, 2.0), (-1.5, 1.5), 5), ("x1", "x2", "x1*x2"))
    states = [layer.rng.bit_generator.state for layer in model.layers if type(layer) is Dropout]
    values, weights = unit_values(model, X)
    (h1, h2, out), W = by_hand(model, X)
    assert [v.shape for v in values] == [(25, 3), (25, 5), (25, 4), (25, out.shape[1])]
    np.testing.assert_array_equal(values[0], X)
    np.testing.assert_allclose(values[1], h1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(values[2], h2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(values[3], out - 1 / K, rtol=1e-12, atol=1e-15)  # p - 1/K: its sign is the class
    np.testing.assert_allclose(values[3] + 1 / K, model.predict(X), rtol=1e-12, atol=1e-15)
    if K > 2:
        np.testing.assert_allclose(values[3].sum(axis=1), 1 - K * (1 / K), atol=1e-12)  # rows of p sum to 1
    assert len(weights) == 3 and all(w is m for w, m in zip(weights, W))  # the layers' own W, Dropout skipped
    # Dropout inactive: no mask drawn, its generator untouched
    assert [layer.rng.bit_generator.state for layer in model.layers if type(layer) is Dropout] == states
    assert all(layer.mask is None for layer in model.layers if type(layer) is Dropout)


def test_unit_values_of_a_single_dense_layer_and_float32():
    model = Sequential([Dense(1, "sigmoid", input_dim=2, rng=3)], dtype="float32")
    X = grid_points((-1.0, 1.0), (-1.0, 1.0), 4)
    values, weights = unit_values(model, X)
    assert len(values) == 2 and len(weights) == 1 and weights[0].dtype == np.float32
    W, b = model.layers[0].params["W"].astype(np.float64), model.layers[0].params["b"].astype(np.float64)
    np.testing.assert_allclose(values[1], sigmoid(X @ W + b) - 0.5, atol=1e-6)


@pytest.mark.parametrize("model, inputs, error, words", [
    (lambda: Sequential([Dense(3), Dense(1)]), np.zeros((4, 2)), ValueError,
     "model must be a built Sequential (fit it first); got Sequential"),
    (lambda: Sequential(), np.zeros((4, 2)), ValueError, "model must be a built Sequential (fit it first)"),
    (lambda: object(), np.zeros((4, 2)), ValueError, "model must be a built Sequential (fit it first); got object"),
    (lambda: Sequential([Dense(3, input_dim=2), Dense(1)]), np.zeros((4, 3)), ValueError,
     "inputs must have 2 columns (the model's input features); got shape (4, 3)"),
    (lambda: Sequential([Dense(3, input_dim=2), Dense(1)]), np.zeros(4), ValueError,
     "inputs must be a 2-D array (n_points, n_features); got shape (4,)"),
    (lambda: Sequential([Dense(3, input_dim=2), Dense(1)]), [[np.nan, 1.0]], ValueError, "inputs must be finite"),
])
def test_unit_values_refuses_bad_arguments(model, inputs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        unit_values(model(), inputs)


def test_plot_network_draws_the_model_over_the_plane():
    model = playground_model("sigmoid")
    ax = new_axes((6, 4))
    features = ("x1", "x2", "x1*x2")
    network = plot_network(model, (-2.0, 2.0), (-1.0, 1.0), features=features, ax=ax, resolution=10)
    assert isinstance(network, NetworkHeatmaps) and network.ax is ax
    assert network.layer_sizes == [3, 5, 4, 1] and [len(images) for images in network.images] == [3, 5, 4, 1]
    assert len(ax.images) == 3 + 5 + 4 + 1  # one image per drawn node; Dropout layers are not drawn
    assert len(network.edges.get_segments()) == 3 * 5 + 5 * 4 + 4 * 1
    assert {"x1", "x2", "x1*x2", "input", "hidden 1", "hidden 2", "output"} <= {t.get_text() for t in ax.texts}
    grid = grid_points((-2.0, 2.0), (-1.0, 1.0), 10)
    values, weights = unit_values(model, data.features(grid, features))
    for images, layer_values in zip(network.images, values):
        for k, image in enumerate(images):
            v = layer_values[:, k]
            np.testing.assert_allclose(image.get_array(), (v / np.abs(v).max()).reshape(10, 10), rtol=1e-12)
    product = grid[:, 0] * grid[:, 1]  # the feature x1*x2; its max |value| is at the corner pixels: 1.8 * 0.9
    np.testing.assert_allclose(network.images[0][2].get_array(), (product / 1.62).reshape(10, 10))
    w = np.abs(np.concatenate([W.ravel() for W in weights]))
    np.testing.assert_allclose(network.edges.get_linewidths(), 0.2 + 2.5 * w / w.max())
    render(ax.figure)


def test_plot_network_makes_a_figure_and_shows_large_layers_compactly():
    model = Sequential([Dense(12, "relu", input_dim=2, rng=0), Dense(1, "sigmoid", rng=1)])
    network = plot_network(model, (-1.0, 1.0), (-1.0, 1.0))
    assert isinstance(network, NetworkHeatmaps) and isinstance(network.ax.figure, Figure)
    assert network.shown == [2, 7, 1] and len(network.ax.images) == 2 + 7 + 1  # max_units 8: 7 drawn, "+5"
    assert [t.get_text() for t in network.ax.texts if t.get_text().startswith("+")] == ["+5"]
    assert network.images[0][0].get_array().shape == (24, 24)  # the default resolution
    with pytest.raises(ValueError, match=re.escape("inputs must have 2 columns (the model's input features); got "
                                                   "shape (576, 3)")):
        plot_network(model, (-1.0, 1.0), (-1.0, 1.0), features=("x1", "x2", "x1^2"))
    with pytest.raises(ValueError, match="names must be a non-empty list of features"):
        plot_network(model, (-1.0, 1.0), (-1.0, 1.0), features=("x1", "x3"))
    with pytest.raises(ValueError, match=re.escape("xlim must be (low, high) with low < high; got (1, -1)")):
        plot_network(model, (1.0, -1.0), (-1.0, 1.0))


# ---- ConfusionMatrixPlot ------------------------------------------------------------------------------------

def test_confusion_matrix_plot_writes_the_counts():
    ax = new_axes()
    plot = ConfusionMatrixPlot(ax, 3, labels=["cat", "dog", "owl"])
    counts = artist_counts(ax)
    assert [t.get_text() for t in plot.texts] == ["0"] * 9
    C = np.array([[5, 1, 0], [0, 0, 0], [2, 2, 16]])
    plot.update(C)
    assert [t.get_text() for t in plot.texts] == ["5", "1", "0", "0", "0", "0", "2", "2", "16"]
    np.testing.assert_allclose(plot.image.get_array(), [[5 / 6, 1 / 6, 0], [0, 0, 0], [0.1, 0.1, 0.8]])
    assert plot.texts[0].get_color() == "white" and plot.texts[1].get_color() == "0.1"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "owl"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    plot.update(confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2]))
    assert [t.get_text() for t in plot.texts] == ["1", "0", "0", "0", "0", "1", "0", "0", "2"]
    assert artist_counts(ax) == counts == (1, 0, 0, 9, 0, 0)
    with pytest.raises(ValueError, match=re.escape("matrix must have shape (3, 3)")):
        plot.update(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="matrix must hold counts"):
        plot.update(np.full((3, 3), 0.5))
    with pytest.raises(TypeError, match="labels must be a list of 2 strings"):
        ConfusionMatrixPlot(new_axes(), 2, labels=["a"])


# ---- plot_decision_regions and plot_history ------------------------------------------------------------------

class XModel:
    """p(class 1) = sigmoid(4 x1): class 1 on the right."""

    def predict(self, X):
        return 1 / (1 + np.exp(-4 * np.asarray(X)[:, :1]))


def test_plot_decision_regions():
    X_train, y_train = np.array([[-2.0, 0.0], [1.0, 3.0], [2.0, 1.0]]), np.array([0, 1, 1])
    ax = plot_decision_regions(XModel(), X_train, y_train, np.array([[0.0, -1.0]]), [0], resolution=40)
    np.testing.assert_allclose(ax.get_xlim(), (-2.4, 2.4))  # the points' box, 10% more on each side
    np.testing.assert_allclose(ax.get_ylim(), (-1.4, 3.4))
    image = render(ax.figure)
    right, left = pixel(ax, image, 1.5, 0.0), pixel(ax, image, -1.5, 2.5)
    assert right[0] > right[2] + 0.2 and left[2] > left[0] + 0.2
    mine = new_axes()
    assert plot_decision_regions(XModel(), X_train, y_train, ax=mine) is mine
    nan_model = type("NaNModel", (), {"predict": lambda self, X: np.full((len(X), 1), np.nan)})()
    assert plot_decision_regions(nan_model, X_train, y_train).get_title() == "model output is not finite"
    with pytest.raises(TypeError, match="model must have a method predict"):
        plot_decision_regions(object(), X_train, y_train)
    with pytest.raises(ValueError, match="the points must have 2 columns"):
        plot_decision_regions(XModel(), np.zeros((3, 3)), y_train)


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


# ---- the playground, rendered to PNG --------------------------------------------------------------------------

def test_render_the_playground_figures(tmp_path):
    X, y = data.moons(120, noise=0.2, rng=0)
    figure = Figure(figsize=(10, 4), dpi=80, layout="constrained")
    left, middle, right = figure.subplots(1, 3, width_ratios=[1.0, 1.5, 0.9])
    regions = DecisionRegions(left, (-2.0, 3.0), (-1.5, 2.0), 2)
    p = 1 / (1 + np.exp(-3 * (regions.grid()[:, 1] - 0.25 - 0.3 * np.sin(2 * regions.grid()[:, 0]))))
    regions.update(p, X[:90], y[:90], X[90:], y[90:])
    network = NetworkHeatmaps(middle, [4, 8, 12, 1], labels=["x1", "x2", "x1^2", "sin x1"])
    network.update(*network_inputs([4, 8, 12, 1], 24, np.random.default_rng(5)))
    history = history_of(loss=list(np.exp(-np.arange(40) / 10)),
                         val_loss=list(np.exp(-np.arange(40) / 12) + 0.002 * np.arange(40)))
    HistoryCurves(right, "loss", log=True).update(history)
    path = tmp_path / "playground.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
