"""nnlib.ui.checks, headless: the checks the plots share (checked_axes, plot_array, labelled_points) and set_legend.
The plots' own tests show them at work through each plot's door; these pin each one directly."""
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from nnlib.ui.checks import checked_axes, labelled_points, plot_array, set_legend  # noqa: E402
from ui_helpers import new_axes  # noqa: E402


def test_checked_axes_returns_an_axes_and_refuses_anything_else():
    ax = new_axes()
    assert checked_axes(ax) is ax
    for bad, text in ((ax.figure, "Figure"), ("ax", "str 'ax'"), (None, "None")):
        with pytest.raises(TypeError, match=f"^ax must be a matplotlib Axes; got {re.escape(text)}"):
            checked_axes(bad)


def test_plot_array_keeps_nan_and_inf_and_empty_arrays_as_float64():
    values = plot_array([[1, np.nan], [np.inf, -np.inf]], "values", (2,))
    assert values.dtype == np.float64 and values.shape == (2, 2)
    assert values[0, 0] == 1.0 and np.isnan(values[0, 1]) and np.isposinf(values[1, 0]) and np.isneginf(values[1, 1])
    assert plot_array(np.zeros(0, dtype=np.float32), "values", (1, 2)).dtype == np.float64  # empty: allowed
    same = np.ones(3)
    assert plot_array(same, "values", (1,)) is same  # already float64: not copied
    with pytest.raises(ValueError, match=r"^values must be a 2-D array; got shape \(3,\)$"):
        plot_array([1.0, 2.0, 3.0], "values", (2,))
    with pytest.raises(TypeError, match="^values must hold real numbers"):
        plot_array(["a"], "values", (1,))


def test_labelled_points_returns_points_and_integer_labels():
    X, labels = labelled_points([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [2, 0, 1.0], "X_train", "y_train", 3)
    np.testing.assert_array_equal(X, [[0, 1], [2, 3], [4, 5]])
    assert labels.tolist() == [2, 0, 1] and labels.dtype == np.int64
    _, one_hot = labelled_points(np.zeros((2, 2)), np.eye(3)[[2, 1]], "X_val", "y_val", 3)
    assert one_hot.tolist() == [2, 1]  # one-hot rows: the class of each
    _, column = labelled_points(np.zeros((2, 2)), [[1], [0]], "X", "y", 2)
    assert column.tolist() == [1, 0]  # one column: the labels
    X, labels = labelled_points(None, None, "X_val", "y_val", 2)
    assert X.shape == (0, 2) and labels.shape == (0,) and labels.dtype == np.int64
    X, labels = labelled_points(np.zeros((0, 2)), [], "X_val", "y_val", 2)
    assert X.shape == (0, 2) and labels.shape == (0,)


@pytest.mark.parametrize("X, y, error, message", [
    (np.zeros((1, 2)), None, ValueError, "X_val and y_val go together; got only X_val"),
    (None, [0], ValueError, "X_val and y_val go together; got only y_val"),
    (np.zeros((2, 3)), [0, 1], ValueError, "X_val must be (n, 2) points with one label each in y_val; got shapes (2, 3) and (2,)"),
    (np.zeros((2, 2)), [0], ValueError, "X_val must be (n, 2) points with one label each in y_val; got shapes (2, 2) and (1,)"),
    (np.zeros((2, 2)), [0, 3], ValueError, "y_val must hold class labels 0..2; got 3 at index 1"),
    (np.zeros((2, 2)), [-1, 0], ValueError, "y_val must hold class labels 0..2; got -1 at index 0"),
    (np.zeros((2, 2)), [0, 0.5], ValueError, "y_val must hold class labels 0..2; got 0.5 at index 1"),
    (np.zeros(2), [0, 1], ValueError, "X_val must be a 2-D array (n_points, 2); got shape (2,)"),
    (np.zeros((2, 2)), np.zeros((2, 1, 1)), ValueError, "y_val must be a 1-D or 2-D array"),
    ([[np.nan, 0.0]], [0], ValueError, "X_val must be finite"),
])
def test_labelled_points_refuses_bad_points_naming_them(X, y, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        labelled_points(X, y, "X_val", "y_val", 3)


def test_set_legend_replaces_the_legend_and_removes_it_when_empty():
    ax = new_axes()
    a, b = Line2D([], [], label="training"), Line2D([], [], label="validation")
    set_legend(ax, [a, b], loc="upper right", fontsize=7)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["training", "validation"] and legend._loc == 1
    set_legend(ax, [b])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["validation"] and ax.get_legend() is not legend
    set_legend(ax, [])
    assert ax.get_legend() is None
    set_legend(ax, [])  # no legend to remove: nothing happens
    assert ax.get_legend() is None
